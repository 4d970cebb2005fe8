"""The monthly report of one exam category at one site (either may be all): the month's pass
rates, the twelve months up to it, institutions and enterprises, and what was flagged."""

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.errors import Invalid, Problem
from examhall.oversight import rates
from examhall.oversight.findings import Finding, Outlier, flags, outliers
from examhall.oversight.models import AttemptFact
from examhall.oversight.rates import Count, RateFilter, RateRow

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def months_back(month: str, count: int) -> str:
    """The month `count` months before `month` (YYYY-MM)."""
    year, number = (int(x) for x in month.split("-"))
    index = year * 12 + number - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class ReportAsk:
    month: str
    category: str
    site_id: int | None

    @classmethod
    def from_query(cls, *, month: str, category: str, site: str, today: date) -> "ReportAsk":
        problems = []
        month = month.strip() or months_back(f"{today:%Y-%m}", 1)  # the last whole month
        found = _MONTH.match(month)
        if found is None or not 1 <= int(found.group(2)) <= 12:
            problems.append(Problem("bad_month", f"月份应为年-月，例如 2026-03，而不是“{month}”", "bad month", "month"))
        site = site.strip()
        if site and (not site.isdigit() or not 0 < int(site) < 2**31):
            problems.append(Problem("bad_site", f"“{site}”不是有效的考点", "bad site", "site"))
        if problems:
            raise Invalid("bad_report", "报表条件有误", "bad report", problems)
        return cls(month, category.strip()[:100], int(site) if site else None)

    def rate_filter(self, *, months: int = 1) -> RateFilter:
        return RateFilter(
            category=self.category,
            site_id=self.site_id,
            month_from=months_back(self.month, months - 1),
            month_to=self.month,
        )


@dataclass(frozen=True)
class Monthly:
    total: RateRow
    trend: list[RateRow]
    institutions: list[RateRow]
    enterprises: list[RateRow]
    findings: list[Finding]
    flagged: int
    outlying: list[Outlier]


def monthly(db: Session, asked: ReportAsk) -> Monthly:
    where = asked.rate_filter()
    total = RateRow("", "合计")
    for row in rates.grouped(db, where, "month"):
        total.first = Count(total.first.sat + row.first.sat, total.first.passed + row.first.passed)
        total.resit = Count(total.resit.sat + row.resit.sat, total.resit.passed + row.resit.passed)
    ids = sorted(
        i for i in db.scalars(select(AttemptFact.sitting_id).where(*where.conditions()).distinct()) if i is not None
    )
    found, flagged = flags(db, sitting_ids=ids)
    return Monthly(
        total=total,
        trend=rates.grouped(db, asked.rate_filter(months=12), "month"),
        institutions=rates.grouped(db, where, "institution")[:30],
        enterprises=rates.grouped(db, where, "enterprise")[:30],
        findings=found,
        flagged=flagged,
        outlying=outliers(db, sitting_ids=ids),
    )
