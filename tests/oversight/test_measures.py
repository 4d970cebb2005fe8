"""Item statistics against values worked out by hand on four candidates and three items."""

import math

import pytest

from examhall.oversight.measures import (
    Mark,
    Sheet,
    Sums,
    accumulate,
    facility,
    groups,
    option_counts,
    point_biserial,
    upper_lower,
)

# Scores (share of the paper) 1.0, 0.75, 0.5, 0.25. Item 1 is won by the two best, item 2 by
# the middle two, item 3 by the two weakest; item 4 gives half marks to everyone.
TOTALS = [1.0, 0.75, 0.5, 0.25]
WON = {1: [1, 1, 0, 0], 2: [0, 1, 1, 0], 3: [0, 0, 1, 1], 4: [0.5, 0.5, 0.5, 0.5]}
RESPONSES = {1: ["A", "A", "B", "C"], 2: ["B", "A", "A", "B"], 3: ["B", "B", "A", "A"], 4: [None] * 4}


def _sheets() -> list[Sheet]:
    return [
        Sheet(k + 1, k, y, tuple(Mark(v, float(WON[v][k]), 1.0, RESPONSES[v][k]) for v in WON))
        for k, y in enumerate(TOTALS)
    ]


def test_facility_is_the_mean_share_of_marks_won() -> None:
    sums = accumulate(_sheets())
    assert facility(sums[1]) == 0.5
    assert facility(sums[4]) == 0.5
    assert sums[1].n == 4 and sums[1].papers == 4


def test_point_biserial_matches_the_hand_computed_values() -> None:
    # Item 1: deviations of x are ±0.5, of y 0.375, 0.125, -0.125, -0.375: the sum of products
    # is 0.5, of squares 1 and 0.3125, so r = 0.5 / sqrt(0.3125) = 2 / sqrt(5).
    sums = accumulate(_sheets())
    assert point_biserial(sums[1]) == pytest.approx(2 / math.sqrt(5))
    assert point_biserial(sums[2]) == pytest.approx(0.0, abs=1e-12)
    assert point_biserial(sums[3]) == pytest.approx(-2 / math.sqrt(5))
    assert point_biserial(sums[4]) is None  # it never varies


def test_the_upper_and_lower_groups_are_27_percent_of_the_sitting() -> None:
    upper, lower = groups(_sheets())
    assert (upper, lower) == ({1}, {4})  # round(0.27 * 4) = 1 each
    sums = accumulate(_sheets())
    assert upper_lower(sums[1]) == 1.0
    assert upper_lower(sums[2]) == 0.0
    assert upper_lower(sums[3]) == -1.0


def test_sums_of_two_sittings_add_up_to_those_of_both_together() -> None:
    sheets = _sheets()
    together = accumulate(sheets)[1]
    pooled = Sums()
    for part in (sheets[:2], sheets[2:]):
        pooled.add(accumulate(part)[1])
    assert facility(pooled) == facility(together)
    assert point_biserial(pooled) == pytest.approx(point_biserial(together))


def test_option_counts_and_a_voided_attempt_counts_only_as_exposure() -> None:
    sheets = [*_sheets(), Sheet(9, 4, 0.0, (Mark(1, 0.0, 1.0, "D"),), scored=False)]
    sums = accumulate(sheets)
    assert option_counts(sums[1], 4) == [2, 1, 1, 0]
    assert sums[1].papers == 5 and sums[1].n == 4
