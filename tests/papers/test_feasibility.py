"""Feasibility: each necessary condition a bank fails is reported in Chinese and English, naming the
section or rule and how many items are missing, and a draw is refused with the same report."""

from typing import Any

import pytest

from examhall.errors import Problem
from examhall.papers.assembly import Infeasible, Pool, PoolItem, assemble, feasibility
from examhall.papers.blueprint import presets
from tests.papers.pools import blueprint, item, random_items


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def tf(count: int, start: int = 1, **fields: Any) -> list[PoolItem]:
    return [item(v, "true_false", **fields) for v in range(start, start + count)]


def sc(count: int, start: int = 1000, **fields: Any) -> list[PoolItem]:
    return [item(v, "single_choice", **fields) for v in range(start, start + count)]


def test_a_section_short_of_items() -> None:
    bp = blueprint(
        [
            {"title": "判断题", "type": "true_false", "count": 5},
            {"title": "单选题", "type": "single_choice", "count": 30},
        ]
    )
    pool = Pool(tf(10) + sc(12))
    problem = only(feasibility(bp, pool))
    assert problem.code == "section_short"
    assert problem.zh == "第2部分“单选题”需要30题，题库中现行的单选题只有12题，缺18题"
    assert problem.en == "section 2 (single_choice) needs 30 items; the bank has 12 in force; 18 missing"
    assert problem.where == "sections.1"
    with pytest.raises(Infeasible) as refused:
        assemble(bp, pool, 1)
    assert refused.value.problems == [problem]
    assert refused.value.status == 422


def test_an_untitled_section_is_named_by_its_type() -> None:
    problem = only(feasibility(blueprint([{"type": "true_false", "count": 5}]), Pool(tf(2))))
    assert problem.zh == "第1部分“判断题”需要5题，题库中现行的判断题只有2题，缺3题"


def test_sections_of_one_type_short_together() -> None:
    bp = blueprint(
        [
            {"type": "single_choice", "count": 20},
            {"type": "true_false", "count": 5},
            {"type": "single_choice", "count": 15},
        ]
    )
    problem = only(feasibility(bp, Pool(tf(5) + sc(30))))
    assert problem.zh == "第1、3部分（单选题）合计需要35题，题库中现行的单选题只有30题，缺5题"
    assert problem.en == "sections 1 and 3 (single_choice) need 35 items together; the bank has 30 in force; 5 missing"


def test_a_quota_short_of_items() -> None:
    bp = blueprint([{"type": "true_false", "count": 10}], quotas=[{"category": "消防", "min": 5}])
    pool = Pool(tf(3, category="消防") + tf(20, start=100))
    problem = only(feasibility(bp, pool))
    assert problem.code == "quota_short"
    assert problem.zh == "配额分类“消防”需要至少5题，题库中判断题的现行题中符合的只有3题，缺2题"
    assert problem.en == (
        "quota category '消防' needs at least 5 items; the bank has 3 such items in force among true_false; 2 missing"
    )
    assert problem.where == "quotas.0"


def test_a_quota_the_sections_leave_too_little_room_for() -> None:
    """The bank has 20 matching items, but all single choice, and the paper takes 4 of those."""
    bp = blueprint(
        [{"type": "true_false", "count": 10}, {"type": "single_choice", "count": 4}],
        quotas=[{"knowledge_point": "防火", "exact": 6}],
    )
    pool = Pool(tf(20) + sc(20, points=("防火",)))
    problem = only(feasibility(bp, pool))
    assert problem.zh == (
        "配额知识点“防火”需要恰好6题，题库中判断题、单选题的现行题中符合的有20题，但受各部分题数所限最多只能选入4题，缺2题"
    )
    assert problem.en == (
        "quota knowledge point '防火' needs exactly 6 items; the bank has 20 such items in force among true_false "
        "and single_choice, but the sections' counts let at most 4 onto a paper; 2 missing"
    )


def test_a_quota_that_the_sections_must_exceed() -> None:
    bp = blueprint([{"type": "true_false", "count": 10}], quotas=[{"category": "电气", "max": 2}])
    pool = Pool(tf(8, category="电气") + tf(2, start=50, category="机械"))
    problem = only(feasibility(bp, pool))
    assert problem.code == "quota_excess"
    assert problem.zh == "配额分类“电气”需要至多2题，但题库中判断题不符合该配额的现行题不够，至少会选入8题符合的，多6题"
    assert "at least 8 matching items would be on the paper; 6 too many" in problem.en


def test_the_national_share_short() -> None:
    bp = blueprint(
        [{"type": "true_false", "count": 70}, {"type": "single_choice", "count": 30}],
        source={"national_min_share": "0.8"},
    )
    pool = Pool(tf(50) + tf(40, start=200, national=False) + sc(20) + sc(20, start=2000, national=False))
    problem = only(feasibility(bp, pool))
    assert problem.code == "national_short"
    assert (
        problem.zh == "国家级题目须至少占80%，即100题中至少80题，题库中判断题、单选题的现行题中国家级的只有70题，缺10题"
    )
    assert problem.en == (
        "at least 80% of the items must come from the national bank, 80 of 100; "
        "the bank has 70 such items in force among true_false and single_choice; 10 missing"
    )
    assert problem.where == "source"


def test_the_national_share_rounds_up() -> None:
    """81% of 11 items is 8.91: 9 must be national."""
    bp = blueprint([{"type": "true_false", "count": 11}], source={"national_min_share": "0.81"})
    problem = only(feasibility(bp, Pool(tf(8) + tf(10, start=100, national=False))))
    assert "即11题中至少9题" in problem.zh and "缺1题" in problem.zh


def test_a_mean_difficulty_out_of_reach() -> None:
    bp = blueprint(
        [{"type": "true_false", "count": 4}, {"type": "single_choice", "count": 2}],
        difficulty={"mean": "2.5", "tolerance": "0.5"},
    )
    pool = Pool(tf(3, difficulty=4) + tf(5, start=10, difficulty=5) + sc(4, difficulty=5))
    problem = only(feasibility(bp, pool))
    assert problem.code == "difficulty_unreachable"
    # Lowest: 4+4+4+5 and 5+5 -> 27/6 = 4.5; highest: 5 x 6.
    assert problem.zh == "难度均值须为2.5±0.5（2至3），按各部分的题型和题数，题库中现行题能组出的均值在4.50至5.00之间"
    assert problem.en == (
        "the mean difficulty must be 2.5±0.5 (2 to 3); with the sections' types and counts, "
        "the bank's items in force reach means from 4.50 to 5.00"
    )
    assert problem.where == "difficulty"


def test_a_shown_mean_never_seems_to_touch_the_target() -> None:
    """The highest reachable mean is 29/15 = 1.9333...: shown as 1.93, never rounded up towards 2."""
    bp = blueprint([{"type": "true_false", "count": 15}], difficulty={"mean": "2.5", "tolerance": "0.5"})
    pool = Pool(tf(14, difficulty=2) + tf(10, start=100, difficulty=1))
    problem = only(feasibility(bp, pool))
    assert problem.zh.endswith("均值在1.33至1.93之间")


def test_a_mean_no_paper_of_that_size_can_have() -> None:
    bp = blueprint([{"type": "true_false", "count": 3}], difficulty={"mean": "2.5", "tolerance": "0"})
    problem = only(feasibility(bp, Pool(tf(10))))
    assert problem.zh == "难度均值须为2.5±0（2.5至2.5），3题的均值不可能落在此范围内"


def test_a_difficulty_level_short() -> None:
    bp = blueprint([{"type": "true_false", "count": 10}], difficulty={"levels": {1: 5, 3: 5}})
    pool = Pool(tf(2, difficulty=1) + tf(20, start=10, difficulty=3))
    problem = only(feasibility(bp, pool))
    assert problem.code == "levels_short"
    assert problem.zh == "难度1级需要5题，题库中判断题的现行题中1级的只有2题，缺3题"
    assert (
        problem.en == "difficulty level 1 needs 5 items; the bank has 2 such items in force among true_false; 3 missing"
    )


def test_difficulty_levels_short_together() -> None:
    """Each level alone is found, but levels 1 and 2 are only among the true/false items, and the
    paper takes 5 of those."""
    bp = blueprint(
        [{"type": "true_false", "count": 5}, {"type": "single_choice", "count": 5}],
        difficulty={"levels": {1: 4, 2: 4, 3: 2}},
    )
    pool = Pool(tf(10, difficulty=1) + tf(10, start=100, difficulty=2) + sc(10, difficulty=3))
    problem = only(feasibility(bp, pool))
    assert problem.zh == (
        "难度1、2级合计需要8题，题库中判断题、单选题的现行题中这些级别的有20题，但受各部分题数所限最多只能选入5题，缺3题"
    )
    assert problem.en.startswith("difficulty levels 1 and 2 need 8 items together;")


def test_every_unmet_condition_is_reported() -> None:
    bp = blueprint(
        [{"type": "true_false", "count": 10}],
        quotas=[{"category": "消防", "exact": 3}],
        source={"national_min_share": "1"},
    )
    problems = feasibility(bp, Pool(tf(5, national=False)))
    assert [p.code for p in problems] == ["section_short", "quota_short", "national_short"]
    assert all(p.zh and p.en for p in problems)


@pytest.mark.parametrize("name", sorted(presets()))
def test_presets_are_feasible_on_a_large_bank(name: str) -> None:
    items = random_items(3, 2000, types=("true_false", "single_choice", "multiple_choice"), national=0.9)
    assert feasibility(presets()[name], Pool(items)) == []
