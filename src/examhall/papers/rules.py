"""What a blueprint asks of a paper, in counts: per type, per quota, per difficulty and per source.

The same counts say whether a bank can fill a blueprint at all (feasibility), whether a drawn paper
meets it (check), and how far a paper being drawn still is from meeting it (the search)."""

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from itertools import combinations

from examhall.banks.items import TYPE_NAMES_ZH
from examhall.errors import Invalid, Problem
from examhall.papers.blueprint import Blueprint
from examhall.papers.pool import LEVELS, Key, Pool


class Infeasible(Invalid):
    """The bank cannot supply a paper to the blueprint; the problems name what is missing."""


def infeasible(problems: list[Problem]) -> Infeasible:
    return Infeasible("infeasible", "题库不能满足组卷规则", "the bank cannot fill the blueprint", problems)


@dataclass(frozen=True)
class QuotaRule:
    index: int  # in blueprint.quotas
    category: str
    point: str
    low: int
    high: int | None
    label: str
    label_en: str

    def key(self, type: str) -> Key:
        return ("category", type, self.category) if self.category else ("point", type, self.point)

    def matches(self, pool: Pool, version_id: int) -> bool:
        if self.category:
            return pool.category[version_id] == self.category
        return self.point in pool.points[version_id]

    def excess(self, count: int) -> int:
        """How far a paper holding `count` matching items is from the quota."""
        if count < self.low:
            return self.low - count
        if self.high is not None and count > self.high:
            return count - self.high
        return 0

    def bound(self) -> tuple[str, str]:
        if self.high == self.low:
            return f"恰好{self.low}题", f"exactly {self.low}"
        if self.high is None:
            return f"至少{self.low}题", f"at least {self.low}"
        if self.low == 0:
            return f"至多{self.high}题", f"at most {self.high}"
        return f"{self.low}至{self.high}题", f"{self.low} to {self.high}"


@dataclass(frozen=True)
class Rules:
    types: tuple[str, ...]  # the sections' types, each once, in blueprint order
    need: dict[str, int]  # items per type
    sections_of: dict[str, tuple[int, ...]]
    total: int
    quotas: tuple[QuotaRule, ...]
    # The difficulty mean as bounds on the sum of the items' difficulties (None: no mean asked).
    mean: Decimal | None
    tolerance: Decimal
    sum_low: int
    sum_high: int
    levels: tuple[int, ...] | None  # items wanted per level, indexed 1-5 (index 0 unused)
    share: Decimal
    national: int  # national items wanted


def rules(blueprint: Blueprint) -> Rules:
    need: dict[str, int] = {}
    sections_of: dict[str, tuple[int, ...]] = {}
    for i, section in enumerate(blueprint.sections):
        need[section.type] = need.get(section.type, 0) + section.count
        sections_of[section.type] = (*sections_of.get(section.type, ()), i)
    total = blueprint.item_count
    quotas = tuple(
        QuotaRule(j, q.category, q.knowledge_point, q.low, q.high, q.label, q.label_en)
        for j, q in enumerate(blueprint.quotas)
    )
    difficulty = blueprint.difficulty
    mean = difficulty.mean if difficulty else None
    tolerance = difficulty.tolerance if difficulty else Decimal(0)
    sum_low, sum_high = 0, 5 * total
    if mean is not None:
        sum_low = _whole((mean - tolerance) * total, ROUND_CEILING)
        sum_high = _whole((mean + tolerance) * total, ROUND_FLOOR)
    levels = None
    if difficulty and difficulty.levels is not None:
        levels = tuple(difficulty.levels.get(level, 0) if level else 0 for level in range(6))
    share = blueprint.source.national_min_share if blueprint.source else Decimal(0)
    return Rules(
        types=tuple(need),
        need=need,
        sections_of=sections_of,
        total=total,
        quotas=quotas,
        mean=mean,
        tolerance=tolerance,
        sum_low=sum_low,
        sum_high=sum_high,
        levels=levels,
        share=share,
        national=_whole(share * total, ROUND_CEILING),
    )


def _whole(value: Decimal, rounding: str) -> int:
    return int(value.to_integral_value(rounding=rounding))


def number(value: Decimal) -> str:
    """A decimal as people write it: 2.5, 80, 0.25."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _mean(total: int, count: int, rounding: str) -> str:
    return f"{(Decimal(total) / count).quantize(Decimal('0.01'), rounding=rounding):f}"


# --- counts -------------------------------------------------------------------------------------


@dataclass
class Tally:
    """A paper's counts that the rules are checked on."""

    quota: list[int]
    difficulty: int = 0
    levels: list[int] = field(default_factory=lambda: [0] * 6)
    national: int = 0

    @classmethod
    def of(cls, rules: Rules, pool: Pool, version_ids: list[int]) -> "Tally":
        tally = cls([0] * len(rules.quotas))
        for v in version_ids:
            tally.difficulty += pool.difficulty[v]
            tally.levels[pool.difficulty[v]] += 1
            tally.national += pool.national[v]
            for q in rules.quotas:
                tally.quota[q.index] += q.matches(pool, v)
        return tally


def mean_excess(rules: Rules, total: int) -> int:
    if rules.mean is None:
        return 0
    return max(0, rules.sum_low - total) + max(0, total - rules.sum_high)


def levels_excess(rules: Rules, levels: list[int]) -> int:
    if rules.levels is None:
        return 0
    return sum(abs(levels[level] - rules.levels[level]) for level in LEVELS)


def excess(rules: Rules, tally: Tally) -> int:
    """How far the paper is from meeting every rule: 0 when it meets them all."""
    return (
        sum(q.excess(n) for q, n in zip(rules.quotas, tally.quota, strict=True))
        + mean_excess(rules, tally.difficulty)
        + levels_excess(rules, tally.levels)
        + max(0, rules.national - tally.national)
    )


def unmet(rules: Rules, tally: Tally, *, closest: bool = False) -> list[Problem]:
    """Each rule the counts break. `closest`: the counts are the best a bounded search found."""
    code = "unmet" if closest else "rule_broken"
    lead, lead_en = (
        ("与其他条件无法同时满足：", "could not be met together with the other rules: ") if closest else ("", "")
    )
    has, has_en = ("最接近时为", "the closest paper had") if closest else ("试卷中为", "the paper has")
    problems = []
    for q, n in zip(rules.quotas, tally.quota, strict=True):
        if q.excess(n):
            bound, bound_en = q.bound()
            problems.append(
                Problem(
                    code,
                    f"{lead}配额{q.label}需要{bound}，{has}{n}题",
                    f"{lead_en}quota {q.label_en} needs {bound_en} items; {has_en} {n}",
                    f"quotas.{q.index}",
                )
            )
    if rules.mean is not None and mean_excess(rules, tally.difficulty):
        target, target_en = _target(rules)
        got = f"{(Decimal(tally.difficulty) / rules.total).quantize(Decimal('0.01')):f}"
        problems.append(
            Problem(
                code,
                f"{lead}难度均值须为{target}，{has}{got}",
                f"{lead_en}the mean difficulty must be {target_en}; {has_en} {got}",
                "difficulty",
            )
        )
    if rules.levels is not None:
        for level in LEVELS:
            if tally.levels[level] != rules.levels[level]:
                problems.append(
                    Problem(
                        code,
                        f"{lead}难度{level}级需要{rules.levels[level]}题，{has}{tally.levels[level]}题",
                        f"{lead_en}difficulty level {level} needs {rules.levels[level]} items; "
                        f"{has_en} {tally.levels[level]}",
                        f"difficulty.levels.{level}",
                    )
                )
    if tally.national < rules.national:
        pct = number(rules.share * 100)
        problems.append(
            Problem(
                code,
                f"{lead}国家级题目须至少占{pct}%（{rules.national}题），{has}{tally.national}题",
                f"{lead_en}at least {pct}% of the items ({rules.national}) must come from the national bank; "
                f"{has_en} {tally.national}",
                "source",
            )
        )
    return problems


def _target(rules: Rules) -> tuple[str, str]:
    assert rules.mean is not None
    low, high = number(rules.mean - rules.tolerance), number(rules.mean + rules.tolerance)
    plus = f"{number(rules.mean)}±{number(rules.tolerance)}"
    return f"{plus}（{low}至{high}）", f"{plus} ({low} to {high})"


# --- feasibility --------------------------------------------------------------------------------


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class _Bank:
    """How to say what the bank holds for the blueprint's types, in both languages."""

    types_zh: str
    types_en: str

    def short(self, have: int, reach: int, missing: int, what: str) -> tuple[str, str]:
        """`have` such items in force, of which the sections' counts let `reach` onto a paper."""
        if reach < have:
            return (
                f"题库中{self.types_zh}的现行题中{what}有{have}题，但受各部分题数所限最多只能选入{reach}题，缺{missing}题",
                f"the bank has {have} such items in force among {self.types_en}, "
                f"but the sections' counts let at most {reach} onto a paper; {missing} missing",
            )
        return (
            f"题库中{self.types_zh}的现行题中{what}只有{have}题，缺{missing}题",
            f"the bank has {have} such items in force among {self.types_en}; {missing} missing",
        )


def feasibility(blueprint: Blueprint, pool: Pool) -> list[Problem]:
    """The necessary conditions for the bank to fill the blueprint; each unmet one a problem that
    names the section or the rule and how many items are missing. Empty does not promise a paper:
    the rules may still be unsatisfiable together, which only the search finds out."""
    r = rules(blueprint)
    bank = _Bank("、".join(TYPE_NAMES_ZH.get(t, t) for t in r.types), _listed(list(r.types)))
    problems = _sections(blueprint, r, pool)
    problems += _quotas(r, pool, bank)
    if r.national:
        have = sum(pool.count("national", t) for t in r.types)
        reach = sum(min(r.need[t], pool.count("national", t)) for t in r.types)
        if reach < r.national:
            pct = number(r.share * 100)
            zh, en = bank.short(have, reach, r.national - reach, "国家级的")
            problems.append(
                Problem(
                    "national_short",
                    f"国家级题目须至少占{pct}%，即{r.total}题中至少{r.national}题，{zh}",
                    f"at least {pct}% of the items must come from the national bank, {r.national} of {r.total}; {en}",
                    "source",
                )
            )
    # The reachable means are only defined once every type can fill its sections.
    if r.mean is not None and all(pool.count("type", t) >= r.need[t] for t in r.types):
        problems += _mean_reach(r, pool)
    if r.levels is not None:
        problems += _levels_reach(r, pool, bank)
    return problems


def _sections(blueprint: Blueprint, r: Rules, pool: Pool) -> list[Problem]:
    problems = []
    for t in r.types:
        have, need = pool.count("type", t), r.need[t]
        if have >= need:
            continue
        missing, indexes, type_zh = need - have, r.sections_of[t], TYPE_NAMES_ZH.get(t, t)
        if len(indexes) == 1:
            i = indexes[0]
            title = blueprint.sections[i].title or type_zh
            zh = f"第{i + 1}部分“{title}”需要{need}题，题库中现行的{type_zh}只有{have}题，缺{missing}题"
            en = f"section {i + 1} ({t}) needs {need} items; the bank has {have} in force; {missing} missing"
        else:
            numbers = [str(i + 1) for i in indexes]
            zh = (
                f"第{'、'.join(numbers)}部分（{type_zh}）合计需要{need}题，"
                f"题库中现行的{type_zh}只有{have}题，缺{missing}题"
            )
            en = (
                f"sections {_listed(numbers)} ({t}) need {need} items together; "
                f"the bank has {have} in force; {missing} missing"
            )
        problems.append(Problem("section_short", zh, en, f"sections.{indexes[0]}"))
    return problems


def _quotas(r: Rules, pool: Pool, bank: _Bank) -> list[Problem]:
    problems = []
    for q in r.quotas:
        matching = {t: pool.count(*q.key(t)) for t in r.types}
        bound, bound_en = q.bound()
        reach = sum(min(r.need[t], matching[t]) for t in r.types)
        if reach < q.low:
            zh, en = bank.short(sum(matching.values()), reach, q.low - reach, "符合的")
            problems.append(
                Problem(
                    "quota_short",
                    f"配额{q.label}需要{bound}，{zh}",
                    f"quota {q.label_en} needs {bound_en} items; {en}",
                    f"quotas.{q.index}",
                )
            )
        # Items of a type that the quota does not count, too few to fill that type's sections.
        forced = sum(min(matching[t], max(0, r.need[t] - (pool.count("type", t) - matching[t]))) for t in r.types)
        if q.high is not None and forced > q.high:
            problems.append(
                Problem(
                    "quota_excess",
                    f"配额{q.label}需要{bound}，但题库中{bank.types_zh}不符合该配额的现行题不够，"
                    f"至少会选入{forced}题符合的，多{forced - q.high}题",
                    f"quota {q.label_en} needs {bound_en} items, but the bank has too few other items in force "
                    f"among {bank.types_en}: at least {forced} matching items would be on the paper; "
                    f"{forced - q.high} too many",
                    f"quotas.{q.index}",
                )
            )
    return problems


def _sum_of(counts: list[tuple[int, int]], n: int) -> int:
    """The sum of the difficulties of n items taken level by level in the given order."""
    total = 0
    for level, count in counts:
        take = min(n, count)
        total, n = total + take * level, n - take
    return total


def _mean_reach(r: Rules, pool: Pool) -> list[Problem]:
    target, target_en = _target(r)
    if r.sum_low > r.sum_high:
        return [
            Problem(
                "difficulty_unreachable",
                f"难度均值须为{target}，{r.total}题的均值不可能落在此范围内",
                f"the mean difficulty must be {target_en}; no mean of {r.total} items falls in that range",
                "difficulty",
            )
        ]
    lowest = highest = 0
    for t in r.types:
        counts = [(level, pool.count("level", t, level)) for level in LEVELS]
        lowest += _sum_of(counts, r.need[t])
        highest += _sum_of(counts[::-1], r.need[t])
    if r.sum_low <= highest and lowest <= r.sum_high:
        return []
    # Rounded away from the target, so that the shown range never seems to touch it.
    rounding = ROUND_FLOOR if highest < r.sum_low else ROUND_CEILING
    low, high = _mean(lowest, r.total, rounding), _mean(highest, r.total, rounding)
    return [
        Problem(
            "difficulty_unreachable",
            f"难度均值须为{target}，按各部分的题型和题数，题库中现行题能组出的均值在{low}至{high}之间",
            f"the mean difficulty must be {target_en}; with the sections' types and counts, "
            f"the bank's items in force reach means from {low} to {high}",
            "difficulty",
        )
    ]


def _levels_reach(r: Rules, pool: Pool, bank: _Bank) -> list[Problem]:
    """Every set of levels must find its items among the types that the sections leave room for
    (Hall's condition): each level short is reported, or else the first set of levels found short."""
    assert r.levels is not None
    wanted = [level for level in LEVELS if r.levels[level]]
    problems: list[Problem] = []
    for size in range(1, len(wanted) + 1):
        for chosen in combinations(wanted, size):
            want = sum(r.levels[level] for level in chosen)
            per_type = [sum(pool.count("level", t, level) for level in chosen) for t in r.types]
            reach = sum(min(r.need[t], n) for t, n in zip(r.types, per_type, strict=True))
            if reach >= want:
                continue
            if size == 1:
                zh, en = bank.short(sum(per_type), reach, want - reach, f"{chosen[0]}级的")
                head, head_en = f"难度{chosen[0]}级需要{want}题", f"difficulty level {chosen[0]} needs {want} items"
            else:
                zh, en = bank.short(sum(per_type), reach, want - reach, "这些级别的")
                names = [str(level) for level in chosen]
                head = f"难度{'、'.join(names)}级合计需要{want}题"
                head_en = f"difficulty levels {_listed(names)} need {want} items together"
            problems.append(Problem("levels_short", f"{head}，{zh}", f"{head_en}; {en}", "difficulty.levels"))
            if size > 1:
                return problems
        if problems:
            return problems
    return problems
