"""How long the oversight pages take over a year of data: seeds about 100,000 attempts and
10 million answers into a fresh SQLite database (bench/oversight_seed.py), summarises every
sitting as the pages do on first need (timed per sitting), then opens each page through the app
and reports the median and slowest of several runs. The target: every page under 2 s.
Run: PYTHONPATH=. python -m bench.oversight [--attempts N] [--runs R] [--keep DIR]"""

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from alembic import command
from fastapi.testclient import TestClient

from bench.oversight_seed import seed
from examhall.accounts import service as accounts
from examhall.app import create_app
from examhall.config import Settings
from examhall.db import Database, alembic_config
from examhall.oversight import summary
from examhall.trace.service import Actor

TARGET_SECONDS = 2.0
PASSWORD = "bench-password"  # noqa: S105 (a throwaway benchmark database)
ACTOR = Actor("bench", "system", "")
PAGES = [
    "/oversight",
    "/oversight?by=enterprise",
    "/oversight?by=month&category=煤矿安全检查作业",
    "/oversight?by=site&institution=3&from=2025-03&to=2025-09",
    "/oversight/pass-rates.xlsx?by=enterprise",
    "/oversight/items/bench-1",
    "/oversight/items/bench-1?flagged=1",
    "/oversight/items/bench-1/Q0007",
    "/oversight/sittings",
    "/oversight/sittings/{middle}",
    "/oversight/anomalies",
    "/oversight/anomalies?kind=pass_rate",
    "/oversight/report?month=2025-06",
    "/api/v1/oversight/pass-rates?by=institution",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", default="", help="a folder to keep the database in")
    args = parser.parse_args()
    home = Path(args.keep or tempfile.mkdtemp())
    home.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{home / 'oversight.db'}"
    command.upgrade(alembic_config(url), "head")
    settings = Settings(database_url=url, signing_key_file=str(home / "signing.key"), _env_file=None)  # type: ignore[call-arg]
    database = Database(settings)
    started = time.perf_counter()
    with database.transaction() as db:
        sittings = seed(db.connection(), attempts=args.attempts)
        accounts.add_user(db, username="bench", role="admin", password=PASSWORD, display_name="测试", actor=ACTOR)
    seeded = time.perf_counter() - started
    each = []
    for sitting_id in summary.pending(database.open(write=False)):
        began = time.perf_counter()
        with database.transaction() as db:
            summary.summarise(db, sitting_id=sitting_id, timezone=settings.timezone)
        each.append(time.perf_counter() - began)
    database.dispose()
    app = create_app(settings)
    pages = {}
    with TestClient(app) as client:
        login = client.post("/api/v1/accounts/login", json={"username": "bench", "password": PASSWORD})
        assert login.status_code == 200, login.text
        for page in PAGES:
            path = page.format(middle=max(1, sittings // 2))
            times = []
            for _ in range(args.runs):
                began = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - began)
                assert response.status_code == 200, (path, response.status_code, response.text[:300])
            pages[page] = {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3)}
    slowest = max(p["max_s"] for p in pages.values())
    print(
        json.dumps(
            {
                "scenario": "oversight pages over a year",
                "attempts": sittings * 30,
                "answers": sittings * 30 * 100,
                "sittings": sittings,
                "seed_s": round(seeded, 1),
                "summarise_per_sitting_ms": {
                    "median": round(statistics.median(each) * 1000, 1),
                    "p95": round(sorted(each)[int(len(each) * 0.95)] * 1000, 1),
                    "total_s": round(sum(each), 1),
                },
                "pages": pages,
                "slowest_page_s": slowest,
                "target_met": slowest < TARGET_SECONDS,
                "database_mb": round((home / "oversight.db").stat().st_size / 2**20),
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
