"""A real examhall server on a throwaway SQLite database with the demo loaded, and Debian's
Chromium driven by Playwright. Without /usr/bin/chromium the browser tests skip, except under
CI=true, where a missing browser is a failure."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@dataclass(frozen=True)
class DemoCandidate:
    ticket: str
    id_number: str
    name: str


@dataclass(frozen=True)
class Server:
    base_url: str
    sitting_id: int
    candidates: list[DemoCandidate]
    proctor: tuple[str, str]


def read_demo(printed: str) -> tuple[int, list[DemoCandidate], tuple[str, str]]:
    """The sitting, candidates and a proctor login from what `examhall demo` prints."""
    sitting = re.search(r"Demo sitting (\d+)", printed)
    assert sitting, f"`examhall demo` printed no sitting:\n{printed}"
    candidates = [
        DemoCandidate(*match.groups())
        for match in re.finditer(r"^\s+(\d{10,20})\s+(\d{17}[\dX])\s+(\S+)\s*$", printed, re.MULTILINE)
    ]
    assert candidates, f"`examhall demo` printed no candidates:\n{printed}"
    proctor = re.search(r"^\s+(\S+)\s+(\S+)\s+proctor\b", printed, re.MULTILINE)
    assert proctor, f"`examhall demo` printed no proctor login:\n{printed}"
    return int(sitting.group(1)), candidates, (proctor.group(1), proctor.group(2))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "examhall", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"examhall {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium package to run the browser tests)")
    return CHROMIUM


@contextmanager
def serve_demo(home: Path) -> Iterator[Server]:
    """`examhall serve` on a new SQLite database in `home` with the demo loaded, until the block ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXAMHALL_")}
    env.update(
        EXAMHALL_DATABASE_URL=f"sqlite:///{home / 'examhall.db'}",
        EXAMHALL_ENV="development",
        PYTHONUNBUFFERED="1",
    )
    run(["db", "upgrade"], env, home)
    sitting_id, candidates, proctor = read_demo(run(["demo"], env, home))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = home / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "examhall", "serve", "--port", str(port)],
            env=env,
            cwd=home,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_ready(base_url, process, log_path)
        yield Server(base_url, sitting_id, candidates, proctor)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_demo(tmp_path_factory.mktemp("e2e-server")) as served:
        yield served


def wait_ready(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    until = time.monotonic() + 60
    while time.monotonic() < until:
        if process.poll() is not None:
            pytest.fail(f"examhall serve exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=2) as response:  # noqa: S310 (our own server)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"examhall serve was not ready within 60 s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def playwright(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright: Any, chromium_path: Path) -> Iterator[Any]:
    launched = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
    try:
        yield launched
    finally:
        launched.close()


class Proctor:
    """A proctor using the JSON API, with a session of their own (not the candidate's browser)."""

    def __init__(self, playwright: Any, base_url: str, username: str, password: str) -> None:
        self.api = playwright.request.new_context(base_url=base_url)
        response = self.api.post("/api/v1/accounts/login", data={"username": username, "password": password})
        assert response.ok, f"proctor login failed: {response.status} {response.text()}"
        self.csrf = response.json()["csrf_token"]

    def attempts(self, sitting_id: int) -> list[dict[str, Any]]:
        response = self.api.get(f"/api/v1/delivery/sittings/{sitting_id}/attempts")
        assert response.ok, f"{response.status} {response.text()}"
        rows: list[dict[str, Any]] = response.json()
        return rows

    def authorize(self, sitting_id: int, attempt_ids: list[int]) -> list[int]:
        response = self.api.post(
            f"/api/v1/delivery/sittings/{sitting_id}/authorize",
            data=json.dumps({"attempt_ids": attempt_ids}),
            headers={"X-CSRF-Token": self.csrf, "Content-Type": "application/json"},
        )
        assert response.ok, f"{response.status} {response.text()}"
        authorized: list[int] = response.json()["authorized"]
        return authorized

    def close(self) -> None:
        self.api.dispose()


@pytest.fixture
def proctor(playwright: Any, server: Server) -> Iterator[Proctor]:
    made = Proctor(playwright, server.base_url, *server.proctor)
    try:
        yield made
    finally:
        made.close()
