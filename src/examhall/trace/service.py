"""Writing to the trace and checking it against the database."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, bindparam, insert, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from examhall import clock
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


# Appending is on every state change's path, the answer save's above all: the statements are
# built once and run on the transaction's connection, without the ORM's unit of work.
_HEAD = select(TraceHead.position, TraceHead.hash).where(TraceHead.chain == bindparam("head_chain")).with_for_update()
_NEW_HEAD = {
    name: dialect.insert(TraceHead)
    .values(chain=bindparam("head_chain"), position=0, hash=GENESIS, mac="")
    .on_conflict_do_nothing()
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_ADD = insert(TraceEvent)
_MOVE = (
    update(TraceHead)
    .where(TraceHead.chain == bindparam("head_chain"))
    .values(position=bindparam("head_position"), hash=bindparam("head_hash"), mac=bindparam("head_mac"))
)


def _locked_head(db: Session, chain: str) -> tuple[int, str]:
    """The chain's head (position, hash), locked for this transaction (PostgreSQL; SQLite
    writers hold the database lock already), made empty when the chain is new."""
    conn = db.connection()
    head = conn.execute(_HEAD, {"head_chain": chain}).first()
    if head is None:
        conn.execute(_NEW_HEAD[conn.dialect.name], {"head_chain": chain})
        head = conn.execute(_HEAD, {"head_chain": chain}).one()
    return int(head.position), str(head.hash)


def record(
    db: Session, *, chain: str, action: str, subject: str, actor: Actor, payload: dict[str, Any] | None = None
) -> EventRow:
    """Append an event to `chain` in the caller's transaction: it commits with the change it
    describes, or not at all."""
    key = trace_key(db)
    position, previous = _locked_head(db, chain)
    fields = {
        "chain": chain,
        "position": position + 1,
        "at": clock.now(),
        "actor": actor.name,
        "role": actor.role,
        "client": actor.client,
        "action": action,
        "subject": subject,
        "payload": canonical_json(payload or {}),
    }
    digest = event_hash(key, previous, **fields)  # type: ignore[arg-type]
    conn = db.connection()
    conn.execute(_ADD, {**fields, "prev_hash": previous, "hash": digest})
    conn.execute(
        _MOVE,
        {
            "head_chain": chain,
            "head_position": position + 1,
            "head_hash": digest,
            "head_mac": head_mac(key, chain, position + 1, digest),
        },
    )
    return EventRow(**fields, prev_hash=previous, hash=digest)  # type: ignore[arg-type]


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
    columns = [getattr(TraceEvent, name) for name in EventRow.__dataclass_fields__]
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


def _links(db: Session, chains: list[str] | None) -> Iterator[Link]:
    """Every event (or those of the given chains) as verification reads it, streamed from the
    driver in chain order: no ORM objects, and the time left as the driver gives it."""
    columns = [getattr(TraceEvent, name) for name in EventRow.__dataclass_fields__]
    columns[2] = type_coerce(TraceEvent.at, String)  # no conversion: _at_text respells it
    query = select(*columns).order_by(TraceEvent.chain, TraceEvent.position)
    if chains is not None:
        query = query.where(TraceEvent.chain.in_(chains))
    at_text = _at_text
    for chain, position, at, actor, role, client, action, subject, payload, prev_hash, digest in db.execute(
        query.execution_options(yield_per=5000)
    ):
        yield chain, position, at_text(at), actor, role, client, action, subject, payload, prev_hash, digest


def verify_database(db: Session, *, chains: list[str] | None = None) -> Report:
    """Recompute every chain (or the given ones) and compare with the heads."""
    return verify_links(trace_key(db), _links(db, chains), heads(db, chains))
