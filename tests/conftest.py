"""Fixtures shared by every test: a clean, migrated database per test (SQLite by default,
PostgreSQL when EXAMHALL_TEST_DATABASE_URL is set), the app on it, and logged-in clients."""

import base64
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from examhall import clock
from examhall.accounts import service as accounts
from examhall.accounts.models import User
from examhall.app import create_app
from examhall.config import Settings
from examhall.db import Database, alembic_config, head_revision
from examhall.trace.service import Actor
from examhall.trace.signing import create_key

PG_URL = os.environ.get("EXAMHALL_TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI") == "true"
TEST_ACTOR = Actor("test", "system", "test")


class PostgresServer:
    """Makes throwaway databases on the server EXAMHALL_TEST_DATABASE_URL points at."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.made: list[str] = []

    def create(self) -> str:
        name = f"examhall_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.made.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    if not PG_URL:
        yield None
        return
    server = PostgresServer(PG_URL)
    yield server
    server.drop_all()


@pytest.fixture
def fresh_database_url(postgres: PostgresServer | None, tmp_path: Path) -> str:
    """An empty database with no schema at all (for migration tests)."""
    if postgres is not None:
        return postgres.create()
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture(scope="session")
def template(postgres: PostgresServer | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head once per run; each test starts from a clean copy of it."""
    if postgres is not None:
        url = postgres.create()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'examhall.db'}"
    command.upgrade(alembic_config(url), "head")
    if url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
        engine.dispose()
    yield url


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
        ]
        # The trace's triggers refuse TRUNCATE; a test database is emptied as a replica would be.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()})
    engine.dispose()


@pytest.fixture
def database_url(template: str, tmp_path: Path) -> str:
    if template.startswith("sqlite"):
        target = tmp_path / "examhall.db"
        shutil.copyfile(make_url(template).database or "", target)
        return f"sqlite:///{target}"
    _empty_postgres(template)
    return template


@pytest.fixture(scope="session")
def signing_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The exam body's signing key of the test run, made once."""
    path = tmp_path_factory.mktemp("keys") / "signing.key"
    create_key(path)
    return path


@pytest.fixture
def settings(database_url: str, signing_key_file: Path) -> Settings:
    return Settings(
        env="development",
        database_url=database_url,
        secret_key="test-secret-key-for-sessions",
        trace_key="test-trace-key",
        signing_key_file=str(signing_key_file),
        sweep_seconds=0,  # tests run the time-up sweep themselves
        _env_file=None,
    )  # type: ignore[call-arg]


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.database.dispose()


@pytest.fixture
def database(app: FastAPI) -> Database:
    db: Database = app.state.database
    return db


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _real_clock() -> Iterator[None]:
    yield
    clock.freeze(None)


def add_staff(database: Database, username: str, role: str, password: str = "password-123") -> User:
    with database.transaction() as db:
        return accounts.add_user(db, username=username, role=role, password=password, actor=TEST_ACTOR)


def log_in(client: TestClient, username: str, password: str = "password-123") -> TestClient:
    response = client.post("/api/v1/accounts/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


@pytest.fixture
def staff_client(app: FastAPI, database: Database) -> Iterator[Any]:
    """staff_client("admin") -> a TestClient logged in as a new user with that role."""
    clients: list[TestClient] = []

    def make(role: str, username: str | None = None) -> TestClient:
        name = username or f"{role}{len(clients) + 1}"
        add_staff(database, name, role)
        test_client = TestClient(app)
        clients.append(test_client)
        return log_in(test_client, name)

    yield make
    for test_client in clients:
        test_client.close()


def session_cookie(settings: Settings, session: dict[str, Any]) -> str:
    """The cookie Starlette's SessionMiddleware would set for `session`."""
    data = base64.b64encode(json.dumps(session).encode())
    return TimestampSigner(settings.secret_key).sign(data).decode()


def form_token(client: TestClient, page: str = "/login") -> str:
    html = client.get(page).text
    marker = 'name="csrf-token" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


@pytest.fixture(scope="session")
def postgres_only_url() -> str:
    """For the few tests that need PostgreSQL whatever the suite runs on (several processes on
    one server). Skipped without a server, except under CI, where that is a failure."""
    url = os.environ.get("EXAMHALL_TEST_POSTGRES_URL") or (PG_URL if PG_URL.startswith("postgresql") else "")
    if not url:
        if IN_CI:
            pytest.fail("CI=true but no PostgreSQL given: set EXAMHALL_TEST_POSTGRES_URL")
        pytest.skip("needs PostgreSQL: set EXAMHALL_TEST_POSTGRES_URL or EXAMHALL_TEST_DATABASE_URL")
    return url


def engine_for(url: str) -> Engine:
    return create_engine(url)
