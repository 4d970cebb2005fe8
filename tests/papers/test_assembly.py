"""Assembly: every paper meets every rule of its blueprint or the draw is refused, the same seed
gives the same paper, options move only where they may, and check() finds what a paper breaks."""

import random
import time
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from examhall.papers import chance
from examhall.papers.assembly import (
    Choice,
    Draw,
    Infeasible,
    Pool,
    PoolItem,
    assemble,
    check,
    draw_sitting,
    feasibility,
    mean_difficulty,
)
from examhall.papers.blueprint import Blueprint, presets
from tests.papers.pools import blueprint, blueprints, broken, item, planted, random_items, shuffled

PROPERTY = settings(
    max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def draw_or_refusal(bp: Blueprint, items: list[PoolItem], seed: int) -> Draw | Infeasible:
    try:
        return assemble(bp, Pool(items), seed)
    except Infeasible as refusal:
        return refusal


@PROPERTY
@given(blueprints(), st.integers(0, 10**6), st.integers(0, 160), st.integers(0, 2**62))
def test_a_paper_meets_every_rule_or_the_draw_is_refused(bp: Blueprint, pool_seed: int, size: int, seed: int) -> None:
    items = random_items(pool_seed, size)
    pool = Pool(items)
    made = draw_or_refusal(bp, items, seed)
    if isinstance(made, Draw):
        event("drawn")
        assert check(bp, pool, made) == []
        assert broken(bp, items, made) == []
        assert made.seed == seed
    else:
        found = feasibility(bp, pool)
        event("refused: " + ("feasibility" if found else "search"))
        assert made.problems
        # Either the necessary conditions fail, and the refusal says which, or they all hold and the
        # refusal names the rules the search could not meet together.
        assert made.problems == found or (not found and {p.code for p in made.problems} == {"unmet"})
        assert all(p.zh and p.en and p.where for p in made.problems)


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(st.integers(0, 10**6), st.integers(10, 140), st.data())
def test_a_blueprint_some_paper_meets_is_always_drawn(pool_seed: int, size: int, data: st.DataObject) -> None:
    """A planted paper meets the blueprint, so feasibility() finds nothing and the search finds a paper."""
    items = random_items(pool_seed, size)
    rng = random.Random(pool_seed)
    bp, _ = planted(items, rng, data.draw(st.integers(1, min(size, 40))))
    pool = Pool(items)
    assert feasibility(bp, pool) == []
    made = assemble(bp, pool, data.draw(st.integers(0, 2**32)))
    assert check(bp, pool, made) == []
    assert broken(bp, items, made) == []


@PROPERTY
@given(blueprints(), st.integers(0, 10**6), st.integers(0, 2**62))
def test_the_same_seed_gives_the_same_paper_whatever_order_the_pool_comes_in(
    bp: Blueprint, pool_seed: int, seed: int
) -> None:
    items = random_items(pool_seed, 120)
    first = draw_or_refusal(bp, items, seed)
    again = draw_or_refusal(bp, items, seed)
    reordered = draw_or_refusal(bp, shuffled(items, pool_seed), seed)
    if isinstance(first, Draw):
        assert first == again == reordered
    else:
        assert isinstance(again, Infeasible)
        assert isinstance(reordered, Infeasible)
        assert first.problems == again.problems == reordered.problems


@PROPERTY
@given(
    st.lists(st.sampled_from(["true_false", "single_choice", "multiple_choice"]), min_size=1, max_size=3),
    st.integers(1, 10),
    st.integers(0, 10**6),
)
def test_different_seeds_give_different_papers_when_the_pool_allows(
    types: list[str], count: int, pool_seed: int
) -> None:
    bp = blueprint([{"type": t, "count": count} for t in types])
    # Enough of every type for many different papers.
    items = random_items(pool_seed, 40 * count, types=tuple(types)) + [
        item(100_000 + n, t) for n, t in enumerate(types * count * 2)
    ]
    pool = Pool(items)
    papers = {frozenset(c.version_id for c in assemble(bp, pool, seed).choices) for seed in range(5)}
    assert len(papers) > 1


def test_a_paper_is_a_random_choice_among_the_items_of_its_type() -> None:
    """Over many seeds, every item of a small pool turns up, and none far more than others."""
    items = [item(v) for v in range(1, 21)]
    bp = blueprint([{"type": "true_false", "count": 5}])
    pool = Pool(items)
    counts = dict.fromkeys(range(1, 21), 0)
    for seed in range(400):
        for c in assemble(bp, pool, seed).choices:
            counts[c.version_id] += 1
    assert min(counts.values()) > 50
    assert max(counts.values()) < 150  # 100 expected each


def test_fixed_options_stay_in_place_and_the_others_move() -> None:
    items = [item(v, "single_choice", options=5, fixed=(4,)) for v in range(1, 11)]
    items += [item(v, "multiple_choice", options=4, fixed=(0, 3)) for v in range(11, 21)]
    bp = blueprint([{"type": "single_choice", "count": 10}, {"type": "multiple_choice", "count": 10}])
    pool = Pool(items)
    orders: dict[int, set[tuple[int, ...]]] = {}
    for seed in range(30):
        for c in assemble(bp, pool, seed).choices:
            orders.setdefault(c.version_id, set()).add(c.options)
    for v, seen in orders.items():
        for options in seen:
            if v <= 10:
                assert options[4] == 4 and sorted(options) == [0, 1, 2, 3, 4]
            else:
                assert options[0] == 0 and options[3] == 3 and sorted(options) == [0, 1, 2, 3]
    assert all(len(seen) > 1 for seen in orders.values())


def test_options_keep_their_order_unless_the_blueprint_shuffles_them() -> None:
    items = [item(v, "single_choice") for v in range(1, 6)] + [item(v, "true_false") for v in range(6, 11)]
    bp = blueprint(
        [{"type": "single_choice", "count": 5}, {"type": "true_false", "count": 5}],
        shuffle_options=False,
        shuffle_items=False,
    )
    made = assemble(bp, Pool(items), 7)
    assert [c.options for c in made.choices] == [(0, 1, 2, 3)] * 5 + [()] * 5
    assert [c.version_id for c in made.choices] == list(range(1, 11))  # unshuffled: in version order


def test_sections_come_in_blueprint_order_and_share_a_type_without_sharing_items() -> None:
    items = [item(v, "single_choice") for v in range(1, 31)] + [item(v, "true_false") for v in range(31, 41)]
    bp = blueprint(
        [
            {"type": "single_choice", "count": 10},
            {"type": "true_false", "count": 10},
            {"type": "single_choice", "count": 5},
        ]
    )
    made = assemble(bp, Pool(items), 3)
    assert [c.section for c in made.choices] == [0] * 10 + [1] * 10 + [2] * 5
    assert len({c.version_id for c in made.choices}) == 25


def test_a_paper_meets_rules_that_pull_against_each_other() -> None:
    """Hard papers are mostly provincial and easy ones national; the blueprint wants a hard paper,
    mostly national, with an exact quota of a rare category."""
    rng = random.Random(5)
    items = []
    for v in range(1, 601):
        hard = rng.random() < 0.5
        items.append(
            item(
                v,
                rng.choice(["true_false", "single_choice"]),
                difficulty=rng.choice([4, 5]) if hard else rng.choice([1, 2]),
                national=rng.random() < (0.2 if hard else 0.95),
                category="消防" if rng.random() < 0.05 else "电气",
            )
        )
    bp = blueprint(
        [{"type": "true_false", "count": 40}, {"type": "single_choice", "count": 30}],
        quotas=[{"category": "消防", "exact": 9}],
        difficulty={"mean": "3.3", "tolerance": "0.1"},
        source={"national_min_share": "0.6"},
    )
    pool = Pool(items)
    for seed in range(10):
        made = assemble(bp, pool, seed)
        assert check(bp, pool, made) == []
        assert broken(bp, items, made) == []
        assert Decimal("3.2") <= mean_difficulty(pool, made) <= Decimal("3.4")


def test_rules_that_cannot_hold_together_are_refused_by_name_after_a_bounded_search() -> None:
    """Each rule alone can be met: the 电气 items are all provincial, and 6 of 10 must be 电气
    while half must be national."""
    items = [item(v, category="电气", national=False) for v in range(1, 11)]
    items += [item(v, category="机械", national=True) for v in range(11, 21)]
    bp = blueprint(
        [{"type": "true_false", "count": 10}],
        quotas=[{"category": "电气", "min": 6}],
        source={"national_min_share": "0.5"},
    )
    pool = Pool(items)
    assert feasibility(bp, pool) == []
    started = time.perf_counter()
    with pytest.raises(Infeasible) as refused:
        assemble(bp, pool, 1)
    assert time.perf_counter() - started < 2
    problems = refused.value.problems
    assert problems and {p.code for p in problems} == {"unmet"}
    assert {p.where for p in problems} <= {"quotas.0", "source"}
    assert all("与其他条件无法同时满足" in p.zh and "could not be met together" in p.en for p in problems)


def test_mean_difficulty_is_exact() -> None:
    items = [item(1, difficulty=1), item(2, difficulty=2), item(3, difficulty=2)]
    made = assemble(blueprint([{"type": "true_false", "count": 3}]), Pool(items), 0)
    assert mean_difficulty(Pool(items), made) == Decimal(5) / 3


def test_a_pool_refuses_the_same_version_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        Pool([item(1), item(1)])


@pytest.mark.parametrize("name", sorted(presets()))
def test_presets_draw_valid_papers_from_a_large_pool(name: str) -> None:
    bp = presets()[name]
    items = random_items(11, 3000, types=("true_false", "single_choice", "multiple_choice"), national=0.85)
    pool = Pool(items)
    assert len(pool) == 3000
    for seed in range(20):
        made = assemble(bp, pool, seed)
        assert check(bp, pool, made) == []
        assert broken(bp, items, made) == []


# --- check() -------------------------------------------------------------------------------------


@pytest.fixture
def valid() -> tuple[Blueprint, Pool, Draw]:
    items = [item(v, "single_choice", options=4, fixed=(3,)) for v in range(1, 11)]
    items += [item(v, "true_false", category="机械") for v in range(11, 21)]
    bp = blueprint(
        [{"type": "single_choice", "count": 3}, {"type": "true_false", "count": 3}],
        quotas=[{"category": "机械", "exact": 3}],
    )
    pool = Pool(items)
    return bp, pool, assemble(bp, pool, 42)


def codes(bp: Blueprint, pool: Pool, choices: list[Choice]) -> set[str]:
    return {p.code for p in check(bp, pool, Draw(0, tuple(choices)))}


def test_check_passes_a_valid_paper(valid: tuple[Blueprint, Pool, Draw]) -> None:
    assert check(*valid) == []


def test_check_finds_a_repeated_or_missing_item(valid: tuple[Blueprint, Pool, Draw]) -> None:
    bp, pool, made = valid
    choices = list(made.choices)
    assert codes(bp, pool, [*choices[:4], choices[3], *choices[5:]]) >= {"repeated_item", "rule_broken"}
    assert codes(bp, pool, choices[:-1]) == {"section_count", "rule_broken"}
    assert codes(bp, pool, [*choices[:-1], replace(choices[-1], version_id=999)]) == {"not_in_pool", "rule_broken"}


def test_check_finds_a_wrong_type_or_order(valid: tuple[Blueprint, Pool, Draw]) -> None:
    bp, pool, made = valid
    choices = list(made.choices)
    assert "wrong_type" in codes(bp, pool, [replace(choices[0], version_id=20), *choices[1:]])
    assert "out_of_order" in codes(bp, pool, choices[3:] + choices[:3])
    assert "no_such_section" in codes(bp, pool, [*choices[:-1], replace(choices[-1], section=5)])


def test_check_finds_options_that_moved_wrongly(valid: tuple[Blueprint, Pool, Draw]) -> None:
    bp, pool, made = valid
    choices = list(made.choices)
    first = choices[0]
    moved = replace(first, options=(3, *[o for o in first.options if o != 3]))
    assert codes(bp, pool, [moved, *choices[1:]]) == {"bad_options"}
    assert codes(bp, pool, [replace(first, options=(0, 1, 2)), *choices[1:]]) == {"bad_options"}
    assert codes(bp, pool, [replace(first, options=(0, 0, 1, 3)), *choices[1:]]) == {"bad_options"}
    assert codes(bp, pool, [*choices[:-1], replace(choices[-1], options=(0, 1))]) == {"bad_options"}
    problem = check(bp, pool, Draw(0, (moved, *choices[1:])))[0]
    assert problem.where == "第1题" and problem.where_en == "item 1"


def test_check_finds_a_broken_quota(valid: tuple[Blueprint, Pool, Draw]) -> None:
    _, pool, made = valid
    strict = blueprint(
        [{"type": "single_choice", "count": 3}, {"type": "true_false", "count": 3}],
        quotas=[{"category": "机械", "max": 2}],
    )
    problems = check(strict, pool, made)
    assert [(p.code, p.where) for p in problems] == [("rule_broken", "quotas.0")]
    assert problems[0].zh == "配额分类“机械”需要至多2题，试卷中为3题"
    assert problems[0].en == "quota category '机械' needs at most 2 items; the paper has 3"


def test_a_stored_paper_is_drawn_again_the_same_by_later_versions() -> None:
    """Stored papers are rebuilt on appeal from their seeds: a change to how papers are drawn must
    not change this paper (and so any other) without a decision to give up rebuilding old ones."""
    items = random_items(2024, 60, types=("true_false", "single_choice", "multiple_choice"))
    bp = blueprint(
        [
            {"type": "true_false", "count": 4},
            {"type": "single_choice", "count": 3},
            {"type": "multiple_choice", "count": 2},
        ],
        quotas=[{"category": "电气", "min": 3}],
        difficulty={"mean": "2.8", "tolerance": "0.4"},
        source={"national_min_share": "0.7"},
    )
    made = assemble(bp, Pool(items), 20240601)
    assert [(c.version_id, c.section, c.options) for c in made.choices] == [
        (28, 0, ()),
        (53, 0, ()),
        (17, 0, ()),
        (54, 0, ()),
        (52, 1, (0, 1, 2)),
        (34, 1, (3, 5, 0, 1, 4, 2)),
        (26, 1, (0, 1)),
        (16, 2, (0, 1)),
        (8, 2, (0, 1)),
    ]
    sitting = draw_sitting(bp, Pool(items), [1, 2, 3], [[1], [0, 2], [1]], [set(), set(), set()])
    assert [[c.version_id for c in paper.choices] for paper in sitting] == [
        [54, 20, 49, 17, 1, 34, 44, 4, 42],
        [60, 46, 59, 12, 26, 6, 36, 15, 16],
        [47, 31, 11, 25, 52, 56, 9, 45, 24],
    ]


@given(st.integers(0, 2**32), st.integers(0, 60), st.data())
@settings(max_examples=100, deadline=None, derandomize=True, database=None)
def test_shuffles_and_samples_are_orders_and_subsets(seed: int, n: int, data: st.DataObject) -> None:
    rng = random.Random(seed)
    items = list(range(n))
    chance.shuffle(rng, items)
    assert sorted(items) == list(range(n))
    k = data.draw(st.integers(0, n))
    picked = chance.sample(rng, range(100, 100 + n), k)
    assert len(picked) == len(set(picked)) == k and all(100 <= v < 100 + n for v in picked)
