"""Settings, read from EXAMHALL_* environment variables (and a .env file)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-secret-change-me"  # noqa: S105 (refused in production)
DEV_TRACE_KEY = "dev-trace-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EXAMHALL_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///./examhall.db"
    # Signs session cookies and CSRF tokens.
    secret_key: str = DEV_SECRET
    # Keys the HMAC of every trace event. Kept apart from secret_key so that an auditor
    # who is given it to verify evidence bundles cannot forge a login session.
    trace_key: str = DEV_TRACE_KEY
    # The exam body's Ed25519 key that signs seals and anchors (`examhall key create`). In
    # development a missing file is made when first needed.
    signing_key_file: str = "examhall-signing.key"
    # Where the public reaches this service: certificates' QR codes open its /verify page.
    public_url: str = "http://127.0.0.1:8000"
    session_max_age_minutes: int = 12 * 60
    cookie_secure: bool | None = None
    login_window_minutes: int = 15
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_max_failures_per_account_total: int = 50  # of one account from every address together
    # Proxies whose X-Forwarded-For names the client (comma-separated addresses); none by default,
    # so that no client can write another address into the trace or dodge the per-address limit.
    trusted_proxies: str = ""
    sqlite_busy_timeout_ms: int = 30_000
    timezone: str = "Asia/Shanghai"  # the exam body's local time: sitting days and the times pages show
    sweep_seconds: float = 5  # how often each process submits attempts whose time is up (0: never)
    max_upload_mb: int = 20
    max_import_items: int = 20_000
    db_pool_size: int = 10
    # Transactions a process writes the candidates' units of work in at once (PostgreSQL; SQLite
    # has one writer). Each commits the units that queued behind it together.
    db_writers: int = 3

    @property
    def proxies(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production" if self.cookie_secure is None else self.cookie_secure

    def production_problems(self) -> list[str]:
        """What keeps these settings from serving in production; empty when none."""
        if self.env != "production":
            return []
        problems = []
        for name, value, default in (
            ("EXAMHALL_SECRET_KEY", self.secret_key, DEV_SECRET),
            ("EXAMHALL_TRACE_KEY", self.trace_key, DEV_TRACE_KEY),
        ):
            if not value or value == default:
                problems.append(f"{name} is missing or left at its development default; set it to a long random value")
            elif len(value) < 32:
                problems.append(f"{name} is shorter than 32 characters; set it to a long random value")
        if not Path(self.signing_key_file).is_file():
            problems.append(
                f"EXAMHALL_SIGNING_KEY_FILE ({self.signing_key_file}) is not a file; "
                "make one with `examhall key create`"
            )
        return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
