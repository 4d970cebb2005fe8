"""Sealing in the database, the one way for every kind of subject (an exam sitting, a composite
assessment): the seal event over the heads of the chains it covers, the exam body's signature of
it and of every event after it on the sealed chain, and the check of all of that."""

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.trace import seals, service, signing
from examhall.trace.chain import EventRow, canonical_json
from examhall.trace.merkle import Leaf, root
from examhall.trace.models import Seal, Signature
from examhall.trace.service import Actor, record


def seal_of(db: Session, chain: str) -> Seal | None:
    return db.get(Seal, chain)


def seal(db: Session, *, chain: str, covers: list[str], action: str, actor: Actor, payload: dict[str, Any]) -> Seal:
    """Seal `chain` and the chains it `covers`: the event (with `payload` beside the seal's own
    fields) on `chain`, its row in the seals, and its signature."""
    chains = sorted(set(covers) | {chain})
    heads = service.heads(db, chains)
    leaves = [Leaf(c, heads[c].position, heads[c].hash) for c in sorted(heads)]
    rows = service.rows_by_chain(db, sorted(heads))
    digests = {leaf.chain: seals.lines_sha256(rows[leaf.chain]) for leaf in leaves}
    top = root(leaves)
    event = record(
        db,
        chain=chain,
        action=action,
        subject=chain,
        actor=actor,
        payload={**payload, **seals.seal_payload(top, leaves, digests)},
    )
    made = Seal(
        chain=chain,
        position=event.position,
        root=top,
        leaves=[[leaf.chain, leaf.position, leaf.hash] for leaf in leaves],
        sealed_by=actor.name,
        sealed_at=event.at,
    )
    db.add(made)
    _countersign(db, event, rows.get(chain, []))
    return made


def record_after_seal(
    db: Session, *, chain: str, action: str, subject: str, actor: Actor, payload: dict[str, Any] | None = None
) -> EventRow:
    """An event on a sealed chain (a publication, an appeal), signed like the seal: cutting it off
    the chain, or changing it, breaks a signature."""
    event = record(db, chain=chain, action=action, subject=subject, actor=actor, payload=payload)
    before = [row for row in service.rows(db, [chain]) if row.position < event.position]
    _countersign(db, event, before)
    return event


def _countersign(db: Session, event: EventRow, before: list[EventRow]) -> None:
    signer = signing.signer(db)
    said = seals.statement(event, seals.lines_sha256([*before, event]), signer.key_id)
    db.add(
        Signature(
            chain=event.chain,
            position=event.position,
            statement=canonical_json(said),
            signature=signer.sign(said),
            key_id=signer.key_id,
        )
    )


def signed(db: Session, chain: str) -> list[seals.Signed]:
    query = select(Signature).where(Signature.chain == chain).order_by(Signature.position)
    return [seals.Signed(s.chain, s.position, json.loads(s.statement), s.signature) for s in db.scalars(query)]


def verify(db: Session, chain: str, *, action: str, public: Ed25519PublicKey | None = None) -> list[str]:
    """Check a sealed chain against its seal: every covered chain intact (HMAC), each sealed head
    and each covered chain's sealed lines still what was sealed, and the seal and every later event
    of `chain` signed with the exam body's key. Empty when it all holds."""
    made = db.get(Seal, chain)
    if made is None:
        return [f"{chain} is not sealed"]
    leaves = [Leaf(c, p, h) for c, p, h in made.leaves]
    chains = sorted({leaf.chain for leaf in leaves} | {chain})
    problems = [str(b) for b in service.verify_database(db, chains=chains).breaks]
    if root(leaves) != made.root:
        problems.append("the seal's leaves do not give its root")
    rows = service.rows_by_chain(db, chains)
    at = {(row.chain, row.position): row for chain_rows in rows.values() for row in chain_rows}
    event = at.get((chain, made.position))
    said: seals.Sealed | None = None
    if event is not None and event.action == action:
        try:
            said = seals.sealed_from_event(event)
        except ValueError:
            said = None
    if said is None or said.root != made.root:
        problems.append(f"chain {chain} at position {made.position}: the seal event is not the stored seal")
    for leaf in leaves:
        found = at.get((leaf.chain, leaf.position))
        if found is None or found.hash != leaf.hash:
            problems.append(f"chain {leaf.chain} at position {leaf.position}: not the event that was sealed")
    if said is not None:
        problems += seals.check_digests(rows, said)
    key = public or signing.signer(db).public
    problems += seals.check_signed(rows[chain], signed(db, chain), from_position=made.position, public=key)
    return problems
