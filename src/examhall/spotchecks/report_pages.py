"""The spot-check report pages (逢查必考统计) for officers, administrators and inspectors: per
enterprise (and each enterprise's checks and open measures), per training institution with the
走过场 flag, per category and month; each with its Excel export and a month range."""

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from examhall import clock
from examhall.accounts.permissions import Principal, allow
from examhall.db import DbSession
from examhall.errors import ExamhallError, NotFound
from examhall.spotchecks import report_export, report_institutions, reports
from examhall.spotchecks.reports import Period, month_zh, percent
from examhall.web.pages import problem_text, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, allow("officer", "admin", "inspector")]
FILTER_LABELS = {"from": "起始月份", "to": "截止月份", "category": "工种/类别"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RULES = {
    "high": report_institutions.EXAM_RATE_HIGH,
    "gap": report_institutions.GAP_POINTS,
    "workers": report_institutions.MIN_WORKERS,
    "results": report_institutions.MIN_EXAM_RESULTS,
    "none": report_institutions.NO_INSTITUTION,
}


def _today(request: Request) -> date:
    return clock.local_date(clock.now(), request.app.state.settings.timezone)


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    return render(request, template, percent=percent, month_zh=month_zh, rules=RULES, **context)


def _period(request: Request) -> Period | list[str]:
    """The filter asked for, or what is wrong with it, each problem named."""
    try:
        return Period.from_query(request.query_params)
    except ExamhallError as error:
        return [problem_text(p, FILTER_LABELS) for p in error.problems]


def _bad_filter(request: Request, template: str, problems: list[str], **context: Any) -> HTMLResponse:
    return _page(
        request,
        template,
        status_code=400,
        error="筛选条件有误，请改正后重新查询",
        problems=problems,
        period=Period(),
        **context,
    )


def _xlsx(data: bytes, name: str) -> Response:
    return Response(
        data, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )


def _enterprise_id(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise NotFound("no_enterprise", "没有这家企业", f"no enterprise {text[:20]}")
    return int(text)


@router.get("/spot-reports", response_class=HTMLResponse)
def enterprise_list(request: Request, db: DbSession, _: Reader) -> Response:
    period = _period(request)
    if not isinstance(period, Period):
        return _bad_filter(request, "spotchecks/reports.html", period, rows=[])
    rows = reports.enterprises(db, period, _today(request))
    return _page(request, "spotchecks/reports.html", period=period, rows=rows)


@router.get("/spot-reports/enterprises.xlsx")
def enterprises_xlsx(request: Request, db: DbSession, _: Reader, enterprise: str = "") -> Response:
    """All enterprises, or the one asked for (its checks and open measures)."""
    period = _period(request)
    if not isinstance(period, Period):
        return _page(request, "error.html", status_code=400, message="筛选条件有误", problems=period)
    today = _today(request)
    if enterprise:
        made = reports.enterprise(db, _enterprise_id(enterprise), period, today)
        row = reports.EnterpriseRow(made.enterprise_id, made.name, len(made.checks), made.tally, made.findings)
        row.open_measures, row.overdue = len(made.measures), sum(m.overdue for m in made.measures)
        data = report_export.enterprises_xlsx(period, [row], made.checks, made.measures)
        return _xlsx(data, f"现场抽考统计（{made.name}）.xlsx")
    rows = reports.enterprises(db, period, today)
    data = report_export.enterprises_xlsx(
        period, rows, reports.check_lines(db, period), reports.open_measures(db, today)
    )
    return _xlsx(data, "现场抽考统计（按企业）.xlsx")


@router.get("/spot-reports/enterprises/{enterprise_id}", response_class=HTMLResponse)
def enterprise_detail(request: Request, enterprise_id: str, db: DbSession, _: Reader) -> Response:
    found = _enterprise_id(enterprise_id)
    period = _period(request)
    if not isinstance(period, Period):
        return _bad_filter(request, "spotchecks/report_enterprise.html", period, made=None, enterprise_id=found)
    made = reports.enterprise(db, found, period, _today(request))
    return _page(request, "spotchecks/report_enterprise.html", period=period, made=made, enterprise_id=found)


@router.get("/spot-reports/institutions", response_class=HTMLResponse)
def institution_list(request: Request, db: DbSession, _: Reader) -> Response:
    categories = report_institutions.spot_categories(db)
    period = _period(request)
    if not isinstance(period, Period):
        return _bad_filter(request, "spotchecks/report_institutions.html", period, rows=[], categories=categories)
    rows = report_institutions.institutions(db, period)
    return _page(request, "spotchecks/report_institutions.html", period=period, rows=rows, categories=categories)


@router.get("/spot-reports/institutions.xlsx")
def institutions_xlsx(request: Request, db: DbSession, _: Reader) -> Response:
    period = _period(request)
    if not isinstance(period, Period):
        return _page(request, "error.html", status_code=400, message="筛选条件有误", problems=period)
    data = report_export.institutions_xlsx(period, report_institutions.institutions(db, period))
    return _xlsx(data, "现场抽考与考试合格率（按培训机构）.xlsx")


@router.get("/spot-reports/categories", response_class=HTMLResponse)
def category_list(request: Request, db: DbSession, _: Reader) -> Response:
    period = _period(request)
    if not isinstance(period, Period):
        return _bad_filter(request, "spotchecks/report_categories.html", period, made=None)
    made = reports.by_category(db, period)
    return _page(request, "spotchecks/report_categories.html", period=period, made=made)


@router.get("/spot-reports/categories.xlsx")
def categories_xlsx(request: Request, db: DbSession, _: Reader) -> Response:
    period = _period(request)
    if not isinstance(period, Period):
        return _page(request, "error.html", status_code=400, message="筛选条件有误", problems=period)
    data = report_export.categories_xlsx(period, reports.by_category(db, period))
    return _xlsx(data, "现场抽考统计（按工种和月份）.xlsx")
