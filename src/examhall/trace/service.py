"""Writing to the trace and checking it against the database."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from examhall import clock
from examhall.trace.chain import GENESIS, EventRow, Head, Report, canonical_json, event_hash, head_mac, verify
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


def _locked_head(db: Session, chain: str) -> TraceHead:
    """The chain's head, locked for this transaction (PostgreSQL; SQLite writers hold the
    database lock already), created empty when the chain is new."""
    query = select(TraceHead).where(TraceHead.chain == chain).with_for_update()
    head = db.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    if head is None:
        dialect = db.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        db.execute(insert(TraceHead).values(chain=chain, position=0, hash=GENESIS, mac="").on_conflict_do_nothing())
        head = db.execute(query.execution_options(populate_existing=True)).scalar_one()
    return head


def record(
    db: Session, *, chain: str, action: str, subject: str, actor: Actor, payload: dict[str, Any] | None = None
) -> TraceEvent:
    """Append an event to `chain` in the caller's transaction: it commits with the change it
    describes, or not at all."""
    key = trace_key(db)
    head = _locked_head(db, chain)
    fields = {
        "chain": chain,
        "position": head.position + 1,
        "at": clock.now(),
        "actor": actor.name,
        "role": actor.role,
        "client": actor.client,
        "action": action,
        "subject": subject,
        "payload": canonical_json(payload or {}),
    }
    digest = event_hash(key, head.hash, **fields)  # type: ignore[arg-type]
    event = TraceEvent(**fields, prev_hash=head.hash, hash=digest)
    db.add(event)
    head.position, head.hash = event.position, digest
    head.mac = head_mac(key, chain, head.position, digest)
    db.flush()
    return event


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


def _rows(db: Session, chains: list[str] | None) -> Iterator[EventRow]:
    columns = [getattr(TraceEvent, name) for name in EventRow.__dataclass_fields__]
    query = select(*columns).order_by(TraceEvent.chain, TraceEvent.position)
    if chains is not None:
        query = query.where(TraceEvent.chain.in_(chains))
    for row in db.execute(query.execution_options(yield_per=5000)):
        yield EventRow(*row)


def verify_database(db: Session, *, chains: list[str] | None = None) -> Report:
    """Recompute every chain (or the given ones) and compare with the heads."""
    return verify(trace_key(db), _rows(db, chains), heads(db, chains))
