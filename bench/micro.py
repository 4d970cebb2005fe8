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

from examhall.config import Settings
from examhall.db import Database
from examhall.proctoring.service import room_state
from examhall.sittings.models import Sitting
from examhall.trace.service import verify_database


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


def main() -> None:
    database = Database(Settings(database_url=sys.argv[1], _env_file=None))  # type: ignore[call-arg]
    with database.transaction(write=False) as db:
        began = time.perf_counter()
        report = verify_database(db)
        seconds = time.perf_counter() - began
    statements: list[int] = []
    event.listen(database.engine, "before_cursor_execute", lambda *_: statements.append(1))
    timings = []
    with database.transaction(write=False) as db:
        sitting = db.scalar(select(Sitting).order_by(Sitting.id))
        assert sitting is not None
        for _ in range(20):
            statements.clear()
            began = time.perf_counter()
            state = room_state(db, sitting)
            timings.append((time.perf_counter() - began) * 1000)
    print(
        json.dumps(
            {
                "scenario": "micro",
                "trace_verify": {
                    "events": report.events,
                    "chains": report.chains,
                    "intact": report.intact,
                    "events_per_second": round(report.events / seconds) if seconds else None,
                },
                "dashboard_refresh": {
                    "seats": len(state.seats),
                    "median_ms": round(statistics.median(timings), 1),
                    "queries": len(statements),
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
