"""The micro-benchmarks, on the database the load run left: trace verification (events/s) and the
dashboard refresh of a full room, plus paper assembly and bank import (their own scripts).
Prints one JSON object. Run: PYTHONPATH=. python -m bench.micro DATABASE_URL"""

import json
import os
import statistics
import subprocess
import sys
import time

from sqlalchemy import event, select

from examhall.accounts.models import User
from examhall.config import Settings
from examhall.db import Database
from examhall.grading import evidence, sealing
from examhall.proctoring.service import room_state
from examhall.sittings.models import Sitting
from examhall.trace.bundle import verify_bundle
from examhall.trace.service import Actor, trace_key, verify_database

BUNDLES = 3  # sittings sealed and bundled, each of 99 candidates


def script(name: str) -> dict[str, object]:
    found = subprocess.run(
        [sys.executable, f"bench/{name}.py"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    result: dict[str, object] = json.loads(found.stdout.strip().splitlines()[-1])
    return result


def bundles(database: Database) -> dict[str, object]:
    """Seal the first sittings (every candidate has submitted by now), write each one's evidence
    bundle, and verify the bundles offline with the trace key, as an auditor does."""
    made = []
    with database.transaction() as db:
        chief = db.scalar(select(User).where(User.username == "bench-chief"))
        assert chief is not None
        actor = Actor(chief.username, chief.role, "bench")
        for sitting_id in db.scalars(select(Sitting.id).order_by(Sitting.id).limit(BUNDLES)).all():
            sealing.seal(db, sitting_id=sitting_id, actor=actor, user_id=chief.id)
            made.append(sitting_id)
    with database.transaction(write=False) as db:
        key = trace_key(db)
        data = [evidence.evidence(db, sitting_id=sitting_id) for sitting_id in made]
    events, seconds, ok = 0, 0.0, True
    for bundle in data:
        began = time.perf_counter()
        checked = verify_bundle(bundle, key)
        seconds += time.perf_counter() - began
        events, ok = events + checked.events, ok and checked.ok
    return {
        "bundles": len(data),
        "events": events,
        "ok": ok,
        "events_per_second": round(events / seconds) if seconds else None,
    }


def main() -> None:
    database = Database(Settings(database_url=sys.argv[1], _env_file=None))  # type: ignore[call-arg]
    rates = {}
    for jobs in (1, 2):  # one process, then the trace shared out between two (trace verify --jobs 2)
        with database.transaction(write=False) as db:
            began = time.perf_counter()
            report = verify_database(db, jobs=jobs)
            rates[jobs] = round(report.events / (time.perf_counter() - began))
    statements: list[int] = []

    def count(*_: object) -> None:
        statements.append(1)

    event.listen(database.engine, "before_cursor_execute", count)
    timings = []
    with database.transaction(write=False) as db:
        sitting = db.scalar(select(Sitting).order_by(Sitting.id))
        assert sitting is not None
        for _ in range(20):
            statements.clear()
            began = time.perf_counter()
            state = room_state(db, sitting)
            timings.append((time.perf_counter() - began) * 1000)
    queries = len(statements)
    event.remove(database.engine, "before_cursor_execute", count)
    print(
        json.dumps(
            {
                "scenario": "micro",
                "trace_verify": {
                    "events": report.events,
                    "chains": report.chains,
                    "intact": report.intact,
                    "events_per_second": rates[1],
                    "events_per_second_jobs_2": rates[2],
                },
                "bundle_verify": bundles(database),
                "dashboard_refresh": {
                    "seats": len(state.seats),
                    "median_ms": round(statistics.median(timings), 1),
                    "queries": queries,
                },
                "assembly": script("assembly"),
                "banks": script("banks"),
            },
            ensure_ascii=False,
        )
    )
    database.dispose()


if __name__ == "__main__":
    main()
