"""Random picks, orders and samples made from Random.random() alone.

Python promises that random() gives the same sequence for the same integer seed in every version;
it makes no such promise for shuffle(), sample() or randrange(). A paper must be drawn again
identically when a result is appealed, perhaps years and Python upgrades later, so assembly uses
these, and picks an index as int(rng.random() * n)."""

from collections.abc import Sequence
from random import Random
from typing import TypeVar

T = TypeVar("T")


def shuffle(rng: Random, items: list[T]) -> None:
    """Fisher-Yates, in place."""
    for i in range(len(items) - 1, 0, -1):
        j = int(rng.random() * (i + 1))
        items[i], items[j] = items[j], items[i]


def sample(rng: Random, population: Sequence[T], k: int) -> list[T]:
    """k distinct positions of the population, in the order drawn. Small samples of large
    populations are drawn by rejection, so that the cost follows k rather than the population."""
    n = len(population)
    if not 0 <= k <= n:
        raise ValueError(f"cannot draw {k} of {n}")
    if 4 * k <= n:
        taken: set[int] = set()
        picked: list[T] = []
        while len(picked) < k:
            i = int(rng.random() * n)
            if i not in taken:
                taken.add(i)
                picked.append(population[i])
        return picked
    pool = list(population)
    for i in range(k):
        j = i + int(rng.random() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]
