"""Whether a sitting's papers were equally hard: each paper's expected score is the sum over its
items of the item's points times its facility, and a paper whose expected score falls below the
mean of the sitting's other papers by more than the tolerance is flagged, with its seed, so that
an appeal can point at it. Pure: no database."""

from statistics import fmean

from examhall.oversight.measures import Sheet

TOLERANCE_SHARE = 0.03  # of the paper's marks: 3 points on a 100-point paper


def expected_scores(sheets: list[Sheet], facility: dict[int, float]) -> dict[int, float]:
    """Each attempt's paper's expected score. An item with no facility yet counts at the mean
    facility of the items that have one, so that it moves no paper either way."""
    known = [facility[m.version_id] for s in sheets for m in s.marks if m.version_id in facility]
    fallback = fmean(known) if known else 0.5
    return {s.attempt_id: sum(m.points * facility.get(m.version_id, fallback) for m in s.marks) for s in sheets}


def tolerance(sheets: list[Sheet]) -> float:
    full = max((sum(m.points for m in s.marks) for s in sheets), default=0.0)
    return TOLERANCE_SHARE * full


def harder_papers(expected: dict[int, float], allowed: float) -> set[int]:
    """The attempts whose paper was harder than the mean of the others by more than `allowed`."""
    if len(expected) < 2:
        return set()
    total = sum(expected.values())
    others = len(expected) - 1
    return {key for key, value in expected.items() if value < (total - value) / others - allowed - 1e-9}
