"""What a seal says, without a database: the seal event's payload, the statements the exam body
signs, and their checks. The database (trace.sealing) and an evidence bundle (trace.bundle) feed
it rows; nothing here needs the HMAC key.

Each chain's events have a canonical line each (the line an evidence bundle stores). A seal event
commits to every covered chain twice: by the HMAC hash of its head (a Merkle leaf, checkable with
the trace key) and by the SHA-256 of the chain's lines up to that head (checkable by anyone). The
seal event and every later event of the sealed chain (publication, appeals) are signed: each
statement names the event and the SHA-256 of its chain's lines up to and including it, so an
event changed, cut off or put in afterwards fails a signature that only the exam body can make."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examhall.trace import merkle, signing
from examhall.trace.chain import EventRow, format_time, is_digest
from examhall.trace.merkle import Leaf

STATEMENT_FORMAT = "examhall-statement/1"


def event_line(row: EventRow) -> bytes:
    return row.line().encode() + b"\n"


def lines_sha256(rows: Iterable[EventRow]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(event_line(row))
    return digest.hexdigest()


def _leaf_list(leaf: Leaf) -> list[Any]:
    return [leaf.chain, leaf.position, leaf.hash]


def _sorted_leaves(leaves: list[Leaf]) -> list[Leaf]:
    return sorted(leaves, key=lambda leaf: (leaf.chain, leaf.position, leaf.hash))


def leaf_from(value: Any) -> Leaf:
    if not isinstance(value, list) or len(value) != 3:
        raise ValueError(f"a leaf must be [chain, position, hash], not {value!r}")
    chain, position, hash_ = value
    if not isinstance(chain, str) or not chain:
        raise ValueError(f"a leaf's chain must be a name, not {chain!r}")
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        raise ValueError(f"the leaf of chain {chain} has position {position!r}")
    if not is_digest(hash_):
        raise ValueError(f"the leaf of chain {chain} has hash {hash_!r}")
    return Leaf(chain, position, hash_)


@dataclass
class Sealed:
    """What a seal event says."""

    chain: str  # the sealed subject's chain, which carries the seal event
    position: int
    root: str
    leaves: list[Leaf]
    digests: dict[str, str]  # chain: SHA-256 of its lines up to its leaf


def seal_payload(root: str, leaves: list[Leaf], digests: dict[str, str]) -> dict[str, Any]:
    """The `root`, `leaves` and `digests` fields of a seal event's payload."""
    if merkle.root(leaves) != root:
        raise ValueError("the root is not the Merkle root of the leaves")
    if set(digests) != {leaf.chain for leaf in leaves}:
        raise ValueError("a digest for every leaf, and only for them")
    return {"root": root, "leaves": [_leaf_list(leaf) for leaf in _sorted_leaves(leaves)], "digests": digests}


def sealed_from_event(event: EventRow) -> Sealed:
    """Read a seal event; ValueError when its payload is not a seal's."""
    try:
        payload = json.loads(event.payload)
    except (ValueError, RecursionError) as exc:
        raise ValueError("the payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise ValueError("the payload is not a JSON object")
    root, leaves, digests = payload.get("root"), payload.get("leaves"), payload.get("digests")
    if not is_digest(root):
        raise ValueError("the payload has no root")
    if not isinstance(leaves, list):
        raise ValueError("the payload has no list of leaves")
    if digests is None:
        digests = {}  # a seal made before seals held digests: its lines are checked by nothing keyless
    if not isinstance(digests, dict) or not all(is_digest(d) for d in digests.values()):
        raise ValueError("the payload's digests of the chains' lines are not hex digests")
    return Sealed(event.chain, event.position, root, [leaf_from(value) for value in leaves], dict(digests))


def statement(row: EventRow, lines_digest: str, key_id: str) -> dict[str, Any]:
    """What the exam body signs for one event of a sealed chain."""
    return {
        "format": STATEMENT_FORMAT,
        "chain": row.chain,
        "position": row.position,
        "action": row.action,
        "at": format_time(row.at),
        "lines_sha256": lines_digest,
        "key_id": key_id,
    }


@dataclass(frozen=True)
class Signed:
    """One signed statement, as the database or a bundle keeps it."""

    chain: str
    position: int
    statement: dict[str, Any]
    signature: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "position": self.position,
            "statement": self.statement,
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, value: Any) -> "Signed":
        if not isinstance(value, dict) or set(value) != {"chain", "position", "statement", "signature"}:
            raise ValueError(f"a signature entry must hold chain, position, statement and signature, not {value!r}")
        chain, position, said, signature = value["chain"], value["position"], value["statement"], value["signature"]
        if not isinstance(chain, str) or not isinstance(position, int) or isinstance(position, bool):
            raise ValueError(f"a signature entry names chain {chain!r} at position {position!r}")
        if not isinstance(said, dict) or not isinstance(signature, str):
            raise ValueError(f"the signature entry of chain {chain} at {position} has no statement or signature")
        return cls(chain, position, said, signature)


def check_signed(
    rows: list[EventRow], signed: list[Signed], *, from_position: int, public: Ed25519PublicKey
) -> list[str]:
    """Whether every event of one chain (`rows`, in order) from `from_position` on carries a valid
    signature by `public` over what it is, and no signature names an event that is not there."""
    problems = []
    by_position = {s.position: s for s in signed}
    wanted = signing.key_id(public)
    digest = hashlib.sha256()
    for row in rows:
        digest.update(event_line(row))
        if row.position < from_position:
            continue
        where = f"chain {row.chain} at position {row.position} ({row.action})"
        found = by_position.pop(row.position, None)
        if found is None:
            problems.append(f"{where}: not signed, though the chain is sealed")
            continue
        if found.statement != statement(row, digest.hexdigest(), found.statement.get("key_id", "")):
            problems.append(f"{where}: the signed statement is not this event and what came before it")
        elif found.statement["key_id"] != wanted:
            problems.append(f"{where}: signed with key {found.statement['key_id']}, not the exam body's key {wanted}")
        elif not signing.verify(public, found.statement, found.signature):
            problems.append(f"{where}: the signature does not verify with the exam body's public key")
    for position in sorted(by_position):
        problems.append(
            f"chain {rows[0].chain if rows else '?'} at position {position}: a signed event is missing "
            "(the chain was cut back)"
        )
    return problems


def check_digests(rows_by_chain: dict[str, list[EventRow]], sealed: Sealed) -> list[str]:
    """Whether each chain's lines up to its sealed leaf are the ones the seal commits to."""
    problems = []
    leaves = {leaf.chain: leaf for leaf in sealed.leaves}
    for chain, rows in sorted(rows_by_chain.items()):
        leaf = leaves.get(chain)
        if leaf is None:
            continue
        expected = sealed.digests.get(chain)
        if expected is None:
            problems.append(f"chain {chain}: the seal holds no digest of its events")
        elif lines_sha256(row for row in rows if row.position <= leaf.position) != expected:
            problems.append(f"chain {chain}: its first {leaf.position} events are not the ones sealed")
    return problems
