"""Several `examhall serve` processes on one PostgreSQL are one service: nothing lives in a process."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from alembic import command

from examhall.db import alembic_config
from tests.conftest import PostgresServer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def start_servers(env: dict[str, str], count: int) -> Iterator[list[str]]:
    """`count` examhall processes serving the database in `env`, until the block ends."""
    ports = [_free_port() for _ in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "examhall", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base in bases:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
        yield bases
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)


@pytest.fixture
def two_servers(postgres_only_url: str) -> Iterator[tuple[str, str]]:
    server = PostgresServer(postgres_only_url)
    url = server.create()
    command.upgrade(alembic_config(url), "head")
    env = {**os.environ, "EXAMHALL_DATABASE_URL": url, "EXAMHALL_SECRET_KEY": "s" * 40, "EXAMHALL_TRACE_KEY": "t" * 40}
    subprocess.run(
        [sys.executable, "-m", "examhall", "user", "add", "li", "--role", "admin"],
        input="password-123\n",
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    try:
        with start_servers(env, 2) as (first, second):
            yield first, second
    finally:
        server.drop_all()


def test_a_login_on_one_process_works_on_the_other(two_servers: tuple[str, str]) -> None:
    first, second = two_servers
    with httpx.Client() as browser:
        login = browser.post(f"{first}/api/v1/accounts/login", json={"username": "li", "password": "password-123"})
        assert login.status_code == 200
        token = login.json()["csrf_token"]
        assert browser.get(f"{second}/api/v1/accounts/me").json()["username"] == "li"
        added = browser.post(
            f"{second}/api/v1/accounts/users",
            headers={"X-CSRF-Token": token},
            json={"username": "wang", "role": "proctor", "password": "password-456"},
        )
        assert added.status_code == 201
        assert "wang" in [u["username"] for u in browser.get(f"{first}/api/v1/accounts/users").json()]
        browser.post(f"{first}/api/v1/accounts/logout", headers={"X-CSRF-Token": token})
        assert browser.get(f"{second}/api/v1/accounts/me").status_code == 401
