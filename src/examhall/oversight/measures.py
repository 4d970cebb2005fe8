"""The statistics of classical item analysis, from sums that add up sitting by sitting: facility
(the mean share of an item's marks won), the point-biserial correlation of the item with the
paper's score, and the difference between the upper and lower 27 % groups. Pure: no database."""

import math
from collections import Counter
from dataclasses import dataclass, field

GROUP_SHARE = 0.27  # the upper and lower groups (Kelley): each 27 % of a sitting's candidates


@dataclass(frozen=True)
class Mark:
    """One item of one attempt: the share of the item's marks won (x), and the response in the
    item's own option order (None where responses are not compared, "" for no response)."""

    version_id: int
    x: float
    points: float
    response: str | None = None


@dataclass(frozen=True)
class Sheet:
    """One attempt sat: its items, its score as a share of the paper's marks (y) and its seat.
    A voided attempt was seen (exposure) but is not scored."""

    attempt_id: int
    seat_index: int
    y: float
    marks: tuple[Mark, ...]
    scored: bool = True


@dataclass
class Sums:
    papers: int = 0
    n: int = 0
    sum_x: float = 0.0
    sum_xx: float = 0.0
    sum_y: float = 0.0
    sum_yy: float = 0.0
    sum_xy: float = 0.0
    upper_n: int = 0
    upper_x: float = 0.0
    lower_n: int = 0
    lower_x: float = 0.0
    responses: Counter[str] = field(default_factory=Counter)

    def add(self, other: "Sums") -> None:
        for name in ("papers", "n", "upper_n", "lower_n"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("sum_x", "sum_xx", "sum_y", "sum_yy", "sum_xy", "upper_x", "lower_x"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.responses.update(other.responses)


def groups(sheets: list[Sheet]) -> tuple[set[int], set[int]]:
    """The attempt ids of the upper and lower 27 % of scored sheets by score (none below 4)."""
    ranked = sorted((s for s in sheets if s.scored), key=lambda s: (s.y, s.attempt_id))
    size = round(GROUP_SHARE * len(ranked)) if len(ranked) >= 4 else 0
    if size == 0:
        return set(), set()
    return {s.attempt_id for s in ranked[-size:]}, {s.attempt_id for s in ranked[:size]}


def accumulate(sheets: list[Sheet]) -> dict[int, Sums]:
    """The sums one sitting adds, per item version."""
    upper, lower = groups(sheets)
    found: dict[int, Sums] = {}
    for sheet in sheets:
        for mark in sheet.marks:
            sums = found.setdefault(mark.version_id, Sums())
            sums.papers += 1
            if not sheet.scored:
                continue
            sums.n += 1
            sums.sum_x += mark.x
            sums.sum_xx += mark.x * mark.x
            sums.sum_y += sheet.y
            sums.sum_yy += sheet.y * sheet.y
            sums.sum_xy += mark.x * sheet.y
            if mark.response is not None:
                sums.responses[mark.response] += 1
            if sheet.attempt_id in upper:
                sums.upper_n += 1
                sums.upper_x += mark.x
            elif sheet.attempt_id in lower:
                sums.lower_n += 1
                sums.lower_x += mark.x
    return found


def facility(sums: Sums) -> float | None:
    return sums.sum_x / sums.n if sums.n else None


def point_biserial(sums: Sums) -> float | None:
    """Pearson's r between the item's share (0 or 1 for an item marked right or wrong, where it
    is the point-biserial) and the paper's score; None when either never varies."""
    n = sums.n
    spread_x = n * sums.sum_xx - sums.sum_x**2
    spread_y = n * sums.sum_yy - sums.sum_y**2
    if n < 2 or spread_x <= 1e-12 or spread_y <= 1e-12:
        return None
    return (n * sums.sum_xy - sums.sum_x * sums.sum_y) / math.sqrt(spread_x * spread_y)


def upper_lower(sums: Sums) -> float | None:
    """The upper group's facility less the lower group's."""
    if not sums.upper_n or not sums.lower_n:
        return None
    return sums.upper_x / sums.upper_n - sums.lower_x / sums.lower_n


def option_counts(sums: Sums, options: int) -> list[int]:
    """How often each option (in the item's own order) was among the options chosen."""
    counts = [0] * options
    for response, times in sums.responses.items():
        for letter in response:
            index = ord(letter) - ord("A")
            if 0 <= index < options:
                counts[index] += times
    return counts
