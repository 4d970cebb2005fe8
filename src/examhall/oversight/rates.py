"""Pass rates from the summarised attempts: by exam category, site, enterprise, training
institution or month, first attempts and re-sits apart, with the counts beside every rate.
One GROUP BY over the summary table per question asked."""

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from examhall.errors import Invalid, Problem
from examhall.oversight.models import AttemptFact
from examhall.sittings.models import Enterprise, Institution, Site

DIMENSIONS = {
    "institution": "培训机构",
    "enterprise": "企业",
    "site": "考点",
    "category": "工种/类别",
    "month": "月份",
}
SHOWN_ROWS = 200  # a table's rows at most on the page; the export has them all
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
NOT_GIVEN = "（未填写）"


def month_zh(month: str) -> str:
    year, number = month.split("-")
    return f"{year}年{int(number)}月"


@dataclass(frozen=True)
class RateFilter:
    category: str = ""
    site_id: int | None = None
    enterprise_id: int | None = None
    institution_id: int | None = None
    month_from: str = ""
    month_to: str = ""
    by: str = "institution"

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "RateFilter":
        """The filter a page's form or the API's query gives; each bad value named in Chinese."""
        problems = []

        def number(name: str, label: str) -> int | None:
            text = query.get(name, "").strip()
            if not text:
                return None
            if not text.isdigit() or not 0 < int(text) < 2**31:
                problems.append(Problem("bad_filter", f"“{text}”不是有效的{label}", f"bad {name}", name))
                return None
            return int(text)

        def month(name: str, label: str) -> str:
            text = query.get(name, "").strip()
            found = _MONTH.match(text)
            if text and (found is None or not 1 <= int(found.group(2)) <= 12):
                problems.append(
                    Problem("bad_filter", f"{label}应为年-月，例如 2026-03，而不是“{text}”", f"bad {name}", name)
                )
                return ""
            return text

        by = query.get("by", "").strip() or "institution"
        if by not in DIMENSIONS:
            problems.append(Problem("bad_filter", f"没有“{by}”这种分组方式", "bad grouping", "by"))
            by = "institution"
        made = cls(
            category=query.get("category", "").strip()[:100],
            site_id=number("site", "考点"),
            enterprise_id=number("enterprise", "企业"),
            institution_id=number("institution", "培训机构"),
            month_from=month("from", "起始月份"),
            month_to=month("to", "截止月份"),
            by=by,
        )
        if made.month_from and made.month_to and made.month_from > made.month_to:
            problems.append(Problem("bad_filter", "起始月份晚于截止月份", "from after to", "from"))
        if problems:
            raise Invalid("bad_filter", "筛选条件有误", "bad filter", problems)
        return made

    def query(self, **changed: object) -> str:
        made = replace(self, **changed)  # type: ignore[arg-type]
        pairs = {
            "category": made.category,
            "site": made.site_id or "",
            "enterprise": made.enterprise_id or "",
            "institution": made.institution_id or "",
            "from": made.month_from,
            "to": made.month_to,
            "by": made.by,
        }
        return urlencode({k: v for k, v in pairs.items() if v not in ("", None)})

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.category:
            found.append(AttemptFact.category == self.category)
        if self.site_id:
            found.append(AttemptFact.site_id == self.site_id)
        if self.enterprise_id:
            found.append(AttemptFact.enterprise_id == self.enterprise_id)
        if self.institution_id:
            found.append(AttemptFact.institution_id == self.institution_id)
        if self.month_from:
            found.append(AttemptFact.month >= self.month_from)
        if self.month_to:
            found.append(AttemptFact.month <= self.month_to)
        return found


@dataclass
class Count:
    sat: int = 0
    passed: int = 0

    @property
    def rate(self) -> float | None:
        return self.passed / self.sat if self.sat else None


@dataclass
class RateRow:
    key: str
    label: str
    first: Count = field(default_factory=Count)
    resit: Count = field(default_factory=Count)

    @property
    def total(self) -> Count:
        return Count(self.first.sat + self.resit.sat, self.first.passed + self.resit.passed)


COLUMNS = {
    "institution": AttemptFact.institution_id,
    "enterprise": AttemptFact.enterprise_id,
    "site": AttemptFact.site_id,
    "category": AttemptFact.category,
    "month": AttemptFact.month,
}
NAMED: dict[str, type[Institution] | type[Enterprise] | type[Site]] = {
    "institution": Institution,
    "enterprise": Enterprise,
    "site": Site,
}


def names(db: Session, dimension: str, keys: list[object]) -> dict[object, str]:
    model = NAMED.get(dimension)
    if model is None:
        return {k: month_zh(str(k)) if dimension == "month" else str(k) for k in keys}
    wanted = [k for k in keys if k is not None]
    found: dict[object, str] = dict(db.execute(select(model.id, model.name).where(model.id.in_(wanted))).all())
    return {k: found.get(k, NOT_GIVEN) for k in keys}


def grouped(db: Session, where: RateFilter, dimension: str) -> list[RateRow]:
    """Rows by `dimension`, the most candidates first (months in order)."""
    column = COLUMNS[dimension]
    query = (
        select(column, AttemptFact.resit, func.count(), func.sum(case((AttemptFact.passed, 1), else_=0)))
        .where(*where.conditions())
        .group_by(column, AttemptFact.resit)
    )
    counts: dict[object, RateRow] = {}
    for key, resit, sat, passed in db.execute(query):
        row = counts.setdefault(key, RateRow(str(key if key is not None else ""), ""))
        setattr(row, "resit" if resit else "first", Count(int(sat), int(passed or 0)))
    labels = names(db, dimension, list(counts))
    for key, row in counts.items():
        row.label = labels[key]
    rows = list(counts.values())
    if dimension == "month":
        return sorted(rows, key=lambda r: r.key)
    return sorted(rows, key=lambda r: (-r.total.sat, r.label))


@dataclass(frozen=True)
class Choices:
    categories: list[str]
    sites: list[tuple[int, str]]
    enterprises: list[tuple[int, str]]
    institutions: list[tuple[int, str]]


def choices(db: Session) -> Choices:
    """What the filter offers: what the summaries hold."""

    def present(dimension: str) -> list[tuple[int, str]]:
        model = NAMED[dimension]
        used = select(COLUMNS[dimension]).where(COLUMNS[dimension].is_not(None)).distinct()
        return [
            (i, n) for i, n in db.execute(select(model.id, model.name).where(model.id.in_(used)).order_by(model.name))
        ]

    categories = list(db.scalars(select(AttemptFact.category).distinct().order_by(AttemptFact.category)))
    return Choices(categories, present("site"), present("enterprise"), present("institution"))


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def xlsx(rows: list[RateRow], months: list[RateRow], dimension: str) -> bytes:
    import openpyxl  # only when asked: a large import

    book = openpyxl.Workbook(write_only=True)
    head = ["首次考试人数", "首次合格人数", "首次合格率", "补考人数", "补考合格人数", "补考合格率"]
    head += ["合计人数", "合计合格人数", "合计合格率"]
    for title, label, table in (("合格率", DIMENSIONS[dimension], rows), ("按月", "月份", months)):
        sheet = book.create_sheet(title)
        sheet.append([label, *head])
        for row in table:
            cells: list[object] = [row.label]
            for count in (row.first, row.resit, row.total):
                cells += [count.sat, count.passed, round(count.rate, 4) if count.rate is not None else None]
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
