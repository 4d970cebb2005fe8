"""Micro-benchmark of paper assembly: a random bank of 10,000 items in force, the time to assemble
one paper for each preset (median and p99), and the time to draw a 200-candidate sitting.

    .venv/bin/python bench/assembly.py [--items 10000] [--papers 1000] [--seats 200]

Prints one JSON object. The bank and the seeds are fixed, so runs differ only by the machine."""

import argparse
import gc
import json
import platform
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from examhall.papers.assembly import Draw, Pool, PoolItem, assemble, check, draw_sitting, overlap
from examhall.papers.blueprint import presets

TYPES = {"true_false": 42, "single_choice": 38, "multiple_choice": 15, "fill_blank": 5}
LEVEL_WEIGHTS = (15, 30, 30, 17, 8)  # most items easy to middling, as real banks are


def bank(size: int, seed: int = 2024) -> list[PoolItem]:
    rng = random.Random(seed)
    categories = [f"类别{n}" for n in range(12)]
    points = [f"知识点{n}" for n in range(40)]
    items = []
    for version_id in range(1, size + 1):
        kind = rng.choices(list(TYPES), list(TYPES.values()))[0]
        options = {"single_choice": 4, "multiple_choice": rng.choice((4, 5))}.get(kind, 0)
        items.append(
            PoolItem(
                version_id=version_id,
                type=kind,
                difficulty=rng.choices(range(1, 6), LEVEL_WEIGHTS)[0],
                national=rng.random() < 0.85,
                category=rng.choice(categories),
                knowledge_points=tuple(sorted(rng.sample(points, rng.randint(1, 2)))),
                option_count=options,
                fixed_options=(options - 1,) if options and rng.random() < 0.1 else (),  # 以上都对
            )
        )
    return items


def grid(rows: int, columns: int) -> list[list[int]]:
    """A room of seats row by row; neighbours sit in front, behind, left and right."""
    near = []
    for r in range(rows):
        for c in range(columns):
            cells = ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
            near.append([rr * columns + cc for rr, cc in cells if 0 <= rr < rows and 0 <= cc < columns])
    return near


def timed(run: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """Milliseconds taken by run(*args), and what it returned."""
    started = time.perf_counter()
    result = run(*args)
    return (time.perf_counter() - started) * 1000, result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--papers", type=int, default=1000, help="papers timed per preset")
    parser.add_argument("--seats", type=int, default=200)
    parser.add_argument("--sittings", type=int, default=5, help="sittings timed per preset")
    args = parser.parse_args()

    items = bank(args.items)
    pool_ms, pool = timed(Pool, items)
    report: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "items": len(pool),
        "pool_index_ms": round(pool_ms, 1),
        "presets": {},
    }
    columns = 10
    seats = args.seats
    near = grid((seats + columns - 1) // columns, columns)[:seats]
    rng = random.Random(7)
    # One candidate in ten re-sits, having seen a paper's worth of items before.
    seen = [set(rng.sample(range(1, args.items + 1), 100)) if rng.random() < 0.1 else set() for _ in range(seats)]
    for name, blueprint in presets().items():
        for seed in range(20):  # warm up
            assemble(blueprint, pool, seed)
        gc.collect()
        times = []
        for seed in range(args.papers):
            ms, made = timed(assemble, blueprint, pool, 1000 + seed)
            times.append(ms)
        assert not check(blueprint, pool, made)
        sittings = []
        draws: list[Draw] = []
        for n in range(args.sittings):
            seeds = [n * 1_000_003 + 17 * s for s in range(seats)]
            ms, draws = timed(draw_sitting, blueprint, pool, seeds, near, seen)
            sittings.append(ms)
        assert all(not check(blueprint, pool, made) for made in draws)
        uses = Counter(c.version_id for made in draws for c in made.choices)
        shared = overlap(draws, near)
        report["presets"][name] = {
            "items_per_paper": blueprint.item_count,
            "paper_ms": {
                "median": round(statistics.median(times), 3),
                "p99": round(percentile(times, 0.99), 3),
                "max": round(max(times), 3),
            },
            "sitting_ms": {
                "seats": seats,
                "median": round(statistics.median(sittings), 1),
                "max": round(max(sittings), 1),
            },
            "sitting": {
                "distinct_items": len(uses),
                "most_uses_of_an_item": max(uses.values()),
                "most_items_shared_with_a_neighbour": max(shared),
                "resits_given_a_seen_item": sum(
                    1 for made, before in zip(draws, seen, strict=True) if {c.version_id for c in made.choices} & before
                ),
            },
        }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
