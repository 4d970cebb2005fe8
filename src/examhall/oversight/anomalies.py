"""Patterns in one sitting worth a look, each with the numbers it rests on: a high score in
very little time, many integrity signals, and neighbours who gave the same uncommon wrong
answers to the items they shared. Flags, never verdicts. Pure: no database."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from examhall.oversight.measures import Sheet

HIGH_SHARE = 0.90  # a score of at least 90 % of the paper's marks ...
FAST_SHARE = 0.30  # ... in at most 30 % of the time allowed
MANY_SIGNALS = 5  # integrity signals (leaving the window ...) on one attempt
RARE_SHARE = 0.20  # a wrong response given by at most 20 % of all who answered the item
SHARED_RARE = 3  # identical rare wrong responses that make a pair worth a look

FAST_HIGH, SIGNALS, SHARED_WRONG = "fast_high", "signals", "shared_wrong"


@dataclass(frozen=True)
class Timing:
    attempt_id: int
    y: float  # the score as a share of the paper's marks
    seconds: int | None  # time used
    allowed: int  # time allowed
    signals: int


@dataclass(frozen=True)
class Raised:
    kind: str
    attempt_id: int
    other_attempt_id: int | None
    evidence: dict[str, Any]


def fast_high(timings: list[Timing]) -> list[Raised]:
    return [
        Raised(FAST_HIGH, t.attempt_id, None, {"share": round(t.y, 4), "seconds": t.seconds, "allowed": t.allowed})
        for t in timings
        if t.seconds is not None and t.allowed > 0 and t.y >= HIGH_SHARE and t.seconds <= FAST_SHARE * t.allowed
    ]


def many_signals(timings: list[Timing]) -> list[Raised]:
    return [Raised(SIGNALS, t.attempt_id, None, {"signals": t.signals}) for t in timings if t.signals >= MANY_SIGNALS]


def shared_rare_wrong(
    sheets: list[Sheet],
    neighbours: dict[int, set[int]],
    keys: dict[int, str],
    share: Callable[[int, str], float],
) -> list[Raised]:
    """Pairs of neighbouring attempts with at least SHARED_RARE identical wrong responses, each
    given by at most RARE_SHARE of those who answered the item. `keys` holds each compared
    item's correct response; `share` how common a response to an item is."""
    wrong: dict[int, dict[int, str]] = {}
    for sheet in sheets:
        if sheet.scored:
            wrong[sheet.attempt_id] = {
                m.version_id: m.response
                for m in sheet.marks
                if m.response and m.version_id in keys and m.response != keys[m.version_id]
            }
    found = []
    for first in sorted(wrong):
        for second in sorted(neighbours.get(first, set())):
            if second <= first or second not in wrong:
                continue
            same = sorted(
                (version, response)
                for version, response in wrong[first].items()
                if wrong[second].get(version) == response and share(version, response) <= RARE_SHARE
            )
            if len(same) >= SHARED_RARE:
                items = [[version, response, round(share(version, response), 4)] for version, response in same]
                found.append(Raised(SHARED_WRONG, first, second, {"items": items}))
    return found
