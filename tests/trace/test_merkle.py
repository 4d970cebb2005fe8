"""Merkle trees over chain heads: RFC 6962's root for any number of leaves in any order, and an
audit path for every leaf that verifies, while any change to the leaf, the path or the root
does not."""

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examhall.trace.merkle import EMPTY_ROOT, Leaf, leaf_hash, proof, root, verify_proof


def _leaves(n: int, seed: int = 0) -> list[Leaf]:
    rng = random.Random(seed)
    return [Leaf(f"attempt:{i}", rng.randint(0, 500), rng.randbytes(32).hex()) for i in range(n)]


def _rfc6962(hashes: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written as the RFC states it: split at the largest power of two
    smaller than n."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + _rfc6962(hashes[:k]) + _rfc6962(hashes[k:])).digest()


def test_worked_example() -> None:
    a = Leaf("attempt:7", 12, "a" * 64)
    b = Leaf("attempt:8", 9, "b" * 64)
    s = Leaf("sitting:3", 41, "c" * 64)
    h_a = hashlib.sha256(b'\x00["attempt:7",12,"' + b"a" * 64 + b'"]').digest()
    h_b = hashlib.sha256(b'\x00["attempt:8",9,"' + b"b" * 64 + b'"]').digest()
    h_s = hashlib.sha256(b'\x00["sitting:3",41,"' + b"c" * 64 + b'"]').digest()
    assert (leaf_hash(a), leaf_hash(b), leaf_hash(s)) == (h_a, h_b, h_s)
    h_ab = hashlib.sha256(b"\x01" + h_a + h_b).digest()
    expected = hashlib.sha256(b"\x01" + h_ab + h_s).hexdigest()

    assert root([s, b, a]) == expected
    # the same figure is in docs/evidence-bundle.md, for anyone checking their own implementation
    assert expected == "674d23a9ffad4d839b9c0d73fa30469d25ada404a7e7cbe802ed3b2262131c93"
    assert proof([s, b, a], "attempt:7") == [("R", h_b.hex()), ("R", h_s.hex())]
    assert proof([s, b, a], "attempt:8") == [("L", h_a.hex()), ("R", h_s.hex())]
    assert proof([s, b, a], "sitting:3") == [("L", h_ab.hex())]  # carried up a level without a sibling


def test_no_leaves_and_one_leaf() -> None:
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").hexdigest()
    (only,) = _leaves(1)
    assert root([only]) == leaf_hash(only).hex()
    assert proof([only], only.chain) == []
    assert verify_proof(only, [], root([only]))


def test_a_leaf_cannot_pass_for_a_node() -> None:
    leaf = Leaf("x", 1, "0" * 64)
    assert leaf_hash(leaf) != hashlib.sha256(b'["x",1,"' + b"0" * 64 + b'"]').digest()


@pytest.mark.parametrize("n", range(0, 34))
def test_root_is_rfc6962_and_every_proof_verifies(n: int) -> None:
    leaves = _leaves(n, seed=n)
    ordered = sorted(leaves, key=lambda leaf: leaf.chain)
    expected = _rfc6962([leaf_hash(leaf) for leaf in ordered]).hex()
    assert root(leaves) == expected
    for leaf in leaves:
        path = proof(leaves, leaf.chain)
        assert len(path) <= max(n - 1, 0).bit_length()
        assert verify_proof(leaf, path, expected)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.randoms(use_true_random=False))
def test_order_of_the_input_does_not_matter(n: int, rng: random.Random) -> None:
    leaves = _leaves(n, seed=n)
    shuffled = leaves[:]
    rng.shuffle(shuffled)
    assert root(shuffled) == root(leaves)
    chain = rng.choice(leaves).chain
    assert proof(shuffled, chain) == proof(leaves, chain)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 40), st.randoms(use_true_random=False))
def test_a_changed_leaf_fails(n: int, rng: random.Random) -> None:
    leaves = _leaves(n, seed=n)
    leaf = rng.choice(leaves)
    path, top = proof(leaves, leaf.chain), root(leaves)
    flipped = "0" if leaf.hash[0] != "0" else "1"
    for changed in (
        Leaf(leaf.chain + "x", leaf.position, leaf.hash),
        Leaf(leaf.chain, leaf.position + 1, leaf.hash),
        Leaf(leaf.chain, leaf.position, flipped + leaf.hash[1:]),
        Leaf(leaf.chain, leaf.position, leaf.hash.upper()),
    ):
        assert not verify_proof(changed, path, top)
    others = [other for other in leaves if other != leaf]
    if others:
        # another leaf of the same tree does not verify on this leaf's path
        assert not verify_proof(rng.choice(others), path, top)


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 40), st.randoms(use_true_random=False))
def test_a_changed_path_or_root_fails(n: int, rng: random.Random) -> None:
    leaves = _leaves(n, seed=n)
    leaf = rng.choice(leaves)
    path, top = proof(leaves, leaf.chain), root(leaves)
    assert path and verify_proof(leaf, path, top)
    i = rng.randrange(len(path))
    side, sibling = path[i]
    other_side = "L" if side == "R" else "R"
    digit = "0" if sibling[-1] != "0" else "1"
    for changed in (
        [*path[:i], (other_side, sibling), *path[i + 1 :]],
        [*path[:i], (side, sibling[:-1] + digit), *path[i + 1 :]],
        [*path[:i], (side, sibling.upper()), *path[i + 1 :]] if sibling != sibling.upper() else path[:-1],
        path[:i] + path[i + 1 :],
        [*path, ("R", sibling)],
        [*path[:i], ("l", sibling), *path[i + 1 :]],
        [*path[:i], (side, "zz" * 32), *path[i + 1 :]],
        [*path[:i], (side, sibling[:-2]), *path[i + 1 :]],
    ):
        assert not verify_proof(leaf, changed, top)
    assert not verify_proof(leaf, path, root([*leaves, Leaf("zz", 1, "0" * 64)]))
    assert not verify_proof(leaf, path, top.upper())
    assert not verify_proof(leaf, path, "根" * 64)


def test_malformed_paths_are_false_not_errors() -> None:
    leaves = _leaves(5)
    top = root(leaves)
    for path in ([("R",)], [("R", "ab", "cd")], ["R"], [("R", 5)], [(1, "0" * 64)]):
        assert not verify_proof(leaves[0], path, top)  # type: ignore[arg-type]


def test_one_leaf_per_chain() -> None:
    leaves = _leaves(3)
    with pytest.raises(ValueError, match="two leaves for chain attempt:1"):
        root([*leaves, Leaf("attempt:1", 99, "0" * 64)])
    with pytest.raises(ValueError, match="no leaf for chain sitting:1"):
        proof(leaves, "sitting:1")
