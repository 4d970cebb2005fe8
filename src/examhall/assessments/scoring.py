"""The arithmetic of judged assessments, free of the database: marks checked against a rubric,
the panel's totals aggregated (trimmed or plain mean), the disagreement test, the composite with
its weights and gates, and the month arithmetic of validity."""

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from examhall.errors import Problem

CENT = Decimal("0.01")
STEP = Decimal("0.5")  # judges mark in half points
TRIM_FROM = 5  # with this many judges or more, the highest and the lowest total are dropped
AGGREGATIONS = {"trimmed": "去掉一个最高分和一个最低分后取平均（5名及以上评委）", "mean": "取平均"}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> Decimal:
    """12.50 as 12.5, 30.0 as 30, -0 as 0: how marks are stored and shown."""
    return Decimal(format(value.normalize(), "f")) + 0


def aggregate(totals: Sequence[Decimal], rule: str = "trimmed") -> Decimal:
    """The part's score from the judges' totals. `trimmed`: with 5 or more judges, one highest
    and one lowest total are dropped (one each, however many tie) and the rest averaged; with 3
    or 4, the plain mean. `mean`: always the plain mean. Rounded half up to 0.01."""
    if not totals:
        raise ValueError("no totals to aggregate")
    if rule not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {rule!r}")
    kept = sorted(totals)
    if rule == "trimmed" and len(kept) >= TRIM_FROM:
        kept = kept[1:-1]
    return cents(sum(kept, Decimal(0)) / len(kept))


def spread(totals: Sequence[Decimal]) -> Decimal:
    return max(totals) - min(totals)


def disagrees(totals: Sequence[Decimal], threshold: Decimal) -> bool:
    """Whether the spread between the judges' totals passes the threshold (is greater than it)."""
    return spread(totals) > threshold


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    max: Decimal
    descriptor: str = ""


def read_marks(criteria: Sequence[Criterion], given: Mapping[str, object]) -> tuple[dict[str, Decimal], list[Problem]]:
    """A mark for every criterion, each from 0 to its maximum in steps of 0.5; problems name the
    criterion. Marks for criteria the rubric does not have are refused too."""
    marks: dict[str, Decimal] = {}
    problems: list[Problem] = []
    for criterion in criteria:
        raw = given.get(criterion.key)
        text = str(raw).strip() if raw is not None else ""
        where = criterion.key
        if not text:
            problems.append(
                Problem("mark_missing", f"“{criterion.name}”未评分", f"no mark for '{criterion.key}'", where)
            )
            continue
        try:
            mark = Decimal(text)
        except InvalidOperation:
            mark = Decimal("NaN")
        if not mark.is_finite():
            problems.append(
                Problem("mark_not_number", f"“{criterion.name}”的分数应为数字", "the mark is not a number", where)
            )
        elif mark < 0 or mark > criterion.max:
            problems.append(
                Problem(
                    "mark_out_of_range",
                    f"“{criterion.name}”的分数应在0到{criterion.max}之间，现为{text}",
                    f"the mark must be 0 to {criterion.max}; got {text}",
                    where,
                )
            )
        elif mark % STEP != 0:
            problems.append(
                Problem(
                    "mark_step",
                    f"“{criterion.name}”的分数以0.5分为单位，现为{text}",
                    f"marks go in steps of 0.5; got {text}",
                    where,
                )
            )
        else:
            marks[criterion.key] = plain(mark)
    known = {c.key for c in criteria}
    for key in sorted(set(given) - known):
        problems.append(Problem("unknown_criterion", "评分表中没有此项", "the rubric has no such criterion", key))
    return marks, problems


def total(marks: Mapping[str, Decimal]) -> Decimal:
    return cents(sum(marks.values(), Decimal(0)))


@dataclass(frozen=True)
class PartScore:
    """One part's outcome for a candidate, on the part's own scale (0 to `max`)."""

    key: str
    name: str
    max: Decimal
    weight: Decimal
    pass_mark: Decimal | None
    score: Decimal | None  # None: no valid score (absent, not published, expired, voided)
    note: str = ""  # why there is no score, or where it came from


@dataclass
class Verdict:
    score: Decimal | None
    passed: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


def weighted(part: PartScore) -> Decimal:
    """The part's contribution to the composite: its score as a percentage of its maximum, times
    its weight (a percentage)."""
    assert part.score is not None
    return part.score * part.weight / part.max


def composite(parts: Sequence[PartScore], *, pass_mark: Decimal | None = None) -> Verdict:
    """Pass or fail with the reasons. Every part must have a score and reach its own pass mark
    (its gate); the composite (weights summing to 100) must reach the plan's pass mark, if any."""
    reasons: list[str] = []
    for part in parts:
        if part.score is None:
            reasons.append(f"{part.name}无有效成绩" + (f"（{part.note}）" if part.note else ""))
        elif part.pass_mark is not None and part.score < part.pass_mark:
            reasons.append(f"{part.name}{part.score}分，未达到{part.pass_mark}分")
    if any(part.score is None for part in parts):
        return Verdict(None, False, reasons)
    score = cents(sum((weighted(part) for part in parts), Decimal(0)))
    if pass_mark is not None and score < pass_mark:
        reasons.append(f"综合成绩{score}分，未达到{pass_mark}分")
    return Verdict(score, not reasons, reasons)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_on(passed_on: date, months: int, on: date) -> bool:
    """A result from `passed_on` counts for `months` months: on the days before the same date
    `months` later."""
    return on < add_months(passed_on, months)


def last_valid_day(passed_on: date, months: int) -> date:
    return add_months(passed_on, months) - timedelta(days=1)
