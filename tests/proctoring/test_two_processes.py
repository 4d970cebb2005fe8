"""Two app processes on one PostgreSQL: an action taken through one shows on the live dashboard
served by the other (its server-sent events are read from the database)."""

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from alembic import command

from examhall.db import alembic_config
from tests.conftest import PostgresServer
from tests.test_instances import start_servers


@pytest.fixture
def demo_servers(postgres_only_url: str) -> Iterator[tuple[str, str, str]]:
    server = PostgresServer(postgres_only_url)
    url = server.create()
    command.upgrade(alembic_config(url), "head")
    env = {**os.environ, "EXAMHALL_DATABASE_URL": url, "EXAMHALL_SECRET_KEY": "s" * 40, "EXAMHALL_TRACE_KEY": "t" * 40}
    demo = subprocess.run(
        [sys.executable, "-m", "examhall", "demo"], env=env, check=True, capture_output=True, text=True
    ).stdout
    try:
        with start_servers(env, 2) as (first, second):
            yield first, second, demo
    finally:
        server.drop_all()


def _first_state(base: str, cookies: httpx.Cookies, sitting: int) -> dict:  # type: ignore[type-arg]
    with (
        httpx.Client(cookies=cookies, timeout=10) as client,
        client.stream("GET", f"{base}/api/v1/proctoring/sittings/{sitting}/events") as stream,
    ):
        for line in stream.iter_lines():
            if line.startswith("data: "):
                return json.loads(line[6:])  # type: ignore[no-any-return]
    raise AssertionError("no event")


def test_an_action_through_one_process_shows_on_the_dashboard_of_the_other(
    demo_servers: tuple[str, str, str],
) -> None:
    first, second, demo = demo_servers
    sitting = int(re.search(r"Demo sitting (\d+)", demo).group(1))  # type: ignore[union-attr]
    ticket, id_number = re.search(r"^\s+(\d{14})\s+(\d{17}[\dX])", demo, re.M).groups()  # type: ignore[union-attr]
    proctor = httpx.Client(timeout=10)
    token = proctor.post(
        f"{first}/api/v1/accounts/login", json={"username": "proctor1", "password": "proctor1-demo"}
    ).json()["csrf_token"]
    candidate = httpx.Client(timeout=10)
    attempt = candidate.post(f"{first}/api/v1/delivery/login", json={"ticket": ticket, "id_number": id_number}).json()[
        "attempt"
    ]
    before = _first_state(second, proctor.cookies, sitting)
    assert next(s for s in before["seats"] if s["attempt"] == attempt)["state"] == "waiting"
    authorized = proctor.post(
        f"{first}/api/v1/delivery/sittings/{sitting}/authorize",
        headers={"X-CSRF-Token": token},
        json={"attempt_ids": [attempt]},
    )
    assert authorized.status_code == 200
    after = _first_state(second, proctor.cookies, sitting)
    assert next(s for s in after["seats"] if s["attempt"] == attempt)["state"] == "authorized"
