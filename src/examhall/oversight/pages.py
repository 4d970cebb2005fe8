"""Oversight pages (监管分析): pass rates with charts, tables and an Excel export; item analysis
per bank; the fairness of each sitting's papers; anomaly flags with their evidence; the
printable monthly report. Administrators see all; inspectors (the regulators on the ground) see
all but the item analysis, which shows the banks' items and keys."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from examhall.accounts.permissions import Principal, allow
from examhall.db import DbSession
from examhall.errors import ExamhallError
from examhall.oversight import findings, items, rates, report, sittings, summary
from examhall.oversight.fairness import TOLERANCE_SHARE
from examhall.oversight.rates import DIMENSIONS, RateFilter, month_zh, percent
from examhall.sittings.models import Site
from examhall.web.pages import problem_text, render, templates

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, allow("admin", "inspector")]
Admin = Annotated[Principal, allow("admin")]
FILTER_LABELS = {"site": "考点", "enterprise": "企业", "institution": "培训机构", "from": "起始月份", "to": "截止月份"}


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _number_of(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


templates.env.filters.update(
    pct=_pct,
    number=_number_of,
    seat_label=lambda seat: f"{seat}号",
    option_label=lambda label: label or "未作答",
    short_month=lambda month: f"{month[2:4]}年{int(month[5:])}月",
)


def _fresh(request: Request) -> int:
    """Summarise what was published since the last look; how many sittings still wait."""
    settings = request.app.state.settings
    return summary.catch_up(request.app.state.database, timezone=settings.timezone)


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    return render(
        request, template, percent=percent, month_zh=month_zh, zone=request.app.state.settings.timezone, **context
    )


def _number(text: str) -> int:
    return max(int(text), 1) if text.isdigit() and len(text) < 7 else 1


@router.get("/oversight", response_class=HTMLResponse)
def pass_rates(request: Request, db: DbSession, _: Reader) -> Response:
    waiting = _fresh(request)
    choices = rates.choices(db)
    try:
        where = RateFilter.from_query(request.query_params)
    except ExamhallError as error:
        problems = [problem_text(p, FILTER_LABELS) for p in error.problems]
        return _page(
            request,
            "oversight/rates.html",
            status_code=400,
            error="筛选条件有误，请改正后重新查询",
            problems=problems,
            where=RateFilter(),
            choices=choices,
            rows=[],
            months=[],
            waiting=waiting,
            dimensions=DIMENSIONS,
        )
    rows = rates.grouped(db, where, where.by)
    months = rates.grouped(db, where, "month")
    return _page(
        request,
        "oversight/rates.html",
        where=where,
        choices=choices,
        rows=rows,
        shown=rows[: rates.SHOWN_ROWS],
        months=months,
        waiting=waiting,
        dimensions=DIMENSIONS,
    )


@router.get("/oversight/pass-rates.xlsx")
def pass_rates_xlsx(request: Request, db: DbSession, _: Reader) -> Response:
    try:
        where = RateFilter.from_query(request.query_params)
    except ExamhallError as error:
        problems = [problem_text(p, FILTER_LABELS) for p in error.problems]
        return _page(request, "error.html", status_code=400, message="筛选条件有误", problems=problems)
    data = rates.xlsx(rates.grouped(db, where, where.by), rates.grouped(db, where, "month"), where.by)
    name = quote(f"合格率统计（按{DIMENSIONS[where.by]}）.xlsx")
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


@router.get("/oversight/items", response_class=HTMLResponse)
def item_banks(request: Request, db: DbSession, _: Admin) -> Response:
    waiting = _fresh(request)
    return _page(request, "oversight/banks.html", banks=items.banks_analysed(db), waiting=waiting)


@router.get("/oversight/items/{code}", response_class=HTMLResponse)
def bank_items(request: Request, code: str, db: DbSession, _: Admin, flagged: str = "") -> Response:
    waiting = _fresh(request)
    bank, analysed = items.bank_analysis(db, code)
    shown = [a for a in analysed if a.flags] if flagged else analysed
    counts = {name: sum(1 for a in analysed if name in a.flags) for name in items.FLAG_NAMES}
    return _page(
        request,
        "oversight/bank.html",
        bank=bank,
        analysed=shown,
        total=len(analysed),
        flagged=bool(flagged),
        counts=counts,
        flag_names=items.FLAG_NAMES,
        flag_rules=items.FLAG_RULES,
        min_n=items.MIN_N,
        waiting=waiting,
    )


@router.get("/oversight/items/{code}/{key}", response_class=HTMLResponse)
def item_versions(request: Request, code: str, key: str, db: DbSession, _: Admin, version: str = "") -> Response:
    """An item's analysis: its newest version with statistics, or the one asked for."""
    _fresh(request)
    found = items.versions_of_item(db, code, key)
    if not found:  # an item no published sitting carried yet: said, not a missing page
        return _page(request, "oversight/item.html", a=None, code=code, key=key, versions=[])
    wanted = int(version) if version.isdigit() and int(version) in found else found[0]
    analysis = items.version_analysis(db, wanted)
    return _page(
        request,
        "oversight/item.html",
        a=analysis,
        versions=found,
        flag_names=items.FLAG_NAMES,
        flag_rules=items.FLAG_RULES,
        min_n=items.MIN_N,
    )


@router.get("/oversight/sittings", response_class=HTMLResponse)
def sitting_list(request: Request, db: DbSession, _: Reader, page: str = "") -> Response:
    waiting = _fresh(request)
    number = _number(page)
    rows, total = sittings.summarised(db, page=number)
    pages = max(1, -(-total // sittings.PAGE_SIZE))
    return _page(request, "oversight/sittings.html", rows=rows, page=number, pages=pages, waiting=waiting)


@router.get("/oversight/sittings/{sitting_id}", response_class=HTMLResponse)
def sitting_detail(request: Request, sitting_id: int, db: DbSession, _: Reader) -> Response:
    _fresh(request)
    label, seats = sittings.seats(db, sitting_id)
    flagged, _total = findings.flags(db, sitting_ids=[sitting_id])
    outlying = findings.outliers(db, sitting_ids=[sitting_id])
    return _page(
        request,
        "oversight/sitting.html",
        label=label,
        seats=seats,
        findings=flagged,
        outlying=outlying,
        tolerance=round(TOLERANCE_SHARE * 100),
    )


@router.get("/oversight/anomalies", response_class=HTMLResponse)
def anomaly_list(request: Request, db: DbSession, _: Reader, kind: str = "", page: str = "") -> Response:
    waiting = _fresh(request)
    kind = kind if kind in findings.KIND_NAMES else ""
    number = _number(page)
    found, total = ([], 0) if kind == findings.OUTLYING else findings.flags(db, kind=kind, page=number)
    outlying = findings.outliers(db) if kind in ("", findings.OUTLYING) and number == 1 else []
    pages = max(1, -(-total // findings.PAGE_SIZE))
    return _page(
        request,
        "oversight/anomalies.html",
        findings=found,
        outlying=outlying,
        kind=kind,
        kinds=findings.KIND_NAMES,
        page=number,
        pages=pages,
        total=total,
        waiting=waiting,
    )


@router.get("/oversight/report", response_class=HTMLResponse)
def monthly_report(
    request: Request, db: DbSession, _: Reader, month: str = "", category: str = "", site: str = ""
) -> Response:
    _fresh(request)
    choices = rates.choices(db)
    try:
        asked = report.ReportAsk.from_query(month=month, category=category, site=site, today=date.today())
    except ExamhallError as error:
        problems = [problem_text(p, {"month": "月份", "site": "考点"}) for p in error.problems]
        return _page(
            request,
            "oversight/report.html",
            status_code=400,
            error="报表条件有误",
            problems=problems,
            choices=choices,
            made=None,
            asked=None,
        )
    site_name = db.scalar(select(Site.name).where(Site.id == asked.site_id)) if asked.site_id else None
    made = report.monthly(db, asked)
    return _page(request, "oversight/report.html", choices=choices, made=made, asked=asked, site_name=site_name)
