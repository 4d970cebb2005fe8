"""The server dies (SIGKILL: no shutdown, no flush, no cleanup) while candidates are answering,
and is started again on the same database. What candidates and the exam body rely on then:

- every save the page was told had been saved (HTTP 200) is there, with the value saved last;
- nothing is doubled: one answer per item, and each change traced once;
- the save the crash cut off is all there or not there at all, and sending it again (as the page
  does with what it was never told had been saved) changes nothing more;
- the clock does not jump: a running attempt keeps its deadline, so its time left went down by
  just the time that passed; a paused attempt keeps exactly the time it had, and the time it
  spent paused while the server was down is not charged when it is resumed;
- the page carries on where it was: its session still holds and its sequence numbers go on;
- the trace still verifies (`examhall trace verify`).

On SQLite (a file, the embedded default) and on PostgreSQL (EXAMHALL_TEST_POSTGRES_URL)."""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from examhall.db import alembic_config
from examhall.delivery.models import Answer, Attempt
from examhall.trace.models import TraceEvent
from tests.conftest import PostgresServer
from tests.e2e.conftest import DemoCandidate, free_port, read_demo, run, wait_ready

ANSWERING = 4  # candidates saving answers when the server dies; one more sits paused
ITEMS_USED = 12  # each candidate keeps coming back to its first items, so answers get overwritten
ACKS_BEFORE_KILL = 20  # saves each answering candidate has had acknowledged before the kill
CLOCK_SLACK = 0.5  # seconds: the server's wall clock against this process's monotonic one
PATIENCE = 60.0  # seconds: a guard against hanging, not a measure of speed


@dataclass
class Save:
    """One acknowledged save: what was sent, what the server said, and when (monotonic)."""

    entries: list[dict[str, Any]]
    reply: dict[str, Any]
    sent: float
    received: float


@dataclass
class Sitter:
    """A candidate's exam page: it saves one request after another, every entry numbered in order,
    and keeps what it was never told had been saved, to send again."""

    base: str
    candidate: DemoCandidate
    client: httpx.Client = field(init=False)
    attempt: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0
    acked: list[Save] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)  # the request the crash cut off
    refused: list[str] = field(default_factory=list)  # anything but a clean 200 before the crash

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.base, timeout=30)

    def log_in(self) -> None:
        reply = self.client.post(
            "/api/v1/delivery/login", json={"ticket": self.candidate.ticket, "id_number": self.candidate.id_number}
        )
        assert reply.status_code == 200, reply.text
        self.attempt = reply.json()["attempt"]
        self.client.headers["X-CSRF-Token"] = reply.json()["csrf_token"]

    def start(self) -> None:
        """Press start (the demo sitting opens a few seconds after it is made), then load the paper."""
        until = time.monotonic() + PATIENCE
        while True:
            reply = self.client.post(f"/api/v1/delivery/attempts/{self.attempt}/start")
            if reply.status_code == 200:
                break
            assert reply.status_code == 409 and reply.json()["code"] == "too_early", reply.text
            assert time.monotonic() < until, "the demo sitting never opened"
            time.sleep(0.2)
        paper = self.paper()
        self.items, self.seq = paper["items"][:ITEMS_USED], paper["last_seq"]

    def paper(self) -> dict[str, Any]:
        reply = self.client.get(f"/api/v1/delivery/attempts/{self.attempt}/paper")
        assert reply.status_code == 200, reply.text
        paper: dict[str, Any] = reply.json()
        return paper

    def status(self) -> tuple[dict[str, Any], float, float]:
        sent = time.monotonic()
        reply = self.client.get(f"/api/v1/delivery/attempts/{self.attempt}/status")
        received = time.monotonic()
        assert reply.status_code == 200, reply.text
        status: dict[str, Any] = reply.json()
        return status, sent, received

    def next_entries(self, rng: random.Random) -> list[dict[str, Any]]:
        """One to three changes to different items, each response already in its stored form."""
        entries = []
        for item in rng.sample(self.items, rng.randint(1, 3)):
            response = _response(item, rng)
            self.seq += 1
            entries.append({"seq": self.seq, "n": item["n"], "response": response})
        return entries

    def save(self, entries: list[dict[str, Any]]) -> httpx.Response:
        return self.client.post(f"/api/v1/delivery/attempts/{self.attempt}/answers", json={"entries": entries})

    def save_acknowledged(self, entries: list[dict[str, Any]], *, applied: bool = True) -> None:
        """A save that must be acknowledged: every entry applied (or, sent again, every one ignored)."""
        sent = time.monotonic()
        reply = self.save(entries)
        assert reply.status_code == 200, reply.text
        seqs = [e["seq"] for e in entries]
        assert (reply.json()["applied"], reply.json()["ignored"]) == ((seqs, []) if applied else ([], seqs)), reply.text
        self.acked.append(Save(entries, reply.json(), sent, time.monotonic()))

    def answer_until_cut_off(self, rng: random.Random) -> None:
        """Save as fast as the server answers, until a request fails for want of a server."""
        while True:
            entries = self.next_entries(rng)
            sent = time.monotonic()
            try:
                reply = self.save(entries)
            except httpx.TransportError:
                self.pending = entries
                return
            if reply.status_code != 200 or reply.json()["applied"] != [e["seq"] for e in entries]:
                self.refused.append(f"{reply.status_code} {reply.text}")
                return
            self.acked.append(Save(entries, reply.json(), sent, time.monotonic()))

    def reconnect(self) -> None:
        """The page's next request after the restart: a new connection, the same session cookie."""
        old = self.client
        self.client = httpx.Client(base_url=self.base, timeout=30, cookies=old.cookies, headers=old.headers)
        old.close()

    def close(self) -> None:
        self.client.close()

    def acknowledged(self) -> dict[int, tuple[int, Any]]:
        """Item -> (seq, response) of the last acknowledged change to it."""
        last: dict[int, tuple[int, Any]] = {}
        for save in self.acked:
            for entry in save.entries:
                last[entry["n"]] = (entry["seq"], entry["response"])
        return last


class Server:
    """`examhall serve` in a process of this test's own, so that it can be killed outright."""

    def __init__(self, env: dict[str, str], home: Path) -> None:
        self.env, self.home = env, home
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.logs: list[Path] = []

    def start(self) -> None:
        log_path = self.home / f"serve-{len(self.logs) + 1}.log"
        self.logs.append(log_path)
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "examhall", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=self.home,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_ready(self.base, self.process, log_path)

    def errors(self) -> str:
        """What the server logged from its first traceback on, each run's, for a failure's report."""
        found = []
        for log in self.logs:
            text = log.read_text(errors="replace") if log.exists() else ""
            if "Traceback" in text:
                found.append(f"--- {log.name} ---\n{text[text.index('Traceback') :][:6000]}")
        return "\n".join(found) or "the server logged no traceback"

    def kill(self) -> None:
        assert self.process is not None and self.process.poll() is None, "the server died before it was killed"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class Proctor:
    """A proctor of the sitting, using the JSON API."""

    def __init__(self, base: str, login: tuple[str, str]) -> None:
        self.client = httpx.Client(base_url=base, timeout=30)
        reply = self.client.post("/api/v1/accounts/login", json={"username": login[0], "password": login[1]})
        assert reply.status_code == 200, reply.text
        self.client.headers["X-CSRF-Token"] = reply.json()["csrf_token"]

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = self.client.post(path, json=body)
        assert reply.status_code == 200, f"{path}: {reply.status_code} {reply.text}"
        answer: dict[str, Any] = reply.json()
        return answer

    def close(self) -> None:
        self.client.close()


def _response(item: dict[str, Any], rng: random.Random) -> Any:
    """A response that fits the item, in the form the server stores it."""
    labels = "ABCDEFGH"[: len(item["options"])]
    if item["type"] == "true_false":
        return rng.random() < 0.5
    if item["type"] == "single_choice":
        return rng.choice(labels)
    if item["type"] == "multiple_choice":
        return "".join(sorted(rng.sample(labels, 2)))
    return [f"答案{rng.randint(1, 99)}"] * max(item["blanks"], 1)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _stored(engine: Engine, attempt: int) -> dict[int, tuple[int, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(Answer.position, Answer.seq, Answer.response).where(Answer.attempt_id == attempt))
        return {position: (seq, response) for position, seq, response in rows}


def _traced_changes(engine: Engine, attempt: int) -> list[dict[str, Any]]:
    """Every change the attempt's trace chain records as saved, in order."""
    with engine.connect() as conn:
        payloads = conn.scalars(
            select(TraceEvent.payload)
            .where(TraceEvent.chain == f"attempt:{attempt}", TraceEvent.action == "answers.saved")
            .order_by(TraceEvent.position)
        )
        return [change for payload in payloads for change in json.loads(payload)["changes"]]


def _doubled(engine: Engine) -> list[tuple[int, int]]:
    """(attempt, item) pairs stored more than once. The primary key says there are none; a crash
    test does not take that on trust."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Answer.attempt_id, Answer.position)
            .group_by(Answer.attempt_id, Answer.position)
            .having(func.count() > 1)
        )
        return [(attempt, position) for attempt, position in rows]


def _check_answers_survived(engine: Engine, sitter: Sitter) -> bool:
    """The answers the database holds for one candidate right after the restart, before the page
    sends anything again; returns whether the request the crash cut off had been saved."""
    stored, acked = _stored(engine, sitter.attempt), sitter.acknowledged()
    cut = {e["n"]: (e["seq"], e["response"]) for e in sitter.pending}
    landed = {n for n, change in cut.items() if stored.get(n) == change}
    assert landed in (set(), set(cut)), f"attempt {sitter.attempt}: the cut-off save is half there: {landed} of {cut}"
    expected = {**acked, **cut} if landed else acked
    assert stored == expected, (
        f"attempt {sitter.attempt}: stored answers differ from the acknowledged ones\n"
        f"stored:   {sorted(stored.items())}\nexpected: {sorted(expected.items())}\ncut off: {cut}"
    )
    return bool(landed)


def _check_trace_matches(engine: Engine, sitter: Sitter) -> None:
    """Each change traced once, every acknowledged change traced, and the trace's last change to
    each item is the answer stored."""
    changes = _traced_changes(engine, sitter.attempt)
    counted = Counter((c["n"], c["seq"]) for c in changes)
    assert [key for key, times in counted.items() if times > 1] == [], f"attempt {sitter.attempt}: traced twice"
    acked = {(e["n"], e["seq"]) for save in sitter.acked for e in save.entries}
    assert acked <= set(counted), f"attempt {sitter.attempt}: acknowledged but not traced: {acked - set(counted)}"
    last: dict[int, tuple[int, Any]] = {}
    for change in changes:
        if change["seq"] > last.get(change["n"], (0, None))[0]:
            last[change["n"]] = (change["seq"], change["response"])
    assert last == _stored(engine, sitter.attempt), f"attempt {sitter.attempt}: the trace and the answers disagree"


def _check_clock_kept(sitter: Sitter) -> None:
    """The deadline is stored, so the time left after the restart is what it was at the last
    acknowledged save less the (wall-clock) time that has passed since: no more, no less."""
    before = sitter.acked[-1]
    status, sent, received = sitter.status()
    assert status["state"] == "in_progress" and not status["paused"], status
    assert _when(status["deadline"]) == _when(before.reply["deadline"]), "the deadline moved over the restart"
    was, left = before.reply["remaining_seconds"], status["remaining_seconds"]
    assert left < was, f"time left grew over the restart: {was} -> {left}"
    assert was - (received - before.sent) - CLOCK_SLACK <= left <= was - (sent - before.received) + CLOCK_SLACK, (
        f"time left jumped: {was} -> {left} over {sent - before.received:.2f}-{received - before.sent:.2f} s"
    )


def _answer_until_killed(server: Server, answering: list[Sitter], rng: random.Random) -> None:
    """The candidates answer as fast as the server takes it; at some moment the server is killed."""
    threads = [
        threading.Thread(target=s.answer_until_cut_off, args=(random.Random(rng.random()),), daemon=True)
        for s in answering
    ]
    for thread in threads:
        thread.start()
    until = time.monotonic() + PATIENCE
    while min(len(s.acked) for s in answering) < ACKS_BEFORE_KILL and all(t.is_alive() for t in threads):
        assert time.monotonic() < until, "the candidates' saves did not get through"
        time.sleep(0.02)
    time.sleep(rng.uniform(0, 0.3))
    server.kill()
    for thread in threads:
        thread.join(PATIENCE)
        assert not thread.is_alive(), "a candidate's save hung after the server died"
    assert [s.refused for s in answering] == [[]] * len(answering), "saves were refused before the crash"
    assert all(len(s.acked) >= ACKS_BEFORE_KILL for s in answering)


def _check_pause_kept(proctor: Proctor, sitting: int, paused: Sitter, before: dict[str, Any]) -> None:
    """A paused attempt's time left is exactly what it was; resumed, the time it stood paused
    (the server's downtime included) is not charged."""
    after, _, _ = paused.status()
    assert after["paused"] and after["remaining_seconds"] == before["remaining_seconds"], (before, after)
    resumed_at = time.monotonic()
    proctor.post(f"/api/v1/proctoring/sittings/{sitting}/resume", {"attempt_id": paused.attempt})
    running, _, received = paused.status()
    was, left = before["remaining_seconds"], running["remaining_seconds"]
    assert not running["paused"]
    # Whole seconds of pause are credited: up to one second less, besides what passed since the resume.
    assert was - 1 - (received - resumed_at) - CLOCK_SLACK <= left <= was, f"time left {was} -> {left}"


def _carry_on(sitter: Sitter, landed: bool, rng: random.Random) -> None:
    """The page sends again what it was never told had been saved (ignored if it had landed),
    reloads the paper, finds every answer and its sequence numbers where it left them, and
    saves the next change."""
    if sitter.pending:
        sitter.save_acknowledged(sitter.pending, applied=not landed)
        sitter.pending = []
    paper = sitter.paper()
    last_seq, sent = paper["last_seq"], sitter.seq
    assert last_seq == sent, f"the page's sequence numbers would start over: last_seq {last_seq}, {sent} sent"
    assert paper["answers"] == {
        str(n): {"response": response, "flagged": False} for n, (_, response) in sitter.acknowledged().items()
    }
    sitter.save_acknowledged(sitter.next_entries(rng))


def _crash_while_answering(database_url: str, home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXAMHALL_")}
    env.update(
        EXAMHALL_DATABASE_URL=database_url,
        EXAMHALL_ENV="development",
        EXAMHALL_SECRET_KEY="crash-test-secret-key-" + "s" * 20,
        EXAMHALL_TRACE_KEY="crash-test-trace-key-" + "t" * 20,
        PYTHONUNBUFFERED="1",
    )
    command.upgrade(alembic_config(database_url), "head")
    sitting, candidates, proctor_login = read_demo(run(["demo"], env, home))
    assert len(candidates) > ANSWERING, "the demo seats too few candidates for this test"
    server = Server(env, home)
    engine = create_engine(database_url)
    rng = random.Random()
    closing = ExitStack()
    try:
        server.start()
        proctor = Proctor(server.base, proctor_login)
        closing.callback(proctor.close)
        sitters = [Sitter(server.base, candidate) for candidate in candidates[: ANSWERING + 1]]
        for sitter in sitters:
            closing.callback(sitter.close)
            sitter.log_in()
        authorized = proctor.post(
            f"/api/v1/delivery/sittings/{sitting}/authorize", {"attempt_ids": [s.attempt for s in sitters]}
        )
        assert sorted(authorized["authorized"]) == sorted(s.attempt for s in sitters)
        for sitter in sitters:
            sitter.start()
        answering, paused = sitters[:ANSWERING], sitters[ANSWERING]

        # One candidate answers a little, then a proctor pauses them: their clock stands still.
        paused.save_acknowledged(paused.next_entries(rng))
        proctor.post(f"/api/v1/proctoring/sittings/{sitting}/pause", {"attempt_id": paused.attempt, "reason": "停电"})
        paused_before, _, _ = paused.status()
        assert paused_before["paused"], paused_before

        _answer_until_killed(server, answering, rng)
        server.start()

        # The database as the restarted server finds it, before any page sends anything again.
        assert _doubled(engine) == [], "answers stored twice"
        with engine.connect() as conn:
            states = dict(conn.execute(select(Attempt.id, Attempt.state).where(Attempt.sitting_id == sitting)).all())
        assert {states[s.attempt] for s in sitters} == {"in_progress"}, states
        landed = {s.attempt: _check_answers_survived(engine, s) for s in sitters}

        # The pages reconnect with the sessions they had: the clocks and the pages carry on.
        for sitter in sitters:
            sitter.reconnect()
        for sitter in answering:
            _check_clock_kept(sitter)
        _check_pause_kept(proctor, sitting, paused, paused_before)
        for sitter in answering:
            _carry_on(sitter, landed[sitter.attempt], rng)

        assert _doubled(engine) == [], "answers stored twice"
        for sitter in sitters:
            assert _stored(engine, sitter.attempt) == sitter.acknowledged()
            _check_trace_matches(engine, sitter)
    except AssertionError as failure:
        failure.add_note(server.errors())
        raise
    finally:
        closing.close()
        server.stop()
        engine.dispose()
    assert "trace intact" in run(["trace", "verify"], env, home)


def test_a_crash_under_answering_load_loses_nothing_acknowledged_on_sqlite(tmp_path: Path) -> None:
    _crash_while_answering(f"sqlite:///{tmp_path / 'examhall.db'}", tmp_path)


def test_a_crash_under_answering_load_loses_nothing_acknowledged_on_postgresql(
    postgres_only_url: str, tmp_path: Path
) -> None:
    server = PostgresServer(postgres_only_url)
    try:
        _crash_while_answering(server.create(), tmp_path)
    finally:
        server.drop_all()
