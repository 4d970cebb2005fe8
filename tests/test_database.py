"""The database set up for a server: concurrent writers queue instead of failing, and units of
work committed together stay each its own."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import text

from examhall.db import Database
from examhall.errors import Conflict
from examhall.trace import service as trace
from tests.conftest import TEST_ACTOR


def test_concurrent_read_then_write_transactions_never_fail(database: Database) -> None:
    """Each transaction reads, then writes: the pattern that makes deferred SQLite transactions
    fail with "database is locked". All of them must go through."""

    def work(worker: int) -> int:
        for n in range(25):
            with database.transaction() as db:
                db.execute(text("SELECT count(*) FROM trace_events")).scalar()
                trace.record(
                    db, chain="sitting:shared", action="step", subject=str(worker), actor=TEST_ACTOR, payload={"n": n}
                )
                trace.record(db, chain=f"attempt:{worker}", action="step", subject=str(worker), actor=TEST_ACTOR)
            with database.transaction(write=False) as db:
                db.execute(text("SELECT count(*) FROM trace_heads")).scalar()
        return worker

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sorted(pool.map(work, range(8))) == list(range(8))
    with database.transaction(write=False) as db:
        report = trace.verify_database(db)
        shared = trace.events(db, "sitting:shared")
    assert report.intact and report.events == 400
    assert [e.position for e in shared] == list(range(1, 201))


def test_sqlite_is_configured_for_a_server(database: Database) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas; this run is on PostgreSQL")
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL: a commit is on disk


def test_units_of_work_committed_together_each_hold_or_fail_alone(database: Database) -> None:
    """Database.run commits the writers that arrive together in one transaction (on SQLite):
    each caller still gets its own result or its own refusal, a failed unit leaves nothing, a
    refusal that is itself the record keeps its trace, and the rest are committed."""

    def save(n: int) -> Any:
        def work(db: Any) -> int:
            trace.record(db, chain=f"attempt:{n}", action="answers.saved", subject=str(n), actor=TEST_ACTOR)
            if n % 4 == 1:
                raise ValueError(f"unit {n} breaks")
            if n % 4 == 2:
                raise Conflict("time_up", "考试时间已到", "the time is up", commit=True)
            if n % 4 == 3:
                raise Conflict("paused", "考试已暂停", "the attempt is paused")
            return n

        return work

    async def everyone() -> list[Any]:
        return await asyncio.gather(*(database.run(save(n)) for n in range(40)), return_exceptions=True)

    outcomes = asyncio.run(everyone())
    assert [o for o in outcomes if isinstance(o, int)] == list(range(0, 40, 4))
    assert all(isinstance(outcomes[n], ValueError) and str(n) in str(outcomes[n]) for n in range(1, 40, 4))
    assert all(isinstance(outcomes[n], Conflict) and outcomes[n].code == "time_up" for n in range(2, 40, 4))
    assert all(isinstance(outcomes[n], Conflict) and outcomes[n].code == "paused" for n in range(3, 40, 4))
    with database.transaction(write=False) as db:
        kept = {int(e.subject) for n in range(40) for e in trace.events(db, f"attempt:{n}")}
        report = trace.verify_database(db)
    assert kept == {n for n in range(40) if n % 4 in (0, 2)}
    assert report.intact
