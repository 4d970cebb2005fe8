"""Anchors outside the database, as Certificate Transparency keeps its logs honest: a signed, dated
tree head over the head of every chain, written to a file that is kept elsewhere. Whatever happens
to the database later, a chain cut back or removed since the anchor was written is found by
checking the anchor against it: the database alone cannot show that (a genuine older head record,
put back from a backup, agrees with a chain cut back to it)."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from examhall.trace import merkle, service, signing
from examhall.trace.chain import canonical_json, format_time
from examhall.trace.merkle import Leaf
from examhall.trace.models import TraceEvent
from examhall.trace.seals import leaf_from

ANCHOR_FORMAT = "examhall-anchor/1"
_BATCH = 500


def write(db: Session, *, at: datetime) -> bytes:
    """The anchor file: the signed statement (time, number of chains, Merkle root over their
    heads) and the heads themselves, so that each chain can be checked on its own."""
    signer = signing.signer(db)
    leaves = [Leaf(h.chain, h.position, h.hash) for h in service.heads(db).values() if h.position > 0]
    leaves.sort(key=lambda leaf: leaf.chain)
    statement = {
        "format": ANCHOR_FORMAT,
        "at": format_time(at),
        "chains": len(leaves),
        "root": merkle.root(leaves),
        "key_id": signer.key_id,
    }
    document = {
        "statement": statement,
        "signature": signer.sign(statement),
        "heads": [[leaf.chain, leaf.position, leaf.hash] for leaf in leaves],
    }
    return (canonical_json(document) + "\n").encode()


@dataclass
class AnchorCheck:
    at: str
    chains: int
    problems: list[str]


def _parse(data: bytes, public: Ed25519PublicKey) -> tuple[dict[str, Any], list[Leaf]]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"not an anchor file ({exc})") from None
    if not isinstance(document, dict) or set(document) != {"statement", "signature", "heads"}:
        raise ValueError("not an anchor file: it must hold statement, signature and heads")
    statement, signature, heads = document["statement"], document["signature"], document["heads"]
    if not isinstance(statement, dict) or statement.get("format") != ANCHOR_FORMAT:
        raise ValueError(f"the statement is not an {ANCHOR_FORMAT} statement")
    if not isinstance(signature, str) or not signing.verify(public, statement, signature):
        raise ValueError("the signature does not verify with the exam body's public key")
    if not isinstance(heads, list):
        raise ValueError("the heads are not a list")
    leaves = [leaf_from(value) for value in heads]
    if len(leaves) != statement.get("chains") or merkle.root(leaves) != statement.get("root"):
        raise ValueError("the heads are not the ones the signed statement covers")
    return statement, leaves


def check(db: Session, data: bytes, *, public: Ed25519PublicKey) -> AnchorCheck:
    """Each chain the anchor saw must still hold the event it saw as its head, at that position."""
    try:
        statement, leaves = _parse(data, public)
    except ValueError as exc:
        return AnchorCheck("", 0, [f"the anchor cannot be used: {exc}"])
    now = service.heads(db)
    problems = []
    present: dict[tuple[str, int], str] = {}
    wanted = [(leaf.chain, leaf.position) for leaf in leaves]
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        query = select(TraceEvent.chain, TraceEvent.position, TraceEvent.hash).where(
            tuple_(TraceEvent.chain, TraceEvent.position).in_(batch)
        )
        present.update({(row.chain, row.position): row.hash for row in db.execute(query)})
    for leaf in leaves:
        head = now.get(leaf.chain)
        if head is None and (leaf.chain, leaf.position) not in present:
            problems.append(f"chain {leaf.chain}: removed since the anchor (which saw {leaf.position} events)")
        elif head is not None and head.position < leaf.position:
            problems.append(
                f"chain {leaf.chain}: cut back to {head.position} events since the anchor, which saw {leaf.position}"
            )
        elif present.get((leaf.chain, leaf.position)) != leaf.hash:
            problems.append(f"chain {leaf.chain} at position {leaf.position}: not the event the anchor saw")
    return AnchorCheck(str(statement["at"]), len(leaves), problems)
