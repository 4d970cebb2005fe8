"""Writing to the trace and checking it against the database."""

import json
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.db import driver, driver_time
from examhall.trace.chain import (
    GENESIS,
    EventRow,
    Head,
    Link,
    Report,
    canonical_json,
    event_hash,
    format_time,
    head_mac,
    verify_links,
)
from examhall.trace.models import TraceEvent, TraceHead


@dataclass(frozen=True)
class Actor:
    """Who did it and from where: every event names one."""

    name: str
    role: str
    client: str = ""


SYSTEM = Actor("system", "system", "")


def trace_key(db: Session) -> bytes:
    key: bytes = db.info["trace_key"]
    return key


# Appending is on every state change's path, the answer save's above all: its statements are
# written out for each database and run on the driver's own cursor.
_APPEND = {
    # A SQLite writer holds the database's lock already; the event and the head's move are two
    # statements.
    "sqlite": (
        "SELECT position, hash FROM trace_heads WHERE chain = ?",
        "INSERT INTO trace_heads (chain, position, hash, mac) VALUES (?, 0, ?, '') ON CONFLICT DO NOTHING",
        (
            "INSERT INTO trace_events (chain, position, at, actor, role, client, action, subject, payload, "
            "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "UPDATE trace_heads SET position = ?, hash = ?, mac = ? WHERE chain = ?",
        ),
    ),
    # PostgreSQL locks the head for this transaction, and adds the event and moves the head in one
    # statement (one round trip).
    "postgresql": (
        "SELECT position, hash FROM trace_heads WHERE chain = %s FOR UPDATE",
        "INSERT INTO trace_heads (chain, position, hash, mac) VALUES (%s, 0, %s, '') ON CONFLICT DO NOTHING",
        (
            "WITH added AS (INSERT INTO trace_events (chain, position, at, actor, role, client, action, subject, "
            "payload, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)) "
            "UPDATE trace_heads SET position = %s, hash = %s, mac = %s WHERE chain = %s",
        ),
    ),
}


def record(
    db: Session, *, chain: str, action: str, subject: str, actor: Actor, payload: dict[str, Any] | None = None
) -> EventRow:
    """Append an event to `chain` in the caller's transaction: it commits with the change it
    describes, or not at all. The chain's head is locked while it moves (made empty when the
    chain is new)."""
    key = trace_key(db)
    dialect, connection = driver(db)
    read_head, new_head, writes = _APPEND[dialect]
    with closing(connection.cursor()) as cursor:
        cursor.execute(read_head, (chain,))
        head = cursor.fetchone()
        if head is None:
            cursor.execute(new_head, (chain, GENESIS))
            cursor.execute(read_head, (chain,))
            head = cursor.fetchone()
        position, previous = int(head[0]) + 1, str(head[1])
        at = clock.now()
        body = canonical_json(payload or {})
        digest = event_hash(
            key,
            previous,
            chain=chain,
            position=position,
            at=at,
            actor=actor.name,
            role=actor.role,
            client=actor.client,
            action=action,
            subject=subject,
            payload=body,
        )
        by = (actor.name, actor.role, actor.client)
        event = (chain, position, driver_time(dialect, at), *by, action, subject, body, previous, digest)
        moved = (position, digest, head_mac(key, chain, position, digest), chain)
        if len(writes) == 1:
            cursor.execute(writes[0], event + moved)
        else:
            cursor.execute(writes[0], event)
            cursor.execute(writes[1], moved)
    return EventRow(chain, position, at, actor.name, actor.role, actor.client, action, subject, body, previous, digest)


def payload_of(event: TraceEvent) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(event.payload)
    return value


def events(db: Session, chain: str) -> list[TraceEvent]:
    return list(db.scalars(select(TraceEvent).where(TraceEvent.chain == chain).order_by(TraceEvent.position)))


def heads(db: Session, chains: list[str] | None = None) -> dict[str, Head]:
    query = select(TraceHead.chain, TraceHead.position, TraceHead.hash, TraceHead.mac)
    if chains is not None:
        query = query.where(TraceHead.chain.in_(chains))
    return {row.chain: Head(row.chain, row.position, row.hash, row.mac) for row in db.execute(query)}


def rows(db: Session, chains: list[str] | None) -> Iterator[EventRow]:
    """Events as plain rows (no ORM objects), ordered by chain and position: every chain, or those given."""
    columns = [getattr(TraceEvent, name) for name in EventRow._fields]
    query = select(*columns).order_by(TraceEvent.chain, TraceEvent.position)
    if chains is not None:
        query = query.where(TraceEvent.chain.in_(chains))
    for row in db.execute(query.execution_options(yield_per=5000)):
        yield EventRow(*row)


def rows_by_chain(db: Session, chains: list[str]) -> dict[str, list[EventRow]]:
    found: dict[str, list[EventRow]] = {chain: [] for chain in chains}
    for row in rows(db, chains):
        found[row.chain].append(row)
    return found


def _at_text(stored: str | datetime) -> str:
    """A stored event time in the spelling it was hashed in. SQLite hands back the text it keeps
    (2026-12-06 08:00:00.000000, UTC), which is respelled without parsing it; PostgreSQL a time."""
    if isinstance(stored, str):
        if len(stored) == 26 and stored[10] == " ":
            return f"{stored[:10]}T{stored[11:]}Z"
        stored = datetime.fromisoformat(stored)
    return format_time(stored if stored.tzinfo else stored.replace(tzinfo=UTC))


_LINKS = "SELECT chain, position, at, actor, role, client, action, subject, payload, prev_hash, hash FROM trace_events"


def _links(
    db: Session, chains: list[str] | None, between: tuple[str | None, str | None] = (None, None)
) -> Iterator[Link]:
    """Every event (or those of the given chains, or of the chains named from `between[0]` up to
    but not including `between[1]`) as verification reads it, streamed from the driver's own
    cursor in chain order: no rows built around the values, the time respelled."""
    dialect, connection = driver(db)
    p = "%s" if dialect == "postgresql" else "?"
    where, values = [], []
    if chains is not None:
        where.append(f"chain IN ({', '.join([p] * len(chains))})")
        values += chains
    for bound, compare in zip(between, (">=", "<"), strict=True):
        if bound is not None:
            where.append(f"chain {compare} {p}")
            values.append(bound)
    sql = _LINKS + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY chain, position"
    # On PostgreSQL a cursor on the server: the trace is not read into memory.
    cursor = connection.cursor(name="trace_links") if dialect == "postgresql" else connection.cursor()
    if dialect == "postgresql":
        cursor.itersize = 5000
    cursor.execute(sql, values)
    at_text = _at_text
    with closing(cursor):
        for chain, position, at, actor, role, client, action, subject, payload, prev_hash, digest in cursor:
            yield chain, position, at_text(at), actor, role, client, action, subject, payload, prev_hash, digest


def verify_database(db: Session, *, chains: list[str] | None = None, jobs: int = 1) -> Report:
    """Recompute every chain (or the given ones) and compare with the heads. With `jobs` above 1,
    the whole trace is shared out by chain name among that many processes: hashing every event
    is the cost, and it divides over the cores."""
    key = trace_key(db)
    if jobs > 1 and chains is None:
        return _verify_shared(db, key, jobs)
    return verify_links(key, _links(db, chains), heads(db, chains))


def _verify_shared(db: Session, key: bytes, jobs: int) -> Report:
    known = heads(db)
    total = sum(head.position for head in known.values()) or 1
    bounds: list[str | None] = [None]  # each share starts at a chain name, about equal in events
    running = 0
    for name in sorted(known):
        if running >= total * len(bounds) / jobs and len(bounds) < jobs:
            bounds.append(name)
        running += known[name].position
    shares = list(zip(bounds, [*bounds[1:], None], strict=True))
    url = db.connection().engine.url.render_as_string(hide_password=False)

    def within(chain: str, low: str | None, high: str | None) -> bool:
        return (low is None or chain >= low) and (high is None or chain < high)

    tasks = [(url, key, low, high, {c: h for c, h in known.items() if within(c, low, high)}) for low, high in shares]
    # Forked, not spawned: the command line is one thread, and a child that starts at once pays
    # for itself on a trace of tens of thousands of events.
    with ProcessPoolExecutor(max_workers=len(tasks), mp_context=get_context("fork")) as pool:
        parts = list(pool.map(_verify_share, tasks))
    merged = Report(chains=sum(r.chains for r in parts), events=sum(r.events for r in parts))
    merged.breaks = sorted((b for r in parts for b in r.breaks), key=lambda b: (b.chain, b.position))
    return merged


def _verify_share(task: tuple[str, bytes, str | None, str | None, dict[str, Head]]) -> Report:
    url, key, low, high, share_heads = task
    engine = create_engine(url)  # a connection of its own: a forked process uses none of its parent's
    try:
        with Session(engine) as db:
            return verify_links(key, _links(db, None, (low, high)), share_heads)
    finally:
        engine.dispose()
