"""The tamper suite: over a database holding an exam day (a bank, the room's arrangements, staff
accounts, a morning sitting where candidates answer, are warned, paused, given time, the subject of
a misconduct proposal, submit or run out of time, which is then sealed, published and appealed
after the seal; a teacher assessment judged and sealed; an afternoon sitting still under way),
single events are changed directly in the database, past its triggers, as someone with the
database's rights could:

- edit: one field of one event (payload, actor, role, client, action, subject, time, hashes);
- delete: one event, the last of its chain as often as any other;
- insert: an event between two others or after the last, forged (signed with a guessed key) or
  replayed from another chain;
- swap: two events of a chain trade places;
- head: a chain's head record altered.

Every change must be found by trace.service.verify_database, naming the changed chain, at the
first position changed, and no other chain; a change to a chain under a seal also by the seal's
own check (`examhall trace verify --sitting N`, sealing.verify for an assessment); committed
changes by `examhall trace verify`, exit 1. The untouched day always verifies clean. A change is
made in a transaction the checks run inside and which is then rolled back, or, for the command
line, committed and then undone row for row.

Where the trace stops is shown too (test_where_the_trace_stops, KNOWN_GAPS): a chain cut back AND
given back the head record it had then (genuine, from any older copy of the database) agrees with
its head; a chain removed with its head leaves nothing behind. A seal catches both below it
(tested here); nothing catches them above a seal or on a chain under none."""

import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import User
from examhall.assessments import sealing
from examhall.assessments.models import Assessment
from examhall.cli import main
from examhall.db import Database
from examhall.delivery import submitting
from examhall.delivery.models import Attempt
from examhall.grading import sealing as grading
from examhall.sittings import service as sittings
from examhall.sittings import staffing
from examhall.sittings.models import Registration
from examhall.trace import service as trace
from examhall.trace.chain import event_hash, head_mac
from examhall.trace.models import Seal, TraceEvent, TraceHead
from examhall.trace.signing import KeyFile
from tests.assessments.conftest import lecture_marks, make_world
from tests.conftest import TEST_ACTOR, log_in
from tests.delivery.conftest import Room, room
from tests.sittings.conftest import ZONE, arranged, id_number, person, roster_csv

__all__ = ["arranged", "room"]  # the delivery fixtures, used here too

COLUMNS = ("chain", "position", "at", "actor", "role", "client", "action", "subject", "payload", "prev_hash", "hash")
FIELDS = ("payload", "actor", "role", "client", "action", "subject", "at", "prev_hash", "hash")
KINDS = ("edit", "delete", "insert", "swap", "head")


# --- the day ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    database: Database
    sitting_id: int  # the morning's sitting: held, sealed, published, an appeal decided after
    sitting_chain: str
    sealed: frozenset[str]  # the chains under the sitting's seal
    running: frozenset[str]  # the afternoon sitting's attempt chains: under way, under no seal
    assessment_id: int
    assessed: frozenset[str]  # the chains under the assessment's seal
    lengths: dict[str, int]  # every chain and how many events it holds
    # trace_heads as copies of the database made at two moments held them: at the seal, and
    # halfway through the afternoon sitting.
    at_seal: dict[str, tuple[int, str, str]]
    midway: dict[str, tuple[int, str, str]]

    @property
    def key(self) -> bytes:
        return self.database.settings.trace_key.encode()


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _heads(database: Database) -> dict[str, tuple[int, str, str]]:
    with database.engine.connect() as conn:
        rows = conn.execute(select(TraceHead.chain, TraceHead.position, TraceHead.hash, TraceHead.mac))
        return {r.chain: (r.position, r.hash, r.mac) for r in rows}


def _client(room: Room) -> TestClient:
    return TestClient(room.app)


def _morning(room: Room) -> dict[str, tuple[int, str, str]]:
    """The room's sitting: three candidates answer, one is warned, one paused and given time,
    one the subject of a misconduct proposal the chief examiner rejects; two submit, the third
    runs out of time; the fourth never comes. The record is filed and the sitting sealed. The
    heads as they stood then."""
    sid = room.sitting_id
    browsers = [room.started(k) for k in range(3)]
    proctor, other_proctor, chief = room.proctor(), log_in(_client(room), "proctor_b"), log_in(_client(room), "chief_a")
    base = f"/api/v1/proctoring/sittings/{sid}"
    seq = 0
    for minute in range(1, 9):
        clock.freeze(room.starts_at + timedelta(minutes=minute * 7))
        for k, (browser, attempt) in enumerate(browsers):
            seq += 1
            entries = [{"seq": seq, "n": n, "response": (n + minute + k) % 2 == 0} for n in range(minute, minute + 4)]
            _ok(browser.post(f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": entries}))
        if minute == 2:
            _ok(proctor.post(f"{base}/warnings", json={"attempt_id": browsers[0][1], "note": "东张西望"}), 201)
            _ok(browsers[1][0].post(f"/api/v1/delivery/attempts/{browsers[1][1]}/signals", json={"kind": "blur"}), 204)
            _ok(proctor.post(f"{base}/irregularities", json={"category": "environment", "note": "空调噪声大"}), 201)
        if minute == 3:
            _ok(proctor.post(f"{base}/pause", json={"attempt_id": browsers[1][1], "reason": "更换鼠标"}))
            _ok(proctor.post(f"{base}/resume", json={"attempt_id": browsers[1][1]}))
            _ok(proctor.post(f"{base}/time", json={"attempt_id": browsers[1][1], "minutes": 3, "reason": "更换鼠标"}))
        if minute == 4:
            proposal = {"attempt_id": browsers[2][1], "facts": "疑似偷看邻座"}
            case = _ok(other_proctor.post(f"{base}/misconduct", json=proposal), 201)["id"]
            _ok(chief.post(f"{base}/misconduct/{case}", json={"confirm": False, "note": "核实后无违纪"}))
    for browser, attempt in browsers[:2]:
        _ok(browser.post(f"/api/v1/delivery/attempts/{attempt}/submit"))
    clock.freeze(room.starts_at + timedelta(minutes=130))
    with room.database.transaction() as db:
        submitting.sweep(db)  # the third is submitted by time-up
    _ok(proctor.post(f"/api/v1/grading/sittings/{sid}/record", json={"remarks": "考场秩序良好"}), 204)
    _ok(chief.post(f"/api/v1/grading/sittings/{sid}/seal"))
    return _heads(room.database)


def _after_the_seal(room: Room) -> int:
    """Results published, an appeal regraded, proposed and confirmed (on the sitting's chain,
    after its seal); a teacher assessment judged by a panel of three, one candidate absent,
    sealed. The assessment's id."""
    sid = room.sitting_id
    world = make_world(room.app, room.database, exam_id=room.arranged.exam_id)
    admin = world.admin
    _ok(admin.post(f"/api/v1/grading/sittings/{sid}/publish"), 204)
    filed = {"ticket": room.tickets[0], "id_number": room.ids[0], "reason": "成绩有误，申请复核"}
    appeal = _ok(_client(room).post("/api/v1/grading/results/appeals", json=filed), 201)["id"]
    _ok(admin.post(f"/api/v1/grading/appeals/{appeal}/regrade"))
    _ok(admin.post(f"/api/v1/grading/appeals/{appeal}/proposal", json={"score": None, "note": "维持原成绩"}))
    _ok(log_in(_client(room), "chief_a").post(f"/api/v1/grading/appeals/{appeal}/decision", json={"confirm": True}))
    for n in range(1, 4):
        world.add_judge(f"judge{n}", f"评委单位{n}")
    aid = world.assessment(world.teacher_plan(), candidates=[(world.candidates[0], ""), (world.candidates[1], "")])
    scored, absent = world.entries(aid)
    for n, judge in enumerate(world.panel(aid)):
        _ok(world.score(aid, scored, judge, lecture_marks(70 + 5 * n)))
    _ok(world.chief.post(f"/api/v1/assessments/{aid}/entries/{absent}/absent"), 204)
    _ok(world.chief.post(f"/api/v1/assessments/{aid}/seal"))
    return int(aid)


def _afternoon(room: Room) -> tuple[int, dict[str, tuple[int, str, str]]]:
    """A second sitting in the same room at 14:00, six candidates answering, still under way:
    its id, and the heads as they stood halfway through."""
    starts_at = room.starts_at.replace(hour=14)
    with room.database.transaction() as db:
        sid = sittings.schedule(
            db,
            exam_id=room.arranged.exam_id,
            room_id=room.arranged.room_id,
            starts_at=starts_at,
            actor=TEST_ACTOR,
            timezone=ZONE,
        ).id
        data = roster_csv([person(n) for n in range(11, 17)])
        sittings.import_roster(db, sitting_id=sid, filename="r.csv", data=data, actor=TEST_ACTOR, timezone=ZONE)
        sittings.assign_seats(db, sitting_id=sid, mode="ordered", actor=TEST_ACTOR)
        for name, role in (("chief_a", "chief_examiner"), ("proctor_a", "proctor"), ("proctor_b", "proctor")):
            user = db.scalar(select(User.id).where(User.username == name))
            assert user is not None
            staffing.assign(db, sitting_id=sid, user_id=user, role=role, actor=TEST_ACTOR)
        sittings.open_sitting(db, sitting_id=sid, actor=TEST_ACTOR, timezone=ZONE)
        seated = [
            (r.ticket or "", r.candidate_id)
            for r in db.scalars(select(Registration).where(Registration.sitting_id == sid).order_by(Registration.seat))
        ]
    clock.freeze(starts_at)
    numbers = {n: id_number(date(1990, 5, 1), n) for n in range(11, 17)}
    browsers = []
    for (ticket, _), number in zip(seated, numbers.values(), strict=True):
        browser = _client(room)
        made = _ok(browser.post("/api/v1/delivery/login", json={"ticket": ticket, "id_number": number}))
        browser.headers["X-CSRF-Token"] = made["csrf_token"]
        browsers.append((browser, int(made["attempt"])))
    _ok(room.proctor().post(f"/api/v1/delivery/sittings/{sid}/authorize", json={"all": True}))
    midway: dict[str, tuple[int, str, str]] = {}
    for minute in range(1, 11):
        clock.freeze(starts_at + timedelta(minutes=minute * 5))
        for k, (browser, attempt) in enumerate(browsers):
            if minute == 1:
                _ok(browser.post(f"/api/v1/delivery/attempts/{attempt}/start"))
            entries = [{"seq": minute, "n": minute + k, "response": True}]
            _ok(browser.post(f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": entries}))
        if minute == 3:
            midway = _heads(room.database)
    return sid, midway


def _populate(room: Room) -> Day:
    at_seal = _morning(room)
    aid = _after_the_seal(room)
    afternoon, midway = _afternoon(room)
    with room.database.transaction(write=False) as db:
        sitting_chain = f"sitting:{room.sitting_id}"
        attempts: dict[int, set[str]] = {}
        for a in db.scalars(select(Attempt)):
            attempts.setdefault(a.sitting_id, set()).add(a.chain)
        lengths = {c: n for c, n in db.execute(text("SELECT chain, COUNT(*) FROM trace_events GROUP BY chain"))}
        assessment = db.get(Assessment, aid)
        assert assessment is not None
        sealed_assessment = db.get(Seal, assessment.chain)
        assert sealed_assessment is not None
        assessed = {assessment.chain, *(c for c, _, _ in sealed_assessment.leaves)}
    return Day(
        database=room.database,
        sitting_id=room.sitting_id,
        sitting_chain=sitting_chain,
        sealed=frozenset({sitting_chain, *attempts[room.sitting_id]}),
        running=frozenset(attempts[afternoon]),
        assessment_id=aid,
        assessed=frozenset(assessed),
        lengths=lengths,
        at_seal=at_seal,
        midway=midway,
    )


@pytest.fixture
def day(room: Room) -> Day:
    return _populate(room)


# --- changing the database past its triggers ---------------------------------------------------------


def _triggers(conn: Connection) -> list[tuple[str, str]]:
    rows = conn.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('trace_events', 'trace_heads')"
        )
    )
    return [(r.name, r.sql) for r in rows]


@contextmanager
def _past_the_triggers(database: Database, *, keep: bool = False) -> Iterator[Connection]:
    """A connection in a transaction where the trace's triggers do not apply: PostgreSQL as a
    replica (a superuser's `session_replication_role`), SQLite with its triggers dropped inside
    the transaction. Rolled back at the end, unless `keep`; then committed, the triggers back."""
    with database.engine.connect() as conn:
        transaction = conn.begin()
        try:
            dropped: list[tuple[str, str]] = []
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            else:
                dropped = _triggers(conn)
                assert len(dropped) == 4, dropped  # the database's own defence is there to get past
                for name, _ in dropped:
                    conn.execute(text(f"DROP TRIGGER {name}"))
            yield conn
            if keep:
                for _, sql in dropped:
                    conn.execute(text(sql))
                transaction.commit()
        finally:
            if transaction.is_active:
                transaction.rollback()


def _rows(conn: Connection, chain: str) -> list[dict[str, Any]]:
    query = select(*(getattr(TraceEvent, c) for c in COLUMNS)).where(TraceEvent.chain == chain)
    return [dict(r._mapping) for r in conn.execute(query.order_by(TraceEvent.position))]


def _where(chain: str, position: int) -> Any:
    return (TraceEvent.chain == chain) & (TraceEvent.position == position)


def _shift(conn: Connection, chain: str, start: int, by: int) -> None:
    """Move the events of `chain` from `start` on by `by` places (through a far-off range, so
    that no two rows ever share a key on the way)."""
    far = 1_000_000
    conn.execute(
        update(TraceEvent)
        .where((TraceEvent.chain == chain) & (TraceEvent.position >= start))
        .values(position=TraceEvent.position + far)
    )
    conn.execute(
        update(TraceEvent)
        .where((TraceEvent.chain == chain) & (TraceEvent.position >= far))
        .values(position=TraceEvent.position - far + by)
    )


@dataclass(frozen=True)
class Change:
    kind: str
    chain: str
    position: int  # the first position the change touches
    detail: str = ""
    other: int = 0  # swap: the other position; insert: 1 when replayed from another chain

    def __str__(self) -> str:
        return f"{self.kind} {self.chain}@{self.position} {self.detail} {self.other}".strip()


def _edited(field: str, value: Any) -> Any:
    if field == "payload":
        loaded = json.loads(value)
        if isinstance(loaded, dict) and loaded:
            first = sorted(loaded)[0]
            loaded[first] = "改" if loaded[first] != "改" else "改过"
        else:
            loaded = {"note": "补记"}
        return json.dumps(loaded, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if field == "at":
        return value + timedelta(microseconds=1)
    if field in ("prev_hash", "hash"):
        return ("0" if value[0] != "0" else "1") + value[1:]
    return f"{value}x" if field != "role" else ("admin" if value != "admin" else "proctor")


def apply(conn: Connection, day: Day, change: Change) -> None:
    """Make the change with SQL on a connection past the triggers."""
    chain, p = change.chain, change.position
    rows = _rows(conn, chain)
    if change.kind == "edit":
        row = rows[p - 1]
        conn.execute(
            update(TraceEvent)
            .where(_where(chain, p))
            .values({change.detail: _edited(change.detail, row[change.detail])})
        )
    elif change.kind == "delete":
        conn.execute(delete(TraceEvent).where(_where(chain, p)))
    elif change.kind == "swap":
        q = change.other
        conn.execute(update(TraceEvent).where(_where(chain, p)).values(position=-1))
        conn.execute(update(TraceEvent).where(_where(chain, q)).values(position=p))
        conn.execute(update(TraceEvent).where(_where(chain, -1)).values(position=q))
    elif change.kind == "insert":
        if p <= len(rows):
            _shift(conn, chain, p, 1)
        model = rows[min(p, len(rows)) - 1]
        previous = rows[p - 2]["hash"] if p > 1 else "0" * 64
        if change.other:  # a genuine event of another chain, replayed here
            source = next(c for c in sorted(day.lengths) if c != chain)
            forged = {**_rows(conn, source)[0], "chain": chain, "position": p, "prev_hash": previous}
        else:  # a plausible event, signed with a guess at the key
            forged = {**model, "position": p, "prev_hash": previous, "payload": '{"note":"补记"}'}
            fields = {k: forged[k] for k in COLUMNS if k not in ("prev_hash", "hash")}
            forged["hash"] = event_hash(b"a guessed key", previous, **fields)
        conn.execute(insert(TraceEvent).values(forged))
    elif change.kind == "head":
        position, hash_, mac = day_head(conn, chain)
        values = {
            "position": {"position": position + 1},
            "hash": {"hash": _edited("hash", hash_)},
            "mac": {"mac": _edited("hash", mac)},
        }[change.detail]
        conn.execute(update(TraceHead).where(TraceHead.chain == chain).values(values))
    else:
        raise AssertionError(change.kind)


def day_head(conn: Connection, chain: str) -> tuple[int, str, str]:
    row = conn.execute(select(TraceHead.position, TraceHead.hash, TraceHead.mac).where(TraceHead.chain == chain)).one()
    return int(row.position), str(row.hash), str(row.mac)


def _session(conn: Connection, day: Day) -> Session:
    signing = KeyFile(day.database.settings.signing_key_file, create=False)
    return Session(bind=conn, info={"trace_key": day.key, "signing": signing, "kept": {}})


def _broken(conn: Connection, day: Day) -> list[tuple[str, int]]:
    with _session(conn, day) as db:
        return [(b.chain, b.position) for b in trace.verify_database(db).breaks]


def _seal_problems(conn: Connection, day: Day, chain: str) -> list[str]:
    """What the seals covering `chain` say about it: the sitting's, the assessment's."""
    found: list[str] = []
    with _session(conn, day) as db:
        if chain in day.sealed:
            found += grading.verify_sitting(db, day.sitting_id).lines()
        if chain in day.assessed:
            found += sealing.verify(db, day.assessment_id)
    return found


def _expected_position(change: Change, length: int) -> int:
    """Where the first break is: the first position changed; for a head, its last event (or the
    one after, when the head claims one more)."""
    if change.kind == "head":
        return length + 1 if change.detail == "position" else length
    return change.position


def _assert_found(conn: Connection, day: Day, change: Change) -> None:
    broken = _broken(conn, day)
    assert broken, f"not found: {change}"
    assert {c for c, _ in broken} == {change.chain}, (str(change), broken)
    assert broken[0] == (change.chain, _expected_position(change, day.lengths[change.chain])), (str(change), broken)
    if change.chain in day.sealed | day.assessed:
        assert _seal_problems(conn, day, change.chain), f"the seal did not see: {change}"


# --- every change is found ---------------------------------------------------------------------------


def test_the_untouched_day_verifies_and_every_cut_off_tail_is_found(
    day: Day, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(day.lengths) >= 20 and sum(day.lengths.values()) >= 200, day.lengths
    assert day.sealed and day.running and day.assessed
    with day.database.engine.connect() as conn:
        assert _broken(conn, day) == []
        assert _seal_problems(conn, day, day.sitting_chain) == []
        assert _seal_problems(conn, day, next(iter(day.assessed))) == []
    _cli(monkeypatch, day)
    assert main(["trace", "verify"]) == 0
    assert main(["trace", "verify", "--sitting", str(day.sitting_id)]) == 0
    assert f"trace intact: {len(day.lengths)} chains, {sum(day.lengths.values())} events" in capsys.readouterr().out

    # The database's own defence: the triggers refuse, on either database.
    chain = day.sitting_chain
    for statement in (
        update(TraceEvent).where(_where(chain, 1)).values(actor="x"),
        delete(TraceEvent).where(_where(chain, day.lengths[chain])),
        update(TraceHead).where(TraceHead.chain == chain).values(position=1),
        delete(TraceHead).where(TraceHead.chain == chain),
    ):
        with pytest.raises(DatabaseError), day.database.engine.begin() as conn:
            conn.execute(statement)

    # Past them, the tail of every chain: the head record still counts the events cut off.
    for chain, length in sorted(day.lengths.items()):
        with _past_the_triggers(day.database) as conn:
            conn.execute(delete(TraceEvent).where(_where(chain, length)))
            assert _broken(conn, day) == [(chain, length)], chain
            if chain in day.sealed | day.assessed:
                assert _seal_problems(conn, day, chain), chain
        with _past_the_triggers(day.database) as conn:
            conn.execute(delete(TraceEvent).where(TraceEvent.chain == chain))
            assert _broken(conn, day) == [(chain, 1)], chain


@st.composite
def changes(draw: st.DrawFn, lengths: dict[str, int]) -> Change:
    kind = draw(st.sampled_from(KINDS))
    chains = sorted(c for c, n in lengths.items() if n >= 2) if kind == "swap" else sorted(lengths)
    chain = draw(st.sampled_from(chains))
    length = lengths[chain]
    if kind == "edit":
        return Change(kind, chain, draw(st.integers(1, length)), draw(st.sampled_from(FIELDS)))
    if kind == "delete":
        # The last event of a chain, as often as any other: cutting the tail is the hard case.
        return Change(kind, chain, draw(st.one_of(st.just(length), st.integers(1, length))))
    if kind == "insert":
        where = draw(st.one_of(st.just(length + 1), st.integers(1, length + 1)))
        replayed = draw(st.booleans())
        return Change(kind, chain, where, "replayed" if replayed else "forged", int(replayed))
    if kind == "swap":
        p, q = sorted(draw(st.lists(st.integers(1, length), min_size=2, max_size=2, unique=True)))
        return Change(kind, chain, p, other=q)
    return Change(kind, chain, length, draw(st.sampled_from(("position", "hash", "mac"))))


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_single_event_change_is_found_and_names_its_chain(day: Day, data: st.DataObject) -> None:
    change = data.draw(changes(day.lengths), label="change")
    with _past_the_triggers(day.database) as conn:
        apply(conn, day, change)
        _assert_found(conn, day, change)
    with day.database.engine.connect() as conn, _session(conn, day) as db:
        assert trace.verify_database(db, chains=[change.chain]).intact  # rolled back: untouched again


# --- the command line, on committed changes ------------------------------------------------------------


def _cli(monkeypatch: pytest.MonkeyPatch, day: Day) -> None:
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", day.database.settings.database_url)
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", day.database.settings.trace_key)
    monkeypatch.setenv("EXAMHALL_SECRET_KEY", day.database.settings.secret_key)
    monkeypatch.setenv("EXAMHALL_SIGNING_KEY_FILE", day.database.settings.signing_key_file)


@contextmanager
def _committed(day: Day, chain: str, change: Callable[[Connection], None]) -> Iterator[None]:
    """A change to `chain` committed, for the command line to find; then the chain and its head
    put back row for row."""
    with day.database.engine.connect() as conn:
        rows = _rows(conn, chain)
        head = day_head(conn, chain)
    with _past_the_triggers(day.database, keep=True) as conn:
        change(conn)
    try:
        yield
    finally:
        with _past_the_triggers(day.database, keep=True) as conn:
            conn.execute(delete(TraceEvent).where(TraceEvent.chain == chain))
            conn.execute(insert(TraceEvent), rows)
            _set_head(conn, chain, head)


def _set_head(conn: Connection, chain: str, head: tuple[int, str, str]) -> None:
    position, hash_, mac = head
    conn.execute(update(TraceHead).where(TraceHead.chain == chain).values(position=position, hash=hash_, mac=mac))


def _cut_back(conn: Connection, chain: str, head: tuple[int, str, str]) -> None:
    """Cut `chain` back to `head` and put that head record back: genuine, MAC and all, as any
    copy of the database made when it was the last would hold it."""
    conn.execute(delete(TraceEvent).where((TraceEvent.chain == chain) & (TraceEvent.position > head[0])))
    _set_head(conn, chain, head)


def test_the_command_line_finds_committed_changes_and_a_seal_what_lies_below_it(
    day: Day, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _cli(monkeypatch, day)
    sitting = ["trace", "verify", "--sitting", str(day.sitting_id)]
    rng = random.Random(20261130)
    chains = sorted(c for c, n in day.lengths.items() if n >= 3)
    tail = rng.choice(chains)
    picked = [
        Change("edit", day.sitting_chain, day.lengths[day.sitting_chain], "payload"),  # the appeal's decision
        Change("edit", rng.choice(sorted(day.sealed)), 2, "at"),
        Change("delete", rng.choice(chains), 2),
        Change("delete", tail, day.lengths[tail]),
        Change("insert", rng.choice(chains), 2, "forged"),
        Change("insert", tail, day.lengths[tail] + 1, "replayed", 1),
        Change("swap", rng.choice(chains), 1, other=3),
        Change("edit", rng.choice(sorted(day.running)), 1, rng.choice(FIELDS)),
        Change("head", rng.choice(chains), 0, "mac"),
    ]
    for change in picked:
        with _committed(day, change.chain, partial(apply, day=day, change=change)):
            assert main(["trace", "verify"]) == 1, change
            err = capsys.readouterr().err
            assert f"first break in chain {change.chain} at position " in err, (str(change), err)
            assert "Traceback" not in err
            if change.chain in day.sealed:
                assert main(sitting) == 1, change
                assert "does NOT verify" in capsys.readouterr().err
        assert main(["trace", "verify"]) == 0, f"not clean again after {change}"
        capsys.readouterr()

    # The seal's guarantee: each chain's head at the seal is in the seal, so a chain of the
    # sitting cut back below it is found, whatever head record is put back with it.
    attempt = sorted(day.sealed - {day.sitting_chain})[0]
    position = day.at_seal[attempt][0]
    with day.database.engine.connect() as conn:
        before = _rows(conn, attempt)[position - 2]
    older = (position - 1, before["hash"], head_mac(day.key, attempt, position - 1, before["hash"]))
    with _committed(day, attempt, lambda conn: _cut_back(conn, attempt, older)):
        assert main(["trace", "verify"]) == 0  # the chains alone look whole ...
        capsys.readouterr()
        assert main(sitting) == 1  # ... the seal does not
        assert f"chain {attempt} at position {position}: not the event that was sealed" in capsys.readouterr().err

    # And a chain of the sitting removed with its head: nothing left for the chains to miss, but
    # the seal names it.
    with _past_the_triggers(day.database) as conn:
        conn.execute(delete(TraceEvent).where(TraceEvent.chain == attempt))
        conn.execute(delete(TraceHead).where(TraceHead.chain == attempt))
        assert _broken(conn, day) == []
        assert any(f"chain {attempt} at position" in p for p in _seal_problems(conn, day, attempt))
    assert main(["trace", "verify"]) == 0
    assert main(sitting) == 0


# --- where the trace stops -----------------------------------------------------------------------------

# What the database alone cannot show, each shown below; a fix takes its entry out. An anchor
# written before the change and kept elsewhere finds both (test_an_anchor_finds_what_the_database_cannot).
KNOWN_GAPS = {
    "unsealed chain cut back with a genuine older head": (
        "a chain under no seal (here an attempt of the sitting still under way) cut back to an earlier "
        "length, with the head record of that time put back from any older copy of the database, "
        "verifies intact: the head's MAC proves a head was once real, not that it is the latest"
    ),
    "unsealed chain removed with its head": (
        "a chain under no seal deleted together with its head record leaves nothing for "
        "verify_database to miss: it knows chains only from their events and heads"
    ),
}


def _found(conn: Connection, day: Day, chain: str) -> bool:
    return bool(_broken(conn, day) or _seal_problems(conn, day, chain))


def test_where_the_trace_stops(day: Day) -> None:
    """Each known gap, shown: done without the older head (the control), it is found; with it,
    nothing in the database finds it. Events after a seal are signed: cutting them off is found."""
    undetected = set()
    attempt = sorted(c for c in day.running if day.lengths[c] > day.midway[c][0])[0]
    with _past_the_triggers(day.database) as conn:
        conn.execute(
            delete(TraceEvent).where((TraceEvent.chain == attempt) & (TraceEvent.position > day.midway[attempt][0]))
        )
        assert _found(conn, day, attempt)  # the control: the current head counts what was cut
    with _past_the_triggers(day.database) as conn:
        _cut_back(conn, attempt, day.midway[attempt])
        assert len(_rows(conn, attempt)) < day.lengths[attempt]
        if not _found(conn, day, attempt):
            undetected.add("unsealed chain cut back with a genuine older head")

    chain = day.sitting_chain
    with _past_the_triggers(day.database) as conn:
        _cut_back(conn, chain, day.at_seal[chain])
        cut = [e.action for e in _rows_after(day, chain, day.at_seal[chain][0])]
        assert {"results.published", "appeal.decided"} <= set(cut), cut
        problems = _seal_problems(conn, day, chain)
        assert any("a signed event is missing (the chain was cut back)" in p for p in problems), problems
        assert any("published" in p for p in problems), problems  # the publication row has lost its event

    with _past_the_triggers(day.database) as conn:
        conn.execute(delete(TraceEvent).where(TraceEvent.chain == attempt))
        conn.execute(delete(TraceHead).where(TraceHead.chain == attempt))
        if not _found(conn, day, attempt):
            undetected.add("unsealed chain removed with its head")

    assert undetected == set(KNOWN_GAPS)


def _rows_after(day: Day, chain: str, position: int) -> list[TraceEvent]:
    with day.database.transaction(write=False) as db:
        return [e for e in trace.events(db, chain) if e.position > position]


def test_an_anchor_finds_what_the_database_cannot(
    day: Day, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An anchor written at the end of the day and kept elsewhere: a chain cut back (with a genuine
    older head) or removed with its head after it was written is found, named, exit 1."""
    _cli(monkeypatch, day)
    path = tmp_path / "anchor.json"
    assert main(["trace", "anchor", "--output", str(path)]) == 0
    assert main(["trace", "anchor", "--output", str(path)]) == 1  # never overwritten
    assert main(["trace", "verify", "--anchor", str(path)]) == 0
    assert f"each of its {len(day.lengths)} chains is still there" in capsys.readouterr().out
    attempt = sorted(c for c in day.running if day.lengths[c] > day.midway[c][0])[0]
    with _committed(day, attempt, lambda conn: _cut_back(conn, attempt, day.midway[attempt])):
        assert main(["trace", "verify"]) == 0  # the database alone sees nothing ...
        capsys.readouterr()
        assert main(["trace", "verify", "--anchor", str(path)]) == 1  # ... the anchor does
        midway, length = day.midway[attempt][0], day.lengths[attempt]
        assert (
            f"chain {attempt}: cut back to {midway} events since the anchor, which saw {length}"
            in capsys.readouterr().err
        )
    with _committed(day, attempt, lambda conn: conn.execute(delete(TraceHead).where(TraceHead.chain == attempt))):
        with _past_the_triggers(day.database, keep=True) as conn:
            conn.execute(delete(TraceEvent).where(TraceEvent.chain == attempt))
        assert main(["trace", "verify", "--anchor", str(path)]) == 1
        assert f"chain {attempt}: removed since the anchor" in capsys.readouterr().err
        with _past_the_triggers(day.database, keep=True) as conn:
            conn.execute(insert(TraceHead).values(chain=attempt, position=0, hash="0" * 64, mac=""))
    assert main(["trace", "verify", "--anchor", str(path)]) == 0
    # An anchor that is not the exam body's: refused whole.
    forged = json.loads(path.read_text())
    forged["heads"] = forged["heads"][1:]
    path.write_text(json.dumps(forged))
    assert main(["trace", "verify", "--anchor", str(path)]) == 1
    assert "the anchor cannot be used" in capsys.readouterr().err


# --- the results of the sealed sitting, changed in their own tables --------------------------------------

# The guards on answers and attempts (refusing changes once the sitting is sealed), which someone with the
# database's rights gets past as easily as the trace's own triggers.
RESULT_GUARDS = ("answers_sealed_update", "answers_sealed_delete", "attempts_sealed_update", "attempts_sealed_delete")
RESULT_EDITS = (
    "answer_response",
    "answer_seq",
    "answer_flagged",
    "answer_deleted",
    "answer_added",
    "score",
    "score_detail",
    "voided",
    "not_started",
    "exam_record_passed",
    "exam_record_deleted",
    "ticket",
    "seat",
    "candidate",
    "id_number",
    "paper",
    "appeal_state",
    "appeal_score",
    "publication_deleted",
    "pass_mark",
)


@contextmanager
def _past_the_guards(database: Database) -> Iterator[Connection]:
    """A connection in a transaction, rolled back at the end, where the guards on a sealed
    sitting's answers and attempts do not apply."""
    with database.engine.connect() as conn:
        transaction = conn.begin()
        try:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            else:
                for name in RESULT_GUARDS:
                    conn.execute(text(f"DROP TRIGGER {name}"))
            yield conn
        finally:
            transaction.rollback()


@dataclass(frozen=True)
class Seated:
    registration: int
    ticket: str
    attempt: int | None
    candidate: int


def _seated(conn: Connection, day: Day) -> list[Seated]:
    rows = conn.execute(
        select(Registration.id, Registration.ticket, Attempt.id, Registration.candidate_id)
        .outerjoin(Attempt, Attempt.registration_id == Registration.id)
        .where(Registration.sitting_id == day.sitting_id, Registration.seat.is_not(None))
        .order_by(Registration.seat)
    )
    return [Seated(r[0], r[1], r[2], r[3]) for r in rows]


def edit_result(conn: Connection, day: Day, kind: str, pick: int) -> str | None:
    """Change one thing the sealed sitting's results rest on, with SQL: the ticket the check must
    name, or None where the change is the sitting's as a whole."""
    from examhall.delivery.models import Answer
    from examhall.grading.models import Appeal, Publication
    from examhall.sittings.models import Candidate, Exam, ExamRecord

    seated = _seated(conn, day)
    sat = [s for s in seated if s.attempt is not None]
    who = sat[pick % len(sat)]
    attempt = Attempt.id == who.attempt
    if kind.startswith("answer_"):
        rows = conn.execute(select(Answer).where(Answer.attempt_id == who.attempt).order_by(Answer.position)).all()
        row = rows[pick % len(rows)]
        here = (Answer.attempt_id == who.attempt) & (Answer.position == row.position)
        if kind == "answer_response":
            conn.execute(update(Answer).where(here).values(response=[9] if row.response != [9] else [8]))
        elif kind == "answer_seq":
            conn.execute(update(Answer).where(here).values(seq=row.seq + 1))
        elif kind == "answer_flagged":
            conn.execute(update(Answer).where(here).values(flagged=not row.flagged))
        elif kind == "answer_deleted":
            conn.execute(delete(Answer).where(here))
        else:
            free = max(r.position for r in rows) + 1
            conn.execute(
                insert(Answer).values(
                    attempt_id=who.attempt,
                    position=free,
                    response=True,
                    flagged=False,
                    seq=1,
                    flag_seq=0,
                    saved_at=clock.now(),
                )
            )
        return who.ticket
    if kind == "score":
        conn.execute(update(Attempt).where(attempt).values(score=100))
    elif kind == "score_detail":
        conn.execute(update(Attempt).where(attempt).values(score_detail=[]))
    elif kind == "voided":
        conn.execute(
            update(Attempt).where(attempt).values(voided=not conn.scalar(select(Attempt.voided).where(attempt)))
        )
    elif kind == "not_started":
        conn.execute(update(Attempt).where(attempt).values(started_at=None))
    elif kind == "exam_record_passed":
        record = (ExamRecord.sitting_id == day.sitting_id) & (ExamRecord.candidate_id == who.candidate)
        conn.execute(update(ExamRecord).where(record).values(passed=~ExamRecord.passed))
    elif kind == "exam_record_deleted":
        record = (ExamRecord.sitting_id == day.sitting_id) & (ExamRecord.candidate_id == who.candidate)
        conn.execute(delete(ExamRecord).where(record))
    elif kind == "ticket":
        conn.execute(update(Registration).where(Registration.id == who.registration).values(ticket="99999999999999"))
    elif kind == "seat":
        conn.execute(update(Registration).where(Registration.id == who.registration).values(seat=98))
    elif kind == "candidate":
        stranger = conn.scalar(
            select(Registration.candidate_id).where(Registration.sitting_id != day.sitting_id).limit(1)
        )
        conn.execute(update(Registration).where(Registration.id == who.registration).values(candidate_id=stranger))
    elif kind == "id_number":
        conn.execute(update(Candidate).where(Candidate.id == who.candidate).values(id_number="11010119900101123X"))
    elif kind == "paper":
        other = next(s for s in seated if s.registration != who.registration)
        paper = conn.scalar(select(Registration.paper_id).where(Registration.id == other.registration))
        conn.execute(update(Registration).where(Registration.id == who.registration).values(paper_id=paper))
    elif kind in ("appeal_state", "appeal_score"):
        appealed = conn.execute(select(Appeal.id, Appeal.attempt_id, Appeal.proposed_score)).first()
        assert appealed is not None
        values = {"state": "filed"} if kind == "appeal_state" else {"proposed_score": appealed.proposed_score + 7}
        conn.execute(update(Appeal).where(Appeal.id == appealed.id).values(values))
        return next(s.ticket for s in seated if s.attempt == appealed.attempt_id)
    elif kind == "publication_deleted":
        conn.execute(delete(Publication).where(Publication.sitting_id == day.sitting_id))
        return None
    elif kind == "pass_mark":
        conn.execute(update(Exam).values(pass_mark=1))
        return None
    return who.ticket


def _differences(conn: Connection, day: Day) -> list[Any]:
    with _session(conn, day) as db:
        checked = grading.verify_sitting(db, day.sitting_id)
        assert checked.problems == [], checked.problems  # the chains and the seal are untouched
        return checked.differences


@pytest.mark.parametrize("kind", RESULT_EDITS)
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pick=st.integers(0, 50))
def test_every_change_to_a_sealed_sitting_s_results_is_found_and_names_the_ticket(
    day: Day, kind: str, pick: int
) -> None:
    with _past_the_guards(day.database) as conn:
        ticket = edit_result(conn, day, kind, pick)
        found = _differences(conn, day)
        assert found, f"not found: {kind} {pick}"
        if ticket is not None:
            assert ticket in {d.ticket for d in found}, (kind, ticket, [str(d) for d in found])
    with day.database.engine.connect() as conn:
        assert _differences(conn, day) == []  # rolled back: untouched again, and never flagged


def test_the_database_guards_a_sealed_sitting_s_answers_and_results(day: Day) -> None:
    from examhall.delivery.models import Answer

    with day.database.engine.connect() as conn:
        sealed = [s.attempt for s in _seated(conn, day) if s.attempt is not None]
    for statement in (
        update(Answer).where(Answer.attempt_id == sealed[0]).values(seq=Answer.seq + 1),
        delete(Answer).where(Answer.attempt_id == sealed[0]),
        update(Attempt).where(Attempt.id == sealed[0]).values(score=100),
        update(Attempt).where(Attempt.id == sealed[0]).values(voided=True),
        update(Attempt).where(Attempt.id == sealed[0]).values(state="in_progress"),
        delete(Attempt).where(Attempt.id == sealed[0]),
    ):
        with pytest.raises(DatabaseError), day.database.engine.begin() as conn:
            conn.execute(statement)
    with day.database.engine.connect() as conn, conn.begin() as transaction:
        # what is not the result still changes (a status poll's presence), and an unsealed sitting is not guarded
        conn.execute(update(Attempt).where(Attempt.id == sealed[0]).values(last_seen_at=clock.now()))
        afternoon = [int(c.split(":")[1]) for c in day.running]
        conn.execute(update(Attempt).where(Attempt.id.in_(afternoon)).values(score=1))
        conn.execute(update(Answer).where(Answer.attempt_id.in_(afternoon)).values(seq=Answer.seq + 1))
        transaction.rollback()


def test_the_command_line_names_the_ticket_of_a_changed_result(
    day: Day, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _cli(monkeypatch, day)
    sitting = ["trace", "verify", "--sitting", str(day.sitting_id)]
    with day.database.engine.connect() as conn:
        who = next(s for s in _seated(conn, day) if s.attempt is not None)
        score = conn.scalar(select(Attempt.score).where(Attempt.id == who.attempt))
    for value in (Decimal(100), score):
        with day.database.engine.connect() as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(update(Attempt).where(Attempt.id == who.attempt).values(score=value))
            else:
                guards = _guards(conn)
                for name, _ in guards:
                    conn.execute(text(f"DROP TRIGGER {name}"))
                conn.execute(update(Attempt).where(Attempt.id == who.attempt).values(score=value))
                for _, sql in guards:
                    conn.execute(text(sql))
        if value == score:
            break
        assert main(sitting) == 1
        err = capsys.readouterr().err
        assert f"ticket {who.ticket}: score: stored 100.00, derived {score}" in err, err
        assert "Traceback" not in err
    assert main(sitting) == 0


def _guards(conn: Connection) -> list[tuple[str, str]]:
    rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    return [(r.name, r.sql) for r in rows if r.name in RESULT_GUARDS]
