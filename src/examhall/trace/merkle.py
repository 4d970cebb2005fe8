"""Merkle trees over chain heads: a sitting's seal commits to the head of every chain of the
sitting with one root, and any one chain can later be shown to be part of it by a short path.

The tree is RFC 6962's (Certificate Transparency): leaves and inner nodes are hashed with
different prefixes, so a leaf can never pass for a node. Built level by level, pairing
neighbours and carrying an odd last node up unchanged, it has the same root as RFC 6962's
recursive split at the largest power of two."""

import hashlib
import hmac
import re
from dataclasses import dataclass
from itertools import pairwise

from examhall.trace.chain import canonical_json

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()

_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Leaf:
    chain: str
    position: int
    hash: str  # the hex hash of the chain's event at `position`


def leaf_hash(leaf: Leaf) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + canonical_json([leaf.chain, leaf.position, leaf.hash]).encode()).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _ordered(leaves: list[Leaf]) -> list[Leaf]:
    ordered = sorted(leaves, key=lambda leaf: (leaf.chain, leaf.position, leaf.hash))
    for a, b in pairwise(ordered):
        if a.chain == b.chain:
            raise ValueError(f"two leaves for chain {a.chain}")
    return ordered


def _levels(ordered: list[Leaf]) -> list[list[bytes]]:
    """Every level of the tree, from the leaves up to the root."""
    level = [leaf_hash(leaf) for leaf in ordered]
    levels = [level]
    while len(level) > 1:
        upper = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            upper.append(level[-1])
        levels.append(upper)
        level = upper
    return levels


def root(leaves: list[Leaf]) -> str:
    """The hex root over `leaves`, whatever their order (one leaf per chain)."""
    if not leaves:
        return EMPTY_ROOT
    return _levels(_ordered(leaves))[-1][0].hex()


def proof(leaves: list[Leaf], chain: str) -> list[tuple[str, str]]:
    """The audit path from `chain`'s leaf to the root: for each level, which side the sibling
    is on and its hex hash. A node carried up without a sibling adds nothing."""
    ordered = _ordered(leaves)
    index = next((i for i, leaf in enumerate(ordered) if leaf.chain == chain), None)
    if index is None:
        raise ValueError(f"no leaf for chain {chain}")
    path: list[tuple[str, str]] = []
    for level in _levels(ordered)[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(("L" if sibling < index else "R", level[sibling].hex()))
        index //= 2
    return path


def verify_proof(leaf: Leaf, path: list[tuple[str, str]], expected_root: str) -> bool:
    """Whether `path` leads from `leaf` to `expected_root`. A malformed path is simply false."""
    current = leaf_hash(leaf)
    for step in path:
        if not isinstance(step, tuple | list) or len(step) != 2:
            return False
        side, sibling = step
        if side not in ("L", "R") or not isinstance(sibling, str) or not _HEX_DIGEST.fullmatch(sibling):
            return False
        other = bytes.fromhex(sibling)
        current = _node(other, current) if side == "L" else _node(current, other)
    if not isinstance(expected_root, str) or not _HEX_DIGEST.fullmatch(expected_root):
        return False
    return hmac.compare_digest(current.hex(), expected_root)
