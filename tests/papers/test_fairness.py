"""Fairness across a sitting: no item repeats while unused items remain, neighbouring seats share as
few items as the bank allows, a re-sitting candidate avoids what they saw, uses stay even, and every
paper of a sitting is drawn again identically from the same inputs."""

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from examhall.papers.assembly import (
    Choice,
    Draw,
    Fairness,
    Infeasible,
    Pool,
    PoolItem,
    assemble,
    check,
    draw_sitting,
    overlap,
)
from examhall.papers.blueprint import Blueprint, presets
from tests.papers.pools import blueprint, blueprints, broken, item, random_items

PROPERTY = settings(max_examples=80, deadline=None, derandomize=True, database=None)
TYPES = ("true_false", "single_choice", "multiple_choice")


@st.composite
def plain(draw: st.DrawFn) -> Blueprint:
    """Sections only: nothing but fairness decides which items a paper takes."""
    types = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True))
    return blueprint([{"type": t, "count": draw(st.integers(1, 6))} for t in types])


def ids(draw: Draw) -> list[int]:
    return [c.version_id for c in draw.choices]


def of_type(items: list[PoolItem]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for i in items:
        found.setdefault(i.type, set()).add(i.version_id)
    return found


def row(seats: int) -> list[list[int]]:
    return [[s for s in (seat - 1, seat + 1) if 0 <= s < seats] for seat in range(seats)]


def grid(rows: int, columns: int) -> list[list[int]]:
    """Seats numbered row by row; each seat's neighbours are in front, behind, left and right."""
    near = []
    for r in range(rows):
        for c in range(columns):
            cells = ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
            near.append([rr * columns + cc for rr, cc in cells if 0 <= rr < rows and 0 <= cc < columns])
    return near


@PROPERTY
@given(plain(), st.integers(0, 10**6), st.integers(5, 90), st.integers(2, 12))
def test_no_item_repeats_in_a_sitting_while_unused_items_remain(
    bp: Blueprint, pool_seed: int, size: int, seats: int
) -> None:
    items = random_items(pool_seed, size, types=TYPES) + [item(10_000 + n, t) for n, t in enumerate(TYPES * 6)]
    pool, by_type = Pool(items), of_type(items)
    draws = draw_sitting(bp, pool, list(range(seats)), row(seats), [set() for _ in range(seats)])
    used: set[int] = set()
    for made in draws:
        assert check(bp, pool, made) == []
        for section in bp.sections:
            unused = by_type[section.type] - used
            fresh = [v for v in ids(made) if v in unused]
            assert len(fresh) == min(section.count, len(unused))
        used.update(ids(made))


@PROPERTY
@given(plain(), st.integers(0, 10**6), st.integers(0, 40), st.integers(2, 15))
def test_uses_stay_even_once_every_item_has_been_used(bp: Blueprint, pool_seed: int, extra: int, seats: int) -> None:
    """With no neighbours and nothing seen, each paper takes the least used items of each type."""
    need = {s.type: s.count for s in bp.sections}
    items = [item(v, t) for v, t in enumerate((t for t in need for _ in range(need[t] + 1)), 1)]
    items += random_items(pool_seed, extra, types=tuple(need), start=1000)
    pool, by_type = Pool(items), of_type(items)
    uses: Counter[int] = Counter()
    for made in draw_sitting(bp, pool, list(range(seats)), [[] for _ in range(seats)], [set() for _ in range(seats)]):
        uses.update(ids(made))
        for members in by_type.values():
            counts = [uses[v] for v in members]
            assert max(counts) - min(counts) <= 1


@PROPERTY
@given(plain(), st.integers(0, 10**6), st.integers(1, 4), st.integers(1, 5))
def test_neighbours_share_no_item_when_the_bank_allows(bp: Blueprint, pool_seed: int, rows: int, columns: int) -> None:
    """In a grid, a seat has at most two neighbours drawn before it: three papers' worth of each type
    is then enough for no neighbours to share an item, though not for all papers to differ."""
    need = {s.type: s.count for s in bp.sections}
    items = [item(v, t) for v, t in enumerate((t for t in need for _ in range(3 * need[t])), 1)]
    items += random_items(pool_seed, 5, types=tuple(need), start=1000)
    seats, near = rows * columns, grid(rows, columns)
    draws = draw_sitting(bp, Pool(items), list(range(seats)), near, [set() for _ in range(seats)])
    assert overlap(draws, near) == [0] * seats


@PROPERTY
@given(plain(), st.integers(0, 10**6), st.integers(10, 80), st.integers(0, 2**62))
def test_a_resit_avoids_items_seen_before_while_unseen_ones_remain(
    bp: Blueprint, pool_seed: int, size: int, seed: int
) -> None:
    items = random_items(pool_seed, size, types=TYPES) + [item(10_000 + n, t) for n, t in enumerate(TYPES * 6)]
    rng = random.Random(pool_seed)
    seen = {i.version_id for i in items if rng.random() < 0.6}
    pool, by_type = Pool(items), of_type(items)
    made = assemble(bp, pool, seed, Fairness(seen=seen))
    assert check(bp, pool, made) == []
    for section in bp.sections:
        unseen = by_type[section.type] - seen
        assert len([v for v in ids(made) if v in unseen]) == min(section.count, len(unseen))


@PROPERTY
@given(blueprints(TYPES), st.integers(0, 10**6), st.integers(20, 150), st.integers(1, 10), st.data())
def test_a_sitting_is_drawn_again_identically_paper_by_paper(
    bp: Blueprint, pool_seed: int, size: int, seats: int, data: st.DataObject
) -> None:
    """Each paper of a sitting is the paper assemble() draws from its seed with the fairness the papers
    before it make; the first k papers are the papers of the first k seats drawn alone."""
    items = random_items(pool_seed, size, types=TYPES)
    pool = Pool(items)
    rng = random.Random(pool_seed)
    seeds = [rng.randrange(2**62) for _ in range(seats)]
    near = [rng.sample(range(seats), min(seats, rng.randint(0, 3))) for _ in range(seats)]
    seen = [{i.version_id for i in items if rng.random() < 0.2} for _ in range(seats)]
    try:
        draws = draw_sitting(bp, pool, seeds, near, seen)
    except Infeasible:
        return
    for seat, made in enumerate(draws):
        assert check(bp, pool, made) == []
        assert broken(bp, items, made) == []
        adjacent = {other for other in near[seat] if other < seat} | {
            other for other in range(seat) if seat in near[other]
        }
        fairness = Fairness(
            used=Counter(v for earlier in draws[:seat] for v in ids(earlier)),
            neighbours={v for other in adjacent for v in ids(draws[other])},
            seen=seen[seat],
        )
        assert assemble(bp, Pool(reversed(items)), seeds[seat], fairness) == made
    k = data.draw(st.integers(1, seats))
    assert draw_sitting(bp, pool, seeds[:k], near[:k], seen[:k]) == draws[:k]


def test_fairness_gives_way_to_the_blueprint() -> None:
    """Only the items seen before are 消防; the quota still takes three of them, and no more."""
    items = [item(v, category="消防") for v in range(1, 6)] + [item(v, category="电气") for v in range(6, 11)]
    bp = blueprint([{"type": "true_false", "count": 6}], quotas=[{"category": "消防", "min": 3}])
    pool = Pool(items)
    for seed in range(10):
        made = assemble(bp, pool, seed, Fairness(seen=set(range(1, 6))))
        assert check(bp, pool, made) == []
        assert len([v for v in ids(made) if v <= 5]) == 3


def test_an_empty_fairness_is_no_fairness() -> None:
    items = random_items(1, 200, types=TYPES)
    bp = blueprint([{"type": "true_false", "count": 10}, {"type": "single_choice", "count": 5}])
    pool = Pool(items)
    assert assemble(bp, pool, 5, Fairness()) == assemble(bp, pool, 5)


def test_overlap_counts_the_most_items_shared_with_any_neighbour() -> None:
    def paper(*versions: int) -> Draw:
        return Draw(0, tuple(Choice(v, 0, ()) for v in versions))

    draws = [paper(1, 2, 3), paper(2, 3, 4), paper(9, 10, 11), paper(1, 4, 9)]
    # Seat 3 names seat 0 only; adjacency counts either way round. Seat 7 is outside the sitting.
    assert overlap(draws, [[1], [0, 2], [1, 7], [0]]) == [2, 2, 0, 1]


def test_a_preset_sitting_from_a_large_bank() -> None:
    bp = presets()["special_operations"]
    items = random_items(8, 2500, types=("true_false", "single_choice"), national=0.9)
    pool = Pool(items)
    seats = 40
    near = grid(5, 8)
    draws = draw_sitting(bp, pool, [7 * s for s in range(seats)], near, [set() for _ in range(seats)])
    assert all(check(bp, pool, made) == [] for made in draws)
    assert overlap(draws, near) == [0] * seats
