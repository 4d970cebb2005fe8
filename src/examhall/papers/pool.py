"""The item versions a paper is drawn from, indexed once so that many papers are drawn fast.

Every list here is in version-id order, whatever order the caller gave the items in: a paper is
rebuilt from the same seed and the same item versions, and the database need not return them in
the order they had when the paper was first drawn."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CHOICE_TYPES = ("single_choice", "multiple_choice")
LEVELS = range(1, 6)

# ("type", type, ""), ("category", type, name), ("point", type, name), ("level", type, 1-5),
# ("national", type, "")
Key = tuple[str, str, str | int]

NOTHING: tuple[int, ...] = ()


@dataclass(frozen=True)
class PoolItem:
    """One item version in force, as assembly needs it (built by the caller from the database)."""

    version_id: int
    type: str  # true_false | single_choice | multiple_choice | fill_blank
    difficulty: int  # 1-5
    national: bool  # source == national
    category: str
    knowledge_points: tuple[str, ...]
    option_count: int  # 0 for true_false and fill_blank
    fixed_options: tuple[int, ...] = ()  # option indexes that stay in place when options are shuffled


class Pool:
    """The items, and for each type its items by category, knowledge point, level and source."""

    def __init__(self, items: Iterable[PoolItem]) -> None:
        by_id: dict[int, PoolItem] = {}
        for item in items:
            if item.difficulty not in LEVELS:
                raise ValueError(f"item version {item.version_id} has difficulty {item.difficulty}, not 1-5")
            if item.version_id in by_id:
                raise ValueError(f"item version {item.version_id} is in the pool twice")
            by_id[item.version_id] = item
        self.items: dict[int, PoolItem] = {v: by_id[v] for v in sorted(by_id)}
        self.type: dict[int, str] = {}
        self.difficulty: dict[int, int] = {}
        self.national: dict[int, bool] = {}
        self.category: dict[int, str] = {}
        self.points: dict[int, tuple[str, ...]] = {}
        # The option positions a shuffle may move; None when every option moves.
        self.movable: dict[int, tuple[int, ...] | None] = {}
        index: dict[Key, list[int]] = {}
        for v, item in self.items.items():
            t = item.type
            self.type[v] = t
            self.difficulty[v] = item.difficulty
            self.national[v] = item.national
            self.category[v] = item.category
            self.points[v] = item.knowledge_points
            fixed = {i for i in item.fixed_options if 0 <= i < item.option_count}
            self.movable[v] = tuple(i for i in range(item.option_count) if i not in fixed) if fixed else None
            keys: list[Key] = [("type", t, ""), ("category", t, item.category), ("level", t, item.difficulty)]
            keys += [("point", t, point) for point in dict.fromkeys(item.knowledge_points)]
            if item.national:
                keys.append(("national", t, ""))
            for key in keys:
                index.setdefault(key, []).append(v)
        self.index: dict[Key, list[int]] = index
        self._members = {key[1]: frozenset(items) for key, items in index.items() if key[0] == "type"}

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, version_id: object) -> bool:
        return version_id in self.items

    def listing(self, kind: str, type: str, value: str | int = "") -> Sequence[int]:
        """The items of a type (with that category, knowledge point, level, or from the national bank)."""
        return self.index.get((kind, type, value), NOTHING)

    def members(self, type: str) -> frozenset[int]:
        return self._members.get(type, frozenset())

    def count(self, kind: str, type: str, value: str | int = "") -> int:
        return len(self.index.get((kind, type, value), NOTHING))
