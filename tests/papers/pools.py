"""Pools, blueprints and an independent reading of the rules, shared by the assembly tests.

`broken()` re-reads a drawn paper against the blueprint straight from the blueprint's fields, with
none of the assembly code, so that the tests do not only trust check()."""

import random
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from examhall.papers.assembly import Draw, PoolItem
from examhall.papers.blueprint import Blueprint

TYPES = ("true_false", "single_choice", "multiple_choice", "fill_blank")
CHOICE = ("single_choice", "multiple_choice")
CATEGORIES = ("电气", "机械", "消防")
POINTS = ("触电急救", "防火", "登高", "受限空间")


def item(
    version_id: int,
    type: str = "true_false",
    *,
    difficulty: int = 3,
    national: bool = True,
    category: str = "电气",
    points: tuple[str, ...] = (),
    options: int | None = None,
    fixed: tuple[int, ...] = (),
) -> PoolItem:
    if options is None:
        options = 4 if type in CHOICE else 0
    return PoolItem(version_id, type, difficulty, national, category, points, options, fixed)


def random_items(
    seed: int,
    size: int,
    *,
    types: tuple[str, ...] = TYPES,
    national: float = 0.8,
    start: int = 1,
) -> list[PoolItem]:
    """A pool with every field at random: categories, knowledge points, levels, sources, fixed options."""
    rng = random.Random(seed)
    found = []
    for v in range(start, start + size):
        t = rng.choice(types)
        options = rng.randint(2, 6) if t in CHOICE else 0
        fixed = tuple(sorted(rng.sample(range(options), rng.randint(0, min(2, options))))) if options else ()
        found.append(
            PoolItem(
                version_id=v,
                type=t,
                difficulty=rng.choices(range(1, 6), (2, 3, 3, 2, 1))[0],
                national=rng.random() < national,
                category=rng.choice(CATEGORIES),
                knowledge_points=tuple(sorted(rng.sample(POINTS, rng.randint(0, 2)))),
                option_count=options,
                fixed_options=fixed,
            )
        )
    return found


def blueprint(sections: list[dict[str, Any]], **fields: Any) -> Blueprint:
    document: dict[str, Any] = {
        "name": "test",
        "title": "测试",
        "duration_minutes": 60,
        "pass_mark": 0,
        "sections": [{"points": 1, **s} for s in sections],
        **fields,
    }
    return Blueprint.model_validate(document)


@st.composite
def blueprints(draw: st.DrawFn, types: tuple[str, ...] = TYPES) -> Blueprint:
    """Random sections, quotas, difficulty and source: often feasible, often not."""
    sections: list[dict[str, Any]] = [
        {
            "type": draw(st.sampled_from(types)),
            "count": draw(st.integers(1, 8)),
            "title": draw(st.sampled_from(["", "题"])),
        }
        for _ in range(draw(st.integers(1, 3)))
    ]
    total = sum(s["count"] for s in sections)
    quotas = []
    for _ in range(draw(st.integers(0, 2))):
        subject = draw(
            st.one_of(
                st.builds(lambda c: {"category": c}, st.sampled_from(CATEGORIES)),
                st.builds(lambda p: {"knowledge_point": p}, st.sampled_from(POINTS)),
            )
        )
        low, high = sorted(draw(st.lists(st.integers(0, total), min_size=2, max_size=2)))
        bound = draw(st.sampled_from([{"exact": low}, {"min": low}, {"max": high}, {"min": low, "max": high}]))
        quotas.append({**subject, **bound})
    fields: dict[str, Any] = {
        "quotas": quotas,
        "shuffle_items": draw(st.booleans()),
        "shuffle_options": draw(st.booleans()),
    }
    kind = draw(st.sampled_from(["none", "mean", "levels"]))
    if kind == "mean":
        mean = Decimal(draw(st.integers(10, 50))) / 10
        fields["difficulty"] = {"mean": str(mean), "tolerance": str(Decimal(draw(st.integers(0, 15))) / 10)}
    elif kind == "levels":
        cuts = sorted(draw(st.lists(st.integers(0, total), min_size=4, max_size=4)))
        bounds = [0, *cuts, total]
        fields["difficulty"] = {"levels": {level: bounds[level] - bounds[level - 1] for level in range(1, 6)}}
    if draw(st.booleans()):
        fields["source"] = {"national_min_share": str(Decimal(draw(st.integers(0, 20))) / 20)}
    return blueprint(sections, **fields)


def planted(items: list[PoolItem], rng: random.Random, size: int) -> tuple[Blueprint, list[PoolItem]]:
    """A blueprint that a paper of `size` items picked from the pool at random meets (the planted
    paper), with each rule as tight as that paper allows or a little looser."""
    paper = rng.sample(items, size)
    by_type = Counter(i.type for i in paper)
    sections = []
    for t, count in by_type.items():
        split = rng.randint(0, count - 1) if count > 1 and rng.random() < 0.3 else 0
        sections += [{"type": t, "count": n} for n in (split, count - split) if n]
    rng.shuffle(sections)
    quotas = []
    for _ in range(rng.randint(0, 3)):
        if rng.random() < 0.5:
            category = rng.choice(CATEGORIES)
            subject: dict[str, Any] = {"category": category}
            n = sum(i.category == category for i in paper)
        else:
            point = rng.choice(POINTS)
            subject = {"knowledge_point": point}
            n = sum(point in i.knowledge_points for i in paper)
        bound = rng.choice(
            [{"exact": n}, {"min": max(0, n - rng.randint(0, 2))}, {"max": n + rng.randint(0, 2)}, {"min": n, "max": n}]
        )
        quotas.append({**subject, **bound})
    fields: dict[str, Any] = {"quotas": quotas}
    difficulties = [i.difficulty for i in paper]
    kind = rng.choice(["none", "mean", "levels"])
    if kind == "mean":
        mean = Decimal(round(Fraction(sum(difficulties), size) * 10)) / 10
        tolerance = Decimal(rng.randint(1, 5)) / 10  # the planted mean is within 0.05 of `mean`
        fields["difficulty"] = {"mean": str(mean), "tolerance": str(tolerance)}
    elif kind == "levels":
        fields["difficulty"] = {"levels": dict(Counter(difficulties))}
    if rng.random() < 0.6:
        share = Fraction(sum(i.national for i in paper), size)
        fields["source"] = {"national_min_share": str(Decimal(int(share * 100)) / 100)}
    return blueprint(sections, **fields), paper


def broken(bp: Blueprint, items: list[PoolItem], draw: Draw) -> list[str]:
    """Every rule the paper breaks, read from the blueprint's fields directly."""
    pool = {i.version_id: i for i in items}
    faults = []
    ids = [c.version_id for c in draw.choices]
    if len(set(ids)) != len(ids):
        faults.append("an item is on the paper twice")
    if any(v not in pool for v in ids):
        return [*faults, "an item is not in the pool"]
    sections = [c.section for c in draw.choices]
    if sections != sorted(sections):
        faults.append("sections out of order")
    counts = Counter(sections)
    for i, section in enumerate(bp.sections):
        if counts[i] != section.count:
            faults.append(f"section {i} has {counts[i]} items, not {section.count}")
    for c in draw.choices:
        it = pool[c.version_id]
        if it.type != bp.sections[c.section].type:
            faults.append(f"{c.version_id} is {it.type} in a {bp.sections[c.section].type} section")
        if sorted(c.options) != list(range(it.option_count)):
            faults.append(f"{c.version_id}: {c.options} is not an order of {it.option_count} options")
        elif any(c.options[f] != f for f in it.fixed_options):
            faults.append(f"{c.version_id}: a fixed option moved")
        elif (not bp.shuffle_options or it.type not in CHOICE) and list(c.options) != sorted(c.options):
            faults.append(f"{c.version_id}: options shuffled")
    chosen = [pool[v] for v in ids]
    for q in bp.quotas:
        n = sum((i.category == q.category) if q.category else (q.knowledge_point in i.knowledge_points) for i in chosen)
        if q.exact is not None and n != q.exact:
            faults.append(f"quota {q.label_en}: {n} != {q.exact}")
        if q.min is not None and n < q.min:
            faults.append(f"quota {q.label_en}: {n} < {q.min}")
        if q.max is not None and n > q.max:
            faults.append(f"quota {q.label_en}: {n} > {q.max}")
    if bp.difficulty and bp.difficulty.mean is not None:
        mean = Fraction(sum(i.difficulty for i in chosen), len(chosen))
        low = Fraction(bp.difficulty.mean - bp.difficulty.tolerance)
        high = Fraction(bp.difficulty.mean + bp.difficulty.tolerance)
        if not low <= mean <= high:
            faults.append(f"mean difficulty {float(mean):.3f} outside {float(low)}..{float(high)}")
    if bp.difficulty and bp.difficulty.levels is not None:
        levels = Counter(i.difficulty for i in chosen)
        for level in range(1, 6):
            if levels[level] != bp.difficulty.levels.get(level, 0):
                faults.append(f"level {level}: {levels[level]} items")
    if bp.source:
        national = Fraction(sum(i.national for i in chosen), len(chosen))
        if national < Fraction(bp.source.national_min_share):
            faults.append(f"national share {float(national):.3f}")
    return faults


def shuffled(items: list[PoolItem], seed: int) -> list[PoolItem]:
    again = list(items)
    random.Random(seed).shuffle(again)
    return again
