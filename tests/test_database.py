"""The database set up for a server: concurrent writers queue instead of failing."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from examhall.db import Database
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
