"""Planted patterns are flagged and clean ones are not: a harder paper, a fast high score, and
neighbours sharing rare wrong answers."""

from examhall.oversight import anomalies, fairness
from examhall.oversight.measures import Mark, Sheet, accumulate

FACILITY = {1: 0.9, 2: 0.9, 3: 0.5, 4: 0.9}


def _paper(attempt: int, versions: list[int]) -> Sheet:
    return Sheet(attempt, attempt, 0.8, tuple(Mark(v, 1.0, 50.0) for v in versions))


def test_a_paper_harder_beyond_the_tolerance_is_flagged_and_an_equal_one_is_not() -> None:
    sheets = [_paper(1, [1, 2]), _paper(2, [1, 4]), _paper(3, [1, 3])]
    expected = fairness.expected_scores(sheets, FACILITY)
    assert expected == {1: 90.0, 2: 90.0, 3: 70.0}  # 50 * 0.9 + 50 * 0.5 = 70
    assert fairness.tolerance(sheets) == 3.0  # 3 % of 100 points
    assert fairness.harder_papers(expected, 3.0) == {3}  # 70 < 90 - 3; 90 > 80 - 3


def test_equal_papers_and_a_difference_within_the_tolerance_flag_nothing() -> None:
    equal = fairness.expected_scores([_paper(1, [1, 2]), _paper(2, [1, 4]), _paper(3, [2, 4])], FACILITY)
    assert fairness.harder_papers(equal, 3.0) == set()
    assert fairness.harder_papers({1: 90.0, 2: 90.0, 3: 87.5}, 3.0) == set()  # 2.5 below: within


def test_an_item_without_facility_counts_at_the_mean_of_the_known_ones() -> None:
    expected = fairness.expected_scores([_paper(1, [1, 99])], {1: 0.6})
    assert expected == {1: 60.0}


def test_a_fast_high_score_is_flagged_with_its_numbers() -> None:
    timings = [
        anomalies.Timing(1, 0.95, 1500, 7200, 0),  # 95 % in 25 minutes of 120
        anomalies.Timing(2, 0.95, 3000, 7200, 0),  # high, but not fast
        anomalies.Timing(3, 0.80, 1000, 7200, 0),  # fast, but not high
        anomalies.Timing(4, 0.99, None, 7200, 9),  # never submitted by itself; many signals
    ]
    raised = anomalies.fast_high(timings)
    assert [(r.attempt_id, r.evidence) for r in raised] == [(1, {"share": 0.95, "seconds": 1500, "allowed": 7200})]
    assert [r.attempt_id for r in anomalies.many_signals(timings)] == [4]


def _room(shared: dict[int, list[int]]) -> list[Sheet]:
    """Ten candidates in a row on the same four items keyed A; `shared` gives attempts who
    answered C to the listed items."""
    return [
        Sheet(
            k,
            k,
            0.5,
            tuple(
                Mark(v, 0.0 if v in shared.get(k, []) else 1.0, 1.0, "C" if v in shared.get(k, []) else "A")
                for v in range(1, 5)
            ),
        )
        for k in range(1, 11)
    ]


def _flags(sheets: list[Sheet]) -> list[anomalies.Raised]:
    sums = accumulate(sheets)
    neighbours = {k: {k - 1, k + 1} for k in range(1, 11)}

    def share(version: int, response: str) -> float:
        counts = sums[version].responses
        return counts[response] / sum(counts.values())

    return anomalies.shared_rare_wrong(sheets, neighbours, dict.fromkeys(range(1, 5), "A"), share)


def test_neighbours_with_the_same_rare_wrong_answers_are_flagged() -> None:
    raised = _flags(_room({4: [1, 2, 3], 5: [1, 2, 3]}))
    assert len(raised) == 1
    flag = raised[0]
    assert (flag.kind, flag.attempt_id, flag.other_attempt_id) == ("shared_wrong", 4, 5)
    assert flag.evidence["items"] == [[1, "C", 0.2], [2, "C", 0.2], [3, "C", 0.2]]  # 2 of 10 answered C


def test_a_clean_sitting_flags_nothing() -> None:
    clean = _room({})
    assert _flags(clean) == []
    timings = [anomalies.Timing(s.attempt_id, s.y, 5400, 7200, 1) for s in clean]
    assert anomalies.fast_high(timings) == [] and anomalies.many_signals(timings) == []


def test_too_few_shared_answers_or_seats_apart_flag_nothing() -> None:
    assert _flags(_room({4: [1, 2], 5: [1, 2]})) == []  # two are not enough
    assert _flags(_room({2: [1, 2, 3], 8: [1, 2, 3]})) == []  # not neighbours
