"""What the earlier papers of a sitting and of a candidate make undesirable on the next paper.

An item falls in one of four tiers, best first: unused in the sitting and unseen by the candidate;
used, but not on a neighbouring seat's paper and unseen; on a neighbour's paper but unseen; seen
before by the candidate. Within a tier, the less the sitting used an item the better."""

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from examhall.papers.pool import Pool

FRESH, ELSEWHERE, NEARBY, SEEN = 0, 1, 2, 3
_USES = 1 << 20  # ranks order by tier first, then by uses below this


@dataclass
class Fairness:
    used: Counter[int] = field(default_factory=Counter)  # version_id -> papers of this sitting holding it
    neighbours: set[int] = field(default_factory=set)  # version ids on the papers of neighbouring seats
    seen: set[int] = field(default_factory=set)  # version ids the candidate saw on earlier papers (a re-sit)


class Preference:
    """Fairness read item by item. Only membership is ever asked of its sets and counts, so the order
    they were built in cannot change a paper."""

    __slots__ = ("neighbours", "seen", "used")

    def __init__(self, fairness: Fairness) -> None:
        self.used = fairness.used
        self.neighbours = fairness.neighbours
        self.seen = fairness.seen

    def fresh(self, version_id: int) -> bool:
        return not (version_id in self.seen or version_id in self.neighbours or self.used.get(version_id))

    def tier(self, version_id: int) -> int:
        if version_id in self.seen:
            return SEEN
        if version_id in self.neighbours:
            return NEARBY
        return ELSEWHERE if self.used.get(version_id) else FRESH

    def rank(self, version_id: int) -> int:
        return self.tier(version_id) * _USES + min(self.used.get(version_id, 0), _USES - 1)

    def within(self, reach: int) -> Callable[[int], bool] | None:
        """Whether an item's tier is `reach` or better; None when every item's is."""
        near, seen = self.neighbours, self.seen
        if reach >= SEEN:
            return None
        if reach == NEARBY:
            return lambda v: v not in seen
        if reach == ELSEWHERE:
            return lambda v: not (v in seen or v in near)
        return self.fresh

    def keep(self, items: Iterable[int], reach: int) -> list[int]:
        """The items whose tier is `reach` or better, in their order."""
        used, near, seen = self.used.get, self.neighbours, self.seen
        if reach >= SEEN:
            return list(items)
        if reach == NEARBY:
            return [v for v in items if v not in seen]
        if reach == ELSEWHERE:
            return [v for v in items if not (v in seen or v in near)]
        return [v for v in items if not (v in seen or v in near or used(v))]

    def present(self, tier: int) -> bool:
        """Whether any item can be in that tier at all."""
        if tier == ELSEWHERE:
            return any(n > 0 for n in self.used.values())
        return bool(self.neighbours if tier == NEARBY else self.seen if tier == SEEN else True)


def _by_uses(items: Iterable[int], uses: Callable[[int], int]) -> Iterator[list[int]]:
    """Items grouped by uses, fewest first, each group in version-id order."""
    for _, group in groupby(sorted(sorted(items), key=uses), key=uses):
        yield list(group)


def ranked(preference: Preference, members: frozenset[int], need: int) -> list[list[int]]:
    """A type's items grouped by rank, best first, as far as the group that completes `need`. A tier
    is listed only when the better ones fall short."""
    used, near, seen = preference.used, preference.neighbours, preference.seen
    counted = used.keys() if 0 not in used.values() else {v for v, n in used.items() if n > 0}
    tiers: list[Callable[[], Iterable[int]]] = [
        lambda: members.difference(counted, near, seen),
        lambda: members.intersection(counted).difference(near, seen),
        lambda: members.intersection(near).difference(seen),
        lambda: members.intersection(seen),
    ]
    groups: list[list[int]] = []
    for tier in tiers:
        for group in _by_uses(tier(), used.__getitem__):
            groups.append(group)
            need -= len(group)
            if need <= 0:
                return groups
    return groups


class Uses:
    """A sitting's uses of each item, kept up to date paper by paper, so that a type's items are
    listed by uses without going through the whole pool for every paper. The groups are those that
    ranked() finds from the counts alone, so a paper is the same drawn either way."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.used: Counter[int] = Counter()
        # Per type, and per number of uses, its items in version-id order.
        self.by_uses: dict[str, dict[int, list[int]]] = {}

    def add(self, version_ids: Iterable[int]) -> None:
        for v in version_ids:
            n = self.used[v]
            lists = self._lists(self.pool.type[v])
            before = lists[n]
            del before[bisect_left(before, v)]
            insort(lists.setdefault(n + 1, []), v)
            self.used[v] = n + 1

    def _lists(self, type: str) -> dict[int, list[int]]:
        lists = self.by_uses.get(type)
        if lists is None:
            lists = self.by_uses[type] = {0: list(self.pool.listing("type", type))}
        return lists

    def ranked(self, type: str, need: int, near: set[int], seen: set[int]) -> list[list[int]]:
        groups: list[list[int]] = []
        lists = self._lists(type)
        for n in sorted(lists):
            group = [v for v in lists[n] if not (v in near or v in seen)]
            if group:
                groups.append(group)
                need -= len(group)
                if need <= 0:
                    return groups
        members = self.pool.members(type)
        for worse in (members.intersection(near).difference(seen), members.intersection(seen)):
            for group in _by_uses(worse, self.used.__getitem__):
                groups.append(group)
                need -= len(group)
                if need <= 0:
                    return groups
        return groups


def preference(fairness: Fairness | None) -> Preference | None:
    """None when nothing is to be avoided: every item is then as good as any other."""
    if fairness is None or not (fairness.used or fairness.neighbours or fairness.seen):
        return None
    return Preference(fairness)


def adjacency(neighbours: list[list[int]]) -> list[set[int]]:
    """Each seat's neighbours, either way round (one seat naming the other is enough); seat numbers
    outside the sitting are ignored."""
    seats = len(neighbours)
    adjacent: list[set[int]] = [set() for _ in range(seats)]
    for seat, near in enumerate(neighbours):
        for other in near:
            if 0 <= other < seats and other != seat:
                adjacent[seat].add(other)
                adjacent[other].add(seat)
    return adjacent
