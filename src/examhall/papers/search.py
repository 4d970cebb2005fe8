"""The search for a paper meeting every rule of a blueprint.

Each type's items are first drawn at random from the best tier fairness allows (see fairness.py),
then swaps within a type repair the rules still broken: quotas, difficulty and source. A swap is
taken when it brings the paper closer to the rules, or keeps it as close and avoids the item
taken out at least as well. A search that stops getting closer starts again from a new draw; when
a few fail, the types may draw from the next tier. All work is bounded and all randomness comes
from the one generator, and only through Random.random() (see chance.py), so the same inputs
always give the same paper."""

from collections.abc import Callable, Sequence
from random import Random

from examhall.errors import Problem
from examhall.papers import chance
from examhall.papers.fairness import FRESH, SEEN, Preference, Uses, ranked
from examhall.papers.pool import LEVELS, Key, Pool
from examhall.papers.rules import Rules, Tally, excess, mean_excess, unmet

TRIES = 8  # random picks before listing the candidates explicitly
PROPOSALS = 5  # swaps weighed per step
WORK = 6000  # steps over all fresh draws at the widest reach: small papers get more draws
NARROW_TRIES = 2  # fresh draws at each narrower reach
IDLE = 4  # steps in a row without a swap to weigh that end a try at a narrower reach
WANDER = 0.25  # the share of swaps proposed at random
CLIMB = 0.1  # once stuck, the share of steps that take the best swap found even when it costs
STUCK = 3  # steps without getting closer that count as stuck


class Search:
    """One paper's search: the items chosen so far per type, their counts, and what it has listed."""

    def __init__(
        self, rules: Rules, pool: Pool, rng: Random, preference: Preference | None, uses: Uses | None = None
    ) -> None:
        self.rules = rules
        self.pool = pool
        self.rng = rng
        self.preference = preference
        self.uses = uses  # the sitting's uses kept up to date, when the sitting is drawn as a whole
        self.types = rules.types
        self.slots = [t for t in rules.types for _ in range(rules.need[t])]  # a random slot picks a type by weight
        self.quota_types = [[t for t in rules.types if pool.count(*q.key(t))] for q in rules.quotas]
        self.steps = 60 + 6 * rules.total
        self.patience = 25 + rules.total // 2  # steps without getting closer before drawing afresh
        self.narrow_patience = 10 + rules.total // 10
        self.restarts = max(3, WORK // self.steps)
        # Per type: the worst tier it may draw from, and the least it needs to fill its sections.
        self.reach = dict.fromkeys(rules.types, FRESH)
        self.allowed: dict[str, Callable[[int], bool] | None] = {}
        self.base: dict[str, int] = {}
        self.groups: dict[str, list[list[int]]] = {}  # per type, its best items grouped by rank, best first
        self.fits: dict[tuple[Key, int, int], list[int]] = {}
        self.matched: dict[int, tuple[int, ...]] = {}
        self.chosen: dict[str, list[int]] = {}
        self.position: dict[int, int] = {}
        self.members: set[int] = set()
        self.tally = Tally([0] * len(rules.quotas))
        self.excess = 0
        self.closest: tuple[int, Tally] | None = None

    # --- the search ---------------------------------------------------------------------------

    def run(self) -> dict[str, list[int]] | None:
        """Each type's items for a paper meeting every rule, or None when the bounded search found none."""
        first = {t: self._draw(t) for t in self.types}
        reaches = self._reaches()
        for n, reach in enumerate(reaches):
            self.reach = reach
            self.allowed = {t: self.preference.within(reach[t]) if self.preference else None for t in self.types}
            # A narrower reach may well be unable to meet the rules: it gets a couple of short tries
            # (see _repair), and the widest the whole budget.
            widest = n == len(reaches) - 1
            if not widest and not self._quotas_within_reach():
                continue
            for attempt in range(self.restarts if widest else NARROW_TRIES):
                fill = first if n == 0 and attempt == 0 else {t: self._draw(t) for t in self.types}
                if self._repair(fill, widest):
                    return self.chosen
        return None

    def _quotas_within_reach(self) -> bool:
        """Whether the items within reach hold enough for each quota's minimum."""
        for q in self.rules.quotas:
            if q.low and q.low > sum(min(self.rules.need[t], len(self._fits(q.key(t), t))) for t in self.types):
                return False
        return True

    def _reaches(self) -> list[dict[str, int]]:
        """The tiers each type may draw from, narrowest first: first what it needs to fill its
        sections, then ever wider, as far as the tiers any item is in."""
        reaches: list[dict[str, int]] = []
        for limit in range(FRESH, SEEN + 1):
            if limit > FRESH and (self.preference is None or not self.preference.present(limit)):
                continue
            reach = {t: max(self.base[t], limit) for t in self.types}
            if not reaches or reach != reaches[-1]:
                reaches.append(reach)
        return reaches

    def unmet(self) -> list[Problem]:
        assert self.closest is not None
        return unmet(self.rules, self.closest[1], closest=True)

    def _repair(self, fill: dict[str, list[int]], widest: bool) -> bool:
        """Swaps towards the rules from the fill. At a narrower reach the search gives up sooner,
        and as soon as a few steps in a row find no swap at all within the reach."""
        self._load(fill)
        patience = self.patience if widest else self.narrow_patience
        best, stall, idle = self.excess, 0, 0
        self._keep_closest()
        for _ in range(self.steps):
            if self.excess == 0:
                return True
            move = self._best_move(self._broken())
            if move is None:
                idle += 1
                if idle >= IDLE and not widest:
                    break
            else:
                idle = 0
                a, b, delta, worse = move
                # Once stuck, now and then a swap that costs is taken too, to climb out of a dip
                # that no single swap leads out of.
                if delta < 0 or (delta == 0 and worse <= 0) or (stall >= STUCK and self.rng.random() < CLIMB):
                    self._swap(a, b, delta)
            if self.excess < best:
                best, stall = self.excess, 0
                self._keep_closest()
            else:
                stall += 1
                if stall > patience:
                    break
        return self.excess == 0

    def _keep_closest(self) -> None:
        if self.closest is None or self.excess < self.closest[0]:
            t = self.tally
            self.closest = (self.excess, Tally(list(t.quota), t.difficulty, list(t.levels), t.national))

    def _load(self, fill: dict[str, list[int]]) -> None:
        self.chosen = fill
        self.position = {v: i for items in fill.values() for i, v in enumerate(items)}
        self.members = set(self.position)
        self.tally = Tally.of(self.rules, self.pool, list(self.position))
        self.excess = excess(self.rules, self.tally)

    def _broken(self) -> int:
        """A rule the paper breaks, at random: quota i as i, then mean, levels and source."""
        r, tally, n = self.rules, self.tally, len(self.rules.quotas)
        broken = [q.index for q in r.quotas if q.excess(tally.quota[q.index])]
        if mean_excess(r, tally.difficulty):
            broken.append(n)
        if r.levels is not None and tally.levels != list(r.levels):
            broken.append(n + 1)
        if tally.national < r.national:
            broken.append(n + 2)
        return broken[int(self.rng.random() * len(broken))]

    def _best_move(self, rule: int) -> tuple[int, int, int, int] | None:
        best: tuple[int, int, int, int] | None = None
        preference = self.preference
        for _ in range(PROPOSALS):
            # Some swaps aimed at no rule in particular: taken when they cost nothing, they walk the
            # paper off a spot where every aimed swap would break another rule.
            proposal = self._propose_any() if self.rng.random() < WANDER else self._propose(rule)
            if proposal is None:
                continue
            a, b = proposal
            worse = preference.rank(b) - preference.rank(a) if preference else 0
            move = (a, b, self._delta(a, b), worse)
            if best is None or (move[2], move[3]) < (best[2], best[3]):
                best = move
        return best

    def _propose(self, rule: int) -> tuple[int, int] | None:
        """A swap (take a out, put b in, of one type) that may mend the rule."""
        r, pool, tally, rng = self.rules, self.pool, self.tally, self.rng
        n = len(r.quotas)
        a: int | None
        b: int | None
        if rule < n:
            q = r.quotas[rule]
            if tally.quota[rule] < q.low:
                if not self.quota_types[rule]:
                    return None
                t = self.quota_types[rule][int(rng.random() * len(self.quota_types[rule]))]
                a = self._pick_chosen(t, lambda v: rule not in self._matches(v))
                b = self._pick_new(q.key(t), t)
            else:
                t = self._slot()
                a = self._pick_chosen(t, lambda v: rule in self._matches(v))
                b = self._pick_new(("type", t, ""), t, avoid=rule)
        elif rule == n:
            t = self._slot()
            difficulty = pool.difficulty
            if tally.difficulty < r.sum_low:
                gap = r.sum_low - tally.difficulty
                a = self._pick_chosen(t, lambda v: difficulty[v] < 5)
                if a is None:
                    return None
                level = difficulty[a] + 1 + int(rng.random() * min(5 - difficulty[a], gap))
            else:
                gap = tally.difficulty - r.sum_high
                a = self._pick_chosen(t, lambda v: difficulty[v] > 1)
                if a is None:
                    return None
                level = difficulty[a] - 1 - int(rng.random() * min(difficulty[a] - 1, gap))
            b = self._pick_new(("level", t, level), t)
        elif rule == n + 1:
            assert r.levels is not None
            want = r.levels
            short = [level for level in LEVELS if tally.levels[level] < want[level]]
            over = {level for level in LEVELS if tally.levels[level] > want[level]}
            level = short[int(rng.random() * len(short))]
            t = self._slot()
            a = self._pick_chosen(t, lambda v: pool.difficulty[v] in over)
            b = self._pick_new(("level", t, level), t)
        else:
            t = self._slot()
            a = self._pick_chosen(t, lambda v: not pool.national[v])
            b = self._pick_new(("national", t, ""), t)
        return None if a is None or b is None else (a, b)

    def _propose_any(self) -> tuple[int, int] | None:
        t = self._slot()
        items = self.chosen[t]
        b = self._pick_new(("type", t, ""), t)
        return None if b is None else (items[int(self.rng.random() * len(items))], b)

    def _delta(self, a: int, b: int) -> int:
        """How much closer to the rules (negative) or further from them the swap takes the paper."""
        r, pool, tally = self.rules, self.pool, self.tally
        delta = 0
        if r.quotas:
            out, into = self._matches(a), self._matches(b)
            if out != into:
                for i in out:
                    if i not in into:
                        q, n = r.quotas[i], tally.quota[i]
                        delta += q.excess(n - 1) - q.excess(n)
                for i in into:
                    if i not in out:
                        q, n = r.quotas[i], tally.quota[i]
                        delta += q.excess(n + 1) - q.excess(n)
        da, db = pool.difficulty[a], pool.difficulty[b]
        if da != db:
            if r.mean is not None:
                delta += mean_excess(r, tally.difficulty - da + db) - mean_excess(r, tally.difficulty)
            if r.levels is not None:
                have, want = tally.levels, r.levels
                delta += abs(have[da] - 1 - want[da]) - abs(have[da] - want[da])
                delta += abs(have[db] + 1 - want[db]) - abs(have[db] - want[db])
        if r.national:
            na, nb = pool.national[a], pool.national[b]
            if na != nb:
                now = tally.national
                delta += max(0, r.national - (now - na + nb)) - max(0, r.national - now)
        return delta

    def _swap(self, a: int, b: int, delta: int) -> None:
        pool, tally = self.pool, self.tally
        i = self.position.pop(a)
        self.chosen[pool.type[a]][i] = b
        self.position[b] = i
        self.members.discard(a)
        self.members.add(b)
        for q in self._matches(a):
            tally.quota[q] -= 1
        for q in self._matches(b):
            tally.quota[q] += 1
        tally.difficulty += pool.difficulty[b] - pool.difficulty[a]
        tally.levels[pool.difficulty[a]] -= 1
        tally.levels[pool.difficulty[b]] += 1
        tally.national += pool.national[b] - pool.national[a]
        self.excess += delta

    # --- drawing items ------------------------------------------------------------------------

    def _draw(self, t: str) -> list[int]:
        """A random fill of the type's sections from the best items fairness allows."""
        need, items, rng = self.rules.need[t], self.pool.listing("type", t), self.rng
        if self.preference is None:
            self.base[t] = FRESH
            return chance.sample(rng, items, need)
        groups = self.groups.get(t)
        if groups is None:
            fresh = self._sample_fresh(items, need)
            if fresh is not None:
                self.base[t] = FRESH
                return fresh
            preference = self.preference
            if self.uses is not None:
                groups = self.uses.ranked(t, need, preference.neighbours, preference.seen)
            else:
                groups = ranked(preference, self.pool.members(t), need)
            self.groups[t] = groups
        fill: list[int] = []
        for group in groups:
            if len(fill) + len(group) >= need:
                fill += chance.sample(rng, group, need - len(fill))
                self.base.setdefault(t, self.preference.tier(group[0]))
                return fill
            fill += group
        raise AssertionError("feasibility lets no type short of items through")

    def _sample_fresh(self, items: Sequence[int], need: int) -> list[int] | None:
        """`need` distinct fresh items by rejection, or None when they prove hard to find."""
        assert self.preference is not None
        fresh, rng, n = self.preference.fresh, self.rng, len(items)
        picked: list[int] = []
        tried: set[int] = set()
        for _ in range(2 * need + 20):
            v = items[int(rng.random() * n)]
            if v in tried:
                continue
            tried.add(v)
            if fresh(v):
                picked.append(v)
                if len(picked) == need:
                    return picked
        return None

    def _slot(self) -> str:
        return self.slots[int(self.rng.random() * len(self.slots))]

    def _matches(self, v: int) -> tuple[int, ...]:
        found = self.matched.get(v)
        if found is None:
            found = self.matched[v] = tuple(q.index for q in self.rules.quotas if q.matches(self.pool, v))
        return found

    def _pick_chosen(self, t: str, wanted: Callable[[int], bool]) -> int | None:
        items, rng = self.chosen[t], self.rng
        for _ in range(TRIES):
            v = items[int(rng.random() * len(items))]
            if wanted(v):
                return v
        found = [v for v in items if wanted(v)]
        return found[int(rng.random() * len(found))] if found else None

    def _pick_new(self, key: Key, t: str, *, avoid: int = -1) -> int | None:
        """An item under the key, not on the paper, within the type's reach, and not counted by
        quota `avoid`."""
        items, rng, allowed = self.pool.index.get(key), self.rng, self.allowed[t]
        if not items:
            return None
        for _ in range(TRIES):
            v = items[int(rng.random() * len(items))]
            if (
                v not in self.members
                and (allowed is None or allowed(v))
                and (avoid < 0 or avoid not in self._matches(v))
            ):
                return v
        # Few fit: list those within reach once per search, then pick among them.
        fits = self._fits(key, t, avoid)
        if not fits:
            return None
        for _ in range(TRIES):
            v = fits[int(rng.random() * len(fits))]
            if v not in self.members:
                return v
        free = [v for v in fits if v not in self.members]
        return free[int(rng.random() * len(free))] if free else None

    def _fits(self, key: Key, t: str, avoid: int = -1) -> list[int]:
        """The items under the key within the type's reach and not counted by quota `avoid`."""
        cached = (key, self.reach[t], avoid)
        fits = self.fits.get(cached)
        if fits is None:
            items = self.pool.listing(*key)
            fits = self.preference.keep(items, self.reach[t]) if self.preference else list(items)
            if avoid >= 0:
                counted = set(self.pool.listing(*self.rules.quotas[avoid].key(t)))
                fits = [v for v in fits if v not in counted]
            self.fits[cached] = fits
        return fits
