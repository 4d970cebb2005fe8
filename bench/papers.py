"""Paper benchmarks against a database: a 200-candidate sitting's papers drawn and stored from a
10,000-item bank (what opening a sitting costs), and a paper rebuilt. Prints one JSON object.
Run: .venv/bin/python bench/papers.py [--seats 200]"""

import argparse
import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from alembic import command

from bench.banks import ACTOR, drafts
from examhall.banks import service as banks
from examhall.banks.formats import write
from examhall.config import Settings
from examhall.db import Database, alembic_config
from examhall.papers import service
from examhall.papers.blueprint import presets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seats", type=int, default=200)
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    command.upgrade(alembic_config(url), "head")
    database = Database(Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    data, _ = write("json", code="bench", name="bench", description="", drafts=drafts(args.items, 1, "A"), images={})
    with database.transaction() as db:
        banks.import_file(db, code="bench", filename="bench.json", data=data, actor=ACTOR, name="bench")

    columns = 10
    seats = [
        service.Seat(
            neighbours=[j for j in (i - 1, i + 1, i - columns, i + columns) if 0 <= j < args.seats], seen=set()
        )
        for i in range(args.seats)
    ]
    results = {}
    for name, blueprint in presets().items():
        timings = []
        for run in range(3):
            started = time.perf_counter()
            with database.transaction() as db:
                draw, papers = service.draw_papers(
                    db, blueprint=blueprint, bank_codes=["bench"], on=date(2026, 12, 1), seats=seats, seed=run
                )
            timings.append(time.perf_counter() - started)
        with database.transaction(write=False) as db:
            started = time.perf_counter()
            rebuilt = service.rebuild(db, paper_id=papers[-1].id)
            rebuild_seconds = time.perf_counter() - started
            report = service.draw_report(db, draw_id=draw.id)
        results[name] = {
            "open_seconds_median": round(statistics.median(timings), 3),
            "open_target_seconds": 1,
            "open_met": max(timings) < 1,
            "rebuild_last_paper_seconds": round(rebuild_seconds, 3),
            "rebuilt_identical": rebuilt.identical,
            "max_neighbour_overlap": max(s.neighbour_overlap for s in report),
            "difficulty_range": [
                float(min(s.mean_difficulty for s in report)),
                float(max(s.mean_difficulty for s in report)),
            ],
        }
    print(json.dumps({"benchmark": "papers", "seats": args.seats, "bank_items": args.items, **results}))
    database.dispose()


if __name__ == "__main__":
    main()
