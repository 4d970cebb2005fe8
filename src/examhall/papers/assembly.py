"""Paper assembly (教考分离): each candidate's paper drawn at random from the bank to the blueprint,
so that nobody picks a candidate's questions, every paper of a sitting meets the same rules, and
any paper is drawn again identically from its seed and inputs when a result is appealed.

Pure: the caller reads the pool from the database and stores the draws. The search itself is in
search.py, the rules' counts and the feasibility report in rules.py, the tiers in fairness.py."""

from dataclasses import dataclass
from decimal import Decimal
from random import Random

from examhall.errors import Problem
from examhall.papers import chance
from examhall.papers.blueprint import Blueprint
from examhall.papers.fairness import Fairness, Uses, adjacency, preference
from examhall.papers.pool import CHOICE_TYPES, Pool, PoolItem
from examhall.papers.rules import Infeasible, Rules, Tally, feasibility, infeasible, rules, unmet
from examhall.papers.search import Search

__all__ = [
    "Choice",
    "Draw",
    "Fairness",
    "Infeasible",
    "Pool",
    "PoolItem",
    "assemble",
    "check",
    "draw_sitting",
    "feasibility",
    "mean_difficulty",
    "overlap",
]


@dataclass(frozen=True)
class Choice:
    version_id: int
    section: int  # index into blueprint.sections
    options: tuple[int, ...]  # displayed position i shows original option options[i]; () when the item has none


@dataclass(frozen=True)
class Draw:
    seed: int
    choices: tuple[Choice, ...]  # sections in blueprint order, items within a section shuffled when shuffle_items


def assemble(blueprint: Blueprint, pool: Pool, seed: int, fairness: Fairness | None = None) -> Draw:
    """A paper meeting every rule of the blueprint, drawn with `seed` alone: the same blueprint, pool,
    seed and fairness always give the same paper. Raises Infeasible when the bank cannot fill the
    blueprint, or when a bounded search finds no paper meeting the rules together."""
    return _assemble(blueprint, pool, seed, fairness, None)


def _assemble(blueprint: Blueprint, pool: Pool, seed: int, fairness: Fairness | None, uses: Uses | None) -> Draw:
    problems = feasibility(blueprint, pool)
    if problems:
        raise infeasible(problems)
    r = rules(blueprint)
    # A paper must be drawn again identically from its seed, which a cryptographic generator cannot do.
    rng = Random(seed)  # noqa: S311
    search = Search(r, pool, rng, preference(fairness), uses)
    chosen = search.run()
    if chosen is None:
        raise infeasible(search.unmet())
    return Draw(seed, _lay_out(blueprint, r, pool, chosen, rng))


def _lay_out(
    blueprint: Blueprint, r: Rules, pool: Pool, chosen: dict[str, list[int]], rng: Random
) -> tuple[Choice, ...]:
    for t in r.types:
        if len(r.sections_of[t]) > 1:
            chance.shuffle(rng, chosen[t])
    taken = dict.fromkeys(r.types, 0)
    choices = []
    for i, section in enumerate(blueprint.sections):
        start = taken[section.type]
        items = chosen[section.type][start : start + section.count]
        taken[section.type] = start + section.count
        if blueprint.shuffle_items:
            chance.shuffle(rng, items)
        else:
            items.sort()
        choices += [Choice(v, i, _options(pool, v, blueprint.shuffle_options, rng)) for v in items]
    return tuple(choices)


def _options(pool: Pool, v: int, shuffle: bool, rng: Random) -> tuple[int, ...]:
    order = list(range(pool.items[v].option_count))
    if not shuffle or pool.type[v] not in CHOICE_TYPES or len(order) < 2:
        return tuple(order)
    movable = pool.movable[v]
    if movable is None:
        chance.shuffle(rng, order)
        return tuple(order)
    moved = list(movable)
    chance.shuffle(rng, moved)
    for position, option in zip(movable, moved, strict=True):
        order[position] = option
    return tuple(order)


def draw_sitting(
    blueprint: Blueprint, pool: Pool, seeds: list[int], neighbours: list[list[int]], seen: list[set[int]]
) -> list[Draw]:
    """The papers of a sitting in seat order, seat i from seeds[i]. Each paper avoids what the papers
    before it make undesirable: the items they used, those on the papers of seat i's neighbours
    (neighbours[i], counted either way round), and what the candidate saw before (seen[i]). A paper
    depends only on the seats before it, so the first k seats are drawn again from the first k inputs."""
    if not len(seeds) == len(neighbours) == len(seen):
        raise ValueError("seeds, neighbours and seen need one entry per seat")
    adjacent = adjacency(neighbours)
    uses = Uses(pool)
    draws: list[Draw] = []
    for seat, seed in enumerate(seeds):
        near = {c.version_id for other in adjacent[seat] if other < seat for c in draws[other].choices}
        made = _assemble(blueprint, pool, seed, Fairness(used=uses.used, neighbours=near, seen=seen[seat]), uses)
        draws.append(made)
        uses.add(c.version_id for c in made.choices)
    return draws


def overlap(draws: list[Draw], neighbours: list[list[int]]) -> list[int]:
    """Per paper, the most items it shares with the paper of any neighbouring seat."""
    adjacent = adjacency(neighbours)
    held = [{c.version_id for c in draw.choices} for draw in draws]
    most = []
    for seat in range(len(draws)):
        near = adjacent[seat] if seat < len(adjacent) else set()
        most.append(max((len(held[seat] & held[other]) for other in near if other < len(draws)), default=0))
    return most


def mean_difficulty(pool: Pool, draw: Draw) -> Decimal:
    if not draw.choices:
        return Decimal(0)
    return Decimal(sum(pool.difficulty[c.version_id] for c in draw.choices)) / len(draw.choices)


def check(blueprint: Blueprint, pool: Pool, draw: Draw) -> list[Problem]:
    """Every rule of the blueprint the paper breaks; empty when it meets them all."""
    r = rules(blueprint)
    problems: list[Problem] = []
    counts = [0] * len(blueprint.sections)
    on_paper: set[int] = set()
    previous = 0

    def wrong(n: int, code: str, zh: str, en: str) -> None:
        problems.append(Problem(code, zh, en, f"第{n}题", where_en=f"item {n}"))

    for n, choice in enumerate(draw.choices, 1):
        v, i = choice.version_id, choice.section
        if not 0 <= i < len(blueprint.sections):
            wrong(n, "no_such_section", f"组卷规则没有第{i + 1}部分", f"the blueprint has no section {i + 1}")
            continue
        if i < previous:
            wrong(n, "out_of_order", "各部分的题目须按组卷规则的顺序排列", "sections must follow the blueprint's order")
        previous = max(previous, i)
        counts[i] += 1
        if v in on_paper:
            wrong(n, "repeated_item", f"题目版本{v}在试卷中重复出现", f"item version {v} is on the paper twice")
            continue
        on_paper.add(v)
        item = pool.items.get(v)
        if item is None:
            wrong(n, "not_in_pool", f"题目版本{v}不在题库的现行题中", f"item version {v} is not in the pool")
            continue
        section = blueprint.sections[i]
        if item.type != section.type:
            wrong(
                n,
                "wrong_type",
                f"第{i + 1}部分为{section.type}，题目版本{v}为{item.type}",
                f"section {i + 1} takes {section.type}; item version {v} is {item.type}",
            )
        problem = _options_problem(blueprint, item, choice.options)
        if problem:
            wrong(n, "bad_options", *problem)
    for i, section in enumerate(blueprint.sections):
        if counts[i] != section.count:
            problems.append(
                Problem(
                    "section_count",
                    f"第{i + 1}部分需要{section.count}题，试卷中为{counts[i]}题",
                    f"section {i + 1} needs {section.count} items; the paper has {counts[i]}",
                    f"sections.{i}",
                )
            )
    return problems + unmet(r, Tally.of(r, pool, [v for v in on_paper if v in pool]))


def _options_problem(blueprint: Blueprint, item: PoolItem, options: tuple[int, ...]) -> tuple[str, str] | None:
    count, v = item.option_count, item.version_id
    if sorted(options) != list(range(count)):
        return (
            f"题目版本{v}的选项顺序不是其{count}个选项的排列",
            f"item version {v}: options are not an order of its {count}",
        )
    if tuple(options) != tuple(range(count)) and (not blueprint.shuffle_options or item.type not in CHOICE_TYPES):
        return f"题目版本{v}的选项不应打乱", f"item version {v}: options must keep their order"
    moved = [i for i in item.fixed_options if 0 <= i < count and options[i] != i]
    if moved:
        return (
            f"题目版本{v}的固定选项{'、'.join(str(i + 1) for i in moved)}被移动",
            f"item version {v}: fixed options {', '.join(str(i + 1) for i in moved)} moved",
        )
    return None
