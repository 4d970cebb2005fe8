"""The trace: chains append in the request's transaction; the database refuses to change
them; `examhall trace verify` finds every kind of tampering and never flags intact data."""

import hashlib
import hmac
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from examhall.cli import main
from examhall.db import Database
from examhall.errors import Invalid
from examhall.trace import service as trace
from examhall.trace.chain import canonical_json, event_hash, format_time, parse_time
from examhall.trace.service import Actor
from tests.conftest import TEST_ACTOR

ACTOR = Actor("li", "proctor", "10.0.0.7")


def _populate(database: Database) -> None:
    with database.transaction() as db:
        for chain in ("sitting:1", "attempt:1", "attempt:2"):
            for n in range(4):
                trace.record(db, chain=chain, action="test.step", subject=chain, actor=ACTOR, payload={"n": n})


def _tamper(database: Database, *statements: str) -> None:
    """Change the database the way someone with direct access could: past the triggers."""
    with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for trigger in (
                "trace_events_no_update",
                "trace_events_no_delete",
                "trace_heads_forward",
                "trace_heads_no_delete",
            ):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        for statement in statements:
            conn.exec_driver_sql(statement)


def _first_break(database: Database) -> tuple[str, int]:
    with database.transaction(write=False) as db:
        report = trace.verify_database(db)
    assert not report.intact
    return report.breaks[0].chain, report.breaks[0].position


def test_events_chain_and_verify(database: Database) -> None:
    _populate(database)
    with database.transaction(write=False) as db:
        events = trace.events(db, "attempt:1")
        report = trace.verify_database(db)
    assert [e.position for e in events] == [1, 2, 3, 4]
    assert events[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in pairwise(events))
    assert (events[1].actor, events[1].role, events[1].client) == ("li", "proctor", "10.0.0.7")
    assert report.intact and report.chains == 3 and report.events == 12


def test_an_event_is_written_with_its_change_or_not_at_all(database: Database) -> None:
    with pytest.raises(Invalid), database.transaction() as db:
        trace.record(db, chain="attempt:9", action="test.step", subject="x", actor=ACTOR)
        raise Invalid("x", "x", "x")
    with database.transaction(write=False) as db:
        assert trace.events(db, "attempt:9") == []


def test_database_refuses_update_and_delete_of_events(database: Database) -> None:
    _populate(database)
    for statement in (
        "UPDATE trace_events SET payload = '{}' WHERE chain = 'attempt:1' AND position = 2",
        "DELETE FROM trace_events WHERE chain = 'attempt:1' AND position = 4",
        "UPDATE trace_heads SET position = 3 WHERE chain = 'attempt:1'",
        "DELETE FROM trace_heads WHERE chain = 'attempt:1'",
    ):
        with pytest.raises(DatabaseError), database.engine.begin() as conn:
            conn.execute(text(statement))
    with database.transaction(write=False) as db:
        assert trace.verify_database(db).intact


@pytest.mark.parametrize(
    "statements, expected",
    [
        (
            ["UPDATE trace_events SET payload = '{\"n\":9}' WHERE chain = 'attempt:1' AND position = 2"],
            ("attempt:1", 2),
        ),
        (["UPDATE trace_events SET actor = 'wang' WHERE chain = 'sitting:1' AND position = 1"], ("sitting:1", 1)),
        (["DELETE FROM trace_events WHERE chain = 'attempt:2' AND position = 2"], ("attempt:2", 2)),
        (["DELETE FROM trace_events WHERE chain = 'attempt:2' AND position = 4"], ("attempt:2", 4)),
        (
            [
                "INSERT INTO trace_events SELECT chain, 5, at, actor, role, client, action, subject, payload, "
                "hash, hash FROM trace_events WHERE chain = 'attempt:1' AND position = 4"
            ],
            ("attempt:1", 5),
        ),
        (
            [
                "UPDATE trace_events SET position = position + 10 WHERE chain = 'attempt:1' AND position >= 3",
                "UPDATE trace_events SET position = position - 9 WHERE chain = 'attempt:1' AND position >= 13",
                "INSERT INTO trace_events SELECT chain, 3, at, actor, role, client, action, subject, '{\"n\":7}', "
                "prev_hash, hash FROM trace_events WHERE chain = 'attempt:1' AND position = 2",
            ],
            ("attempt:1", 3),
        ),
        (
            [
                "UPDATE trace_events SET position = 99 WHERE chain = 'sitting:1' AND position = 2",
                "UPDATE trace_events SET position = 2 WHERE chain = 'sitting:1' AND position = 3",
                "UPDATE trace_events SET position = 3 WHERE chain = 'sitting:1' AND position = 99",
            ],
            ("sitting:1", 2),
        ),
        (["UPDATE trace_heads SET mac = hash WHERE chain = 'attempt:2'"], ("attempt:2", 4)),
    ],
    ids=[
        "changed-payload",
        "changed-actor",
        "deleted-middle",
        "deleted-last",
        "inserted-at-end",
        "inserted-in-middle",
        "swapped-pair",
        "altered-head",
    ],
)
def test_verify_finds_tampering(database: Database, statements: list[str], expected: tuple[str, int]) -> None:
    _populate(database)
    _tamper(database, *statements)
    assert _first_break(database) == expected


def test_deleting_a_whole_chain_is_found_through_its_head(database: Database) -> None:
    _populate(database)
    _tamper(database, "DELETE FROM trace_events WHERE chain = 'attempt:2'")
    assert _first_break(database) == ("attempt:2", 1)


def test_cli_verify_exit_codes_and_message(
    database: Database, settings: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _populate(database)
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", database.settings.database_url)
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", database.settings.trace_key)
    assert main(["trace", "verify"]) == 0
    assert "trace intact: 3 chains, 12 events" in capsys.readouterr().out
    assert main(["trace", "verify", "--jobs", "2"]) == 0
    assert "trace intact: 3 chains, 12 events" in capsys.readouterr().out
    _tamper(database, "UPDATE trace_events SET payload = '{}' WHERE chain = 'attempt:2' AND position = 3")
    assert main(["trace", "verify"]) == 1
    err = capsys.readouterr().err
    assert "first break in chain attempt:2 at position 3" in err
    assert "Traceback" not in err
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", "another-key")
    assert main(["trace", "verify"]) == 1  # a wrong key verifies nothing


def test_same_chain_appends_from_two_sessions_serialize(database: Database) -> None:
    with database.transaction() as db:
        trace.record(db, chain="bank:x", action="a", subject="x", actor=TEST_ACTOR)
    with database.transaction() as db:
        trace.record(db, chain="bank:x", action="b", subject="x", actor=TEST_ACTOR)
    with database.transaction(write=False) as db:
        assert [e.action for e in trace.events(db, "bank:x")] == ["a", "b"]
        assert trace.verify_database(db).intact


def test_a_time_moved_by_a_microsecond_is_found(database: Database) -> None:
    _populate(database)
    moved = {
        "sqlite": "UPDATE trace_events SET at = substr(at, 1, 25) || "
        "CASE substr(at, 26, 1) WHEN '0' THEN '1' ELSE '0' END WHERE chain = 'attempt:2' AND position = 3",
        "postgresql": "UPDATE trace_events SET at = at + interval '1 microsecond' "
        "WHERE chain = 'attempt:2' AND position = 3",
    }
    _tamper(database, moved[database.engine.dialect.name])
    assert _first_break(database) == ("attempt:2", 3)


text_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(
    chain=text_values,
    position=st.integers(1, 2**31 - 1),
    at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2999, 12, 31), timezones=st.just(UTC)),
    actor=text_values,
    role=text_values,
    client=text_values,
    action=text_values,
    subject=text_values,
    payload=text_values,
)
def test_an_event_is_hashed_over_the_canonical_json_of_its_fields(**fields: Any) -> None:
    """The hash written out by hand for speed is the one docs/evidence-bundle.md defines: the
    HMAC-SHA256 of the previous hash and the canonical JSON (sorted keys, no spaces, text as it
    is) of the event's fields."""
    key, previous = b"k" * 32, "ab" * 32
    message = canonical_json({**fields, "at": fields["at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")})
    expected = hmac.new(key, (previous + message).encode(), hashlib.sha256).hexdigest()
    assert event_hash(key, previous, **fields) == expected
    assert parse_time(format_time(fields["at"])) == fields["at"]


@pytest.mark.parametrize(
    "written", ["2026-12-06T08:00:00Z", "2026-12-06T08:00:00.000000+00:00", "2026-12-06 08:00:00.000000Z", ""]
)
def test_a_time_in_another_spelling_is_refused(written: str) -> None:
    with pytest.raises(ValueError):
        parse_time(written)


def test_verify_shared_out_among_processes_finds_what_one_finds(database: Database) -> None:
    _populate(database)
    with database.transaction(write=False) as db:
        whole = trace.verify_database(db, jobs=3)
    assert whole.intact and (whole.chains, whole.events) == (3, 12)
    _tamper(
        database,
        "UPDATE trace_events SET actor = 'wang' WHERE chain = 'attempt:2' AND position = 3",
        "DELETE FROM trace_events WHERE chain = 'sitting:1'",
    )
    with database.transaction(write=False) as db:
        one, shared = trace.verify_database(db), trace.verify_database(db, jobs=3)
    assert (
        [(b.chain, b.position) for b in shared.breaks]
        == [(b.chain, b.position) for b in one.breaks]
        == [
            ("attempt:2", 3),
            ("sitting:1", 1),
        ]
    )
    assert (shared.chains, shared.events) == (one.chains, one.events) == (3, 8)
