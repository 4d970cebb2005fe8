"""The arithmetic, by worked examples: trimmed and plain means (ties at the top and bottom), the
disagreement test, marks against a rubric, weights and gates, and months of validity."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from examhall.assessments.scoring import (
    Criterion,
    PartScore,
    add_months,
    aggregate,
    composite,
    disagrees,
    last_valid_day,
    read_marks,
    spread,
    valid_on,
)


def d(*values: str | int) -> list[Decimal]:
    return [Decimal(v) for v in values]


def test_five_judges_drop_one_highest_and_one_lowest_even_when_tied() -> None:
    # 90, 90, 80, 70, 70: one 90 and one 70 go; (90 + 80 + 70) / 3 = 80
    assert aggregate(d(90, 90, 80, 70, 70)) == Decimal("80.00")
    assert aggregate(d(70, 90, 80, 90, 70)) == Decimal("80.00")  # the order given does not matter
    # all five tied: one of each end goes, the mean of the rest is the same
    assert aggregate(d(85, 85, 85, 85, 85)) == Decimal("85.00")


def test_three_or_four_judges_give_the_plain_mean() -> None:
    assert aggregate(d(90, 80, 70)) == Decimal("80.00")
    assert aggregate(d(90, 80, 70, 61)) == Decimal("75.25")  # nothing dropped with 4
    assert aggregate(d("88.5", "80", "76")) == Decimal("81.50")


def test_seven_judges_still_drop_only_one_at_each_end() -> None:
    # 95 and 60 go; (90 + 85 + 80 + 75 + 70) / 5 = 80
    assert aggregate(d(95, 90, 85, 80, 75, 70, 60)) == Decimal("80.00")


def test_the_plain_mean_can_be_chosen_for_any_panel() -> None:
    assert aggregate(d(90, 90, 80, 70, 70), "mean") == Decimal("80.00")
    assert aggregate(d(100, 80, 80, 80, 60), "mean") == Decimal("80.00")
    assert aggregate(d(100, 90, 80, 80, 40), "mean") == Decimal("78.00")
    assert aggregate(d(100, 90, 80, 80, 40), "trimmed") == Decimal("83.33")


def test_means_round_half_up_to_the_cent() -> None:
    assert aggregate(d(80, 80, "80.5")) == Decimal("80.17")  # 240.5 / 3 = 80.1666...
    assert aggregate(d("80.5", "80.5", 80)) == Decimal("80.33")
    assert aggregate(d(1, 0, 0, 0)) == Decimal("0.25")
    assert aggregate(d("0.5", 0, 0, 0, 0, 0)) == Decimal("0.00")  # trimmed: 0.5 goes with the top


def test_aggregate_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        aggregate([])
    with pytest.raises(ValueError):
        aggregate(d(1, 2, 3), "median")


@given(st.lists(st.integers(min_value=0, max_value=200), min_size=3, max_size=7), st.randoms())
def test_an_aggregate_lies_between_the_lowest_and_highest_and_ignores_order(halves: list[int], rng: object) -> None:
    totals = [Decimal(h) / 2 for h in halves]
    shuffled = totals[:]
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    for rule in ("trimmed", "mean"):
        assert min(totals) <= aggregate(totals, rule) <= max(totals)
        assert aggregate(totals, rule) == aggregate(shuffled, rule)


def test_disagreement_is_a_spread_greater_than_the_threshold() -> None:
    assert spread(d(90, 75, 80)) == Decimal(15)
    assert not disagrees(d(90, 75, 80), Decimal(15))  # equal to the threshold: no flag
    assert disagrees(d("90.5", 75, 80), Decimal(15))
    assert disagrees(d(90, 90, 80, 70, 70), Decimal(15))  # the spread counts every judge, trimmed or not


LECTURE = [
    Criterion("accuracy", "内容准确", Decimal(30)),
    Criterion("practice", "联系实际", Decimal(20)),
    Criterion("timing", "时间控制", Decimal(10)),
]


def test_marks_are_checked_against_each_criterion_and_named() -> None:
    marks, problems = read_marks(LECTURE, {"accuracy": "27.5", "practice": 18, "timing": "10.0"})
    assert problems == []
    assert marks == {"accuracy": Decimal("27.5"), "practice": Decimal(18), "timing": Decimal(10)}
    assert [str(m) for m in marks.values()] == ["27.5", "18", "10"]

    _, problems = read_marks(
        LECTURE, {"accuracy": "31", "practice": "17.3", "timing": "", "delivery": "5", "extra": "x"}
    )
    found = {(p.code, p.where) for p in problems}
    assert found == {
        ("mark_out_of_range", "accuracy"),
        ("mark_step", "practice"),
        ("mark_missing", "timing"),
        ("unknown_criterion", "delivery"),
        ("unknown_criterion", "extra"),
    }
    assert any("满分" not in p.zh and "0到30" in p.zh for p in problems)

    _, problems = read_marks(LECTURE, {"accuracy": "-1", "practice": "NaN", "timing": "abc"})
    assert [p.code for p in problems] == ["mark_out_of_range", "mark_not_number", "mark_not_number"]
    marks, problems = read_marks(LECTURE, {"accuracy": "-0", "practice": "0", "timing": "0.50"})
    assert problems == [] and [str(m) for m in marks.values()] == ["0", "0", "0.5"]


def part(key: str, score: str | None, weight: int, gate: int | None, top: int = 100) -> PartScore:
    return PartScore(
        key,
        {"exam": "计算机考试", "lecture": "试讲"}.get(key, key),
        Decimal(top),
        Decimal(weight),
        None if gate is None else Decimal(gate),
        None if score is None else Decimal(score),
    )


def test_the_teacher_assessment_weights_40_60_with_gates_80_and_70() -> None:
    # 85 × 40% + 78 × 60% = 34 + 46.8 = 80.80; both gates met
    passed = composite([part("exam", "85", 40, 80), part("lecture", "78", 60, 70)])
    assert (passed.score, passed.passed, passed.reasons) == (Decimal("80.80"), True, [])
    # 90 × 40% + 66 × 60% = 75.60: a good composite, but the lecture is under its gate
    gated = composite([part("exam", "90", 40, 80), part("lecture", "66", 60, 70)])
    assert gated.score == Decimal("75.60") and not gated.passed
    assert gated.reason == "试讲66分，未达到70分"
    # both gates missed: both reasons
    both = composite([part("exam", "79.5", 40, 80), part("lecture", "69.99", 60, 70)])
    assert both.reasons == ["计算机考试79.5分，未达到80分", "试讲69.99分，未达到70分"]
    # exactly at the gate passes
    assert composite([part("exam", "80", 40, 80), part("lecture", "70", 60, 70)]).passed


def test_a_composite_pass_mark_and_a_part_on_its_own_scale() -> None:
    # a rubric out of 50 counts as a percentage: 40/50 = 80% → 80 × 50% = 40; 70 × 50% = 35 → 75
    parts = [part("exam", "70", 50, None), part("lecture", "40", 50, None, top=50)]
    assert composite(parts).score == Decimal("75.00")
    refused = composite(parts, pass_mark=Decimal(80))
    assert not refused.passed and refused.reason == "综合成绩75.00分，未达到80分"
    assert composite(parts, pass_mark=Decimal(75)).passed


def test_special_operations_the_knowledge_exam_gates_and_the_practical_decides() -> None:
    # knowledge weight 0, gate 80; K1-K4 weighted 20/40/20/20, passing at 80
    practical = [part("K1", "90", 20, None), part("K2", "75", 40, None), part("K3", "85", 20, None)]
    practical.append(part("K4", "80", 20, None))
    ok = composite([part("knowledge", "82", 0, 80), *practical], pass_mark=Decimal(80))
    assert ok.score == Decimal("81.00") and ok.passed  # 18 + 30 + 17 + 16
    failed = composite([part("knowledge", "78", 0, 80), *practical], pass_mark=Decimal(80))
    assert not failed.passed and failed.reasons == ["knowledge78分，未达到80分"]


def test_a_part_without_a_score_fails_with_why() -> None:
    missing = composite(
        [
            PartScore("exam", "计算机考试", Decimal(100), Decimal(40), Decimal(80), None, "没有已发布的考试成绩"),
            part("lecture", "90", 60, 70),
        ]
    )
    assert missing.score is None and not missing.passed
    assert missing.reason == "计算机考试无有效成绩（没有已发布的考试成绩）"


def test_months_of_validity() -> None:
    assert add_months(date(2025, 3, 10), 12) == date(2026, 3, 10)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    passed = date(2025, 3, 10)
    assert valid_on(passed, 12, add_months(passed, 11))  # 11 months later: valid
    assert valid_on(passed, 12, date(2026, 3, 9))  # the last day
    assert not valid_on(passed, 12, date(2026, 3, 10))  # 12 months to the day: no longer
    assert not valid_on(passed, 12, add_months(passed, 13))
    assert last_valid_day(date(2026, 12, 5), 36) == date(2029, 12, 4)
