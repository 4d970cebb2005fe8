"""Spot-check reports (逢查必考统计): per enterprise (each check, its pass rate and findings, the
measures still open) and per category and month; the filter and counts they share with the
report per training institution (report_institutions).

Only sealed checks count: an open one may still change. The month range filters checks by the
day they were held. Open measures are confirmed ones with no follow-up yet, from every sealed
check whatever the month range: an old measure still open is what the officers need to see."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from examhall.accounts.models import User
from examhall.errors import Invalid, NotFound, Problem
from examhall.sittings.models import Candidate, Enterprise
from examhall.spotchecks.measures import KINDS
from examhall.spotchecks.models import Measure, SpotCheck, SpotWorker

SEALED = "sealed"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_zh(month: str) -> str:
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


@dataclass(frozen=True)
class Period:
    """The reports' filter: a month range (either end open) and, where it applies, a category."""

    month_from: str = ""
    month_to: str = ""
    category: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "Period":
        problems = []

        def month(name: str, label: str) -> str:
            text = query.get(name, "").strip()
            found = _MONTH.match(text)
            if text and (found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900):
                problems.append(
                    Problem("bad_filter", f"{label}应为年-月，例如 2026-03，而不是“{text[:20]}”", f"bad {name}", name)
                )
                return ""
            return text

        made = cls(month("from", "起始月份"), month("to", "截止月份"), query.get("category", "").strip()[:100])
        if made.month_from and made.month_to and made.month_from > made.month_to:
            problems.append(Problem("bad_filter", "起始月份晚于截止月份", "from is after to", "from"))
        if problems:
            raise Invalid("bad_filter", "筛选条件有误", "the filter is not valid", problems)
        return made

    @property
    def first_day(self) -> date | None:
        return date.fromisoformat(f"{self.month_from}-01") if self.month_from else None

    @property
    def last_day(self) -> date | None:
        if not self.month_to:
            return None
        start = date.fromisoformat(f"{self.month_to}-01")
        return (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)

    def days(self, column: InstrumentedAttribute[date]) -> list[ColumnElement[bool]]:
        found = []
        if self.first_day:
            found.append(column >= self.first_day)
        if self.last_day:
            found.append(column <= self.last_day)
        return found

    def query(self, **changed: str) -> str:
        made = replace(self, **changed)
        pairs = {"from": made.month_from, "to": made.month_to, "category": made.category}
        return urlencode({k: v for k, v in pairs.items() if v})

    @property
    def label(self) -> str:
        if not (self.month_from or self.month_to):
            return "全部时间"
        start = month_zh(self.month_from) if self.month_from else "最早"
        end = month_zh(self.month_to) if self.month_to else "至今"
        return f"{start}至{end}"


@dataclass
class Tally:
    """Workers (or exam results) and how many passed, the rate beside them."""

    counted: int = 0
    passed: int = 0

    @property
    def rate(self) -> float | None:
        return self.passed / self.counted if self.counted else None

    @property
    def exact(self) -> Fraction | None:
        return Fraction(self.passed, self.counted) if self.counted else None

    def add(self, passed: bool) -> None:
        self.counted += 1
        self.passed += int(passed)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


# --- per enterprise ----------------------------------------------------------------------------


@dataclass
class CheckLine:
    check_id: int
    enterprise_id: int
    enterprise: str
    held_on: date
    place: str
    officers: str
    tally: Tally
    findings: int  # workers whose certificate showed anything but a valid one
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OpenMeasure:
    measure_id: int
    check_id: int
    enterprise_id: int
    enterprise: str
    held_on: date
    kind: str
    detail: str
    worker: str
    deadline: date | None
    overdue_days: int  # 0 when not overdue (or no deadline)

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


@dataclass
class EnterpriseRow:
    enterprise_id: int
    name: str
    checks: int = 0
    tally: Tally = field(default_factory=Tally)
    findings: int = 0
    open_measures: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class EnterpriseReport:
    enterprise_id: int
    name: str
    checks: list[CheckLine]
    tally: Tally
    findings: int
    measures: list[OpenMeasure]


def _display_names(db: Session, ids: set[int]) -> dict[int, str]:
    return {
        i: n or u for i, n, u in db.execute(select(User.id, User.display_name, User.username).where(User.id.in_(ids)))
    }


def check_lines(db: Session, period: Period, enterprise_id: int | None = None) -> list[CheckLine]:
    """Every sealed check in the period, newest first."""
    where = [SpotCheck.state == SEALED, *period.days(SpotCheck.held_on)]
    if enterprise_id is not None:
        where.append(SpotCheck.enterprise_id == enterprise_id)
    checks = list(
        db.execute(
            select(SpotCheck, Enterprise.name)
            .join(Enterprise, Enterprise.id == SpotCheck.enterprise_id)
            .where(*where)
            .order_by(SpotCheck.held_on.desc(), SpotCheck.id.desc())
        ).all()
    )
    people = _display_names(db, {i for c, _ in checks for i in (c.officer_id, c.partner_id)})
    lines = {
        c.id: CheckLine(
            c.id,
            c.enterprise_id,
            name,
            c.held_on,
            c.place,
            f"{people.get(c.officer_id, '')}、{people.get(c.partner_id, '')}",
            Tally(),
            0,
        )
        for c, name in checks
    }
    workers = (
        select(SpotWorker.check_id, SpotWorker.passed, SpotWorker.finding, Candidate.name)
        .join(Candidate, Candidate.id == SpotWorker.candidate_id)
        .join(SpotCheck, SpotCheck.id == SpotWorker.check_id)
        .where(*where, SpotWorker.passed.is_not(None))
        .order_by(SpotWorker.id)
    )
    for check_id, passed, finding, name in db.execute(workers):
        line = lines[check_id]
        line.tally.add(bool(passed))
        line.findings += finding != "valid"
        if not passed:
            line.failed.append(name)
    return list(lines.values())


def open_measures(db: Session, today: date, enterprise_id: int | None = None) -> list[OpenMeasure]:
    """Measures of sealed checks, confirmed and not yet followed up: the earliest deadline first."""
    query = (
        select(Measure, SpotCheck.enterprise_id, SpotCheck.held_on, Enterprise.name, Candidate.name)
        .join(SpotCheck, SpotCheck.id == Measure.check_id)
        .join(Enterprise, Enterprise.id == SpotCheck.enterprise_id)
        .outerjoin(SpotWorker, SpotWorker.id == Measure.worker_id)
        .outerjoin(Candidate, Candidate.id == SpotWorker.candidate_id)
        .where(SpotCheck.state == SEALED, Measure.confirmed_by.is_not(None), Measure.followed_up_on.is_(None))
    )
    if enterprise_id is not None:
        query = query.where(SpotCheck.enterprise_id == enterprise_id)
    found = [
        OpenMeasure(
            m.id,
            m.check_id,
            company_id,
            company,
            held_on,
            KINDS.get(m.kind, m.kind),
            m.detail,
            worker or "",
            m.deadline,
            max((today - m.deadline).days, 0) if m.deadline else 0,
        )
        for m, company_id, held_on, company, worker in db.execute(query).all()
    ]
    return sorted(found, key=lambda m: (m.deadline is None, m.deadline or today, m.measure_id))


def enterprises(db: Session, period: Period, today: date) -> list[EnterpriseRow]:
    """Each enterprise with a sealed check in the period or a measure still open; the most
    workers quizzed first."""
    rows: dict[int, EnterpriseRow] = {}
    for line in check_lines(db, period):
        row = rows.setdefault(line.enterprise_id, EnterpriseRow(line.enterprise_id, line.enterprise))
        row.checks += 1
        row.tally.counted += line.tally.counted
        row.tally.passed += line.tally.passed
        row.findings += line.findings
    for measure in open_measures(db, today):
        row = rows.setdefault(measure.enterprise_id, EnterpriseRow(measure.enterprise_id, measure.enterprise))
        row.open_measures += 1
        row.overdue += measure.overdue
    return sorted(rows.values(), key=lambda r: (-r.tally.counted, -r.open_measures, r.name))


def enterprise(db: Session, enterprise_id: int, period: Period, today: date) -> EnterpriseReport:
    company = db.get(Enterprise, enterprise_id)
    if company is None:
        raise NotFound("no_enterprise", "没有这家企业", f"no enterprise {enterprise_id}")
    lines = check_lines(db, period, enterprise_id)
    tally = Tally(sum(c.tally.counted for c in lines), sum(c.tally.passed for c in lines))
    return EnterpriseReport(
        company.id, company.name, lines, tally, sum(c.findings for c in lines), open_measures(db, today, company.id)
    )


# --- per category and month --------------------------------------------------------------------


@dataclass
class CategoryMonth:
    month: str  # 2026-03
    category: str  # "" in a month's total
    check_ids: set[int] = field(default_factory=set)
    tally: Tally = field(default_factory=Tally)

    @property
    def checks(self) -> int:
        return len(self.check_ids)


@dataclass(frozen=True)
class ByCategory:
    rows: list[CategoryMonth]  # by month, then category
    months: list[CategoryMonth]  # each month's total over its categories
    categories: list[CategoryMonth]  # each category's total over the period (month "")


def by_category(db: Session, period: Period) -> ByCategory:
    """Checks, workers and pass rate per category and month. A check that quizzed workers of two
    categories counts once in each, and once in its month's total."""
    query = (
        select(SpotWorker.check_id, SpotCheck.held_on, SpotWorker.category, SpotWorker.passed)
        .join(SpotCheck, SpotCheck.id == SpotWorker.check_id)
        .where(SpotCheck.state == SEALED, SpotWorker.passed.is_not(None), *period.days(SpotCheck.held_on))
    )
    cells: dict[tuple[str, str], CategoryMonth] = {}
    for check_id, held_on, category, passed in db.execute(query):
        month = f"{held_on:%Y-%m}"
        for key in ((month, category), (month, ""), ("", category)):
            cell = cells.setdefault(key, CategoryMonth(*key))
            cell.check_ids.add(check_id)
            cell.tally.add(bool(passed))
    ordered = sorted(cells.values(), key=lambda c: (c.month, c.category))
    return ByCategory(
        [c for c in ordered if c.month and c.category],
        [c for c in ordered if c.month and not c.category],
        [c for c in ordered if not c.month],
    )
