"""What the guards on a sealed sitting's answers and results cost an answer save: the same saves
through the service on a demo database (SQLite), with the guard triggers and with them dropped,
alternately, each run on a fresh database. Prints one JSON object.
Run: PYTHONPATH=. python -m bench.guards [--saves N] [--rounds R]"""

import argparse
import json
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import text

from examhall import clock, demo
from examhall.accounts.service import Throttle
from examhall.config import Settings
from examhall.db import Database, alembic_config
from examhall.delivery import admission, answering, service, supervision
from examhall.delivery.models import Attempt
from examhall.sittings.models import Sitting
from examhall.trace.service import Actor

GUARDS = ("answers_sealed_update", "answers_sealed_delete", "attempts_sealed_update", "attempts_sealed_delete")
ACTOR = Actor("bench", "system", "")


def saves(*, guarded: bool, count: int) -> list[float]:
    """Seconds per save of one candidate answering the paper's items over and over."""
    home = Path(tempfile.mkdtemp())
    url = f"sqlite:///{home / 'bench.db'}"
    command.upgrade(alembic_config(url), "head")
    database = Database(
        Settings(database_url=url, signing_key_file=str(home / "signing.key"), _env_file=None)  # type: ignore[call-arg]
    )
    try:
        with database.transaction() as db:
            _, sitting_id, seated = demo.load(db, actor=ACTOR, timezone="Asia/Shanghai")
        if not guarded:
            with database.engine.begin() as conn:
                for name in GUARDS:
                    conn.execute(text(f"DROP TRIGGER {name}"))
        with database.transaction() as db:
            login = admission.log_in(
                db, ticket=seated[0].ticket, id_number=seated[0].id_number, code="", client="", throttle=Throttle()
            )
            attempt = login.attempt.id
            sitting = db.get(Sitting, sitting_id)
            assert sitting is not None
            supervision.authorize(db, sitting=sitting, attempt_ids=None, actor=ACTOR)
        clock.freeze(clock.now() + timedelta(seconds=10))  # the demo sitting starts in 5 s
        with database.transaction() as db:
            found = db.get(Attempt, attempt)
            assert found is not None
            service.start(db, attempt=found, actor=ACTOR)
            registration, generation = found.registration_id, found.generation
        took = []
        for seq in range(1, count + 1):
            entry = answering.Entry(seq=seq, n=seq % 70 + 1, response=seq % 2 == 0, has_response=True)
            started = time.perf_counter()
            with database.transaction() as db:
                answering.save(
                    db,
                    attempt_id=attempt,
                    registration_id=registration,
                    generation=generation,
                    entries=[entry],
                    actor=ACTOR,
                )
            took.append(time.perf_counter() - started)
        return took[count // 10 :]  # after the first answers, every save updates a row
    finally:
        clock.freeze(None)
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--saves", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    medians: dict[str, list[float]] = {"guarded": [], "unguarded": []}
    for _ in range(args.rounds):
        for guarded in (True, False):
            took = saves(guarded=guarded, count=args.saves)
            medians["guarded" if guarded else "unguarded"].append(round(statistics.median(took) * 1000, 3))
    print(json.dumps({"benchmark": "guards", "saves": args.saves, "median_ms": medians}))


if __name__ == "__main__":
    main()
