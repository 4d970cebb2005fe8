"""The spot-check reports as Excel workbooks: a sheet per table the page shows, with the counts
beside every rate, rates as percentages Excel can compute with, and the rules on a sheet of
their own so that a workbook read later still says what it counts."""

import io
from collections.abc import Sequence

from examhall.spotchecks import report_institutions as by_institution
from examhall.spotchecks import reports
from examhall.spotchecks.report_institutions import InstitutionRow
from examhall.spotchecks.reports import ByCategory, CheckLine, EnterpriseRow, OpenMeasure, Period

Sheet = tuple[str, list[str], list[list[object]]]
RATE = "0.0%"


def _rate(tally: reports.Tally) -> float | None:
    return round(tally.rate, 4) if tally.rate is not None else None


def workbook(sheets: Sequence[Sheet], *, rate_columns: dict[str, set[int]] | None = None) -> bytes:
    import openpyxl  # only when asked: a large import
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, head, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(head)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for column in (rate_columns or {}).get(title, set()):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = RATE
        for number, text in enumerate(head, start=1):
            sheet.column_dimensions[sheet.cell(1, number).column_letter].width = max(10, len(text) * 2 + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rules(period: Period) -> Sheet:
    lines: list[list[object]] = [
        ["统计期间", period.label],
        ["口径", "只统计已封存的现场抽考；合格率 = 合格人数 ÷ 受检人数"],
    ]
    if period.category:
        lines.append(["工种/类别", period.category])
    return ("说明", ["项目", "内容"], lines)


def _checks(lines: list[CheckLine]) -> Sheet:
    head = [
        "抽考编号",
        "企业",
        "日期",
        "地点",
        "执法人员",
        "受检人数",
        "合格人数",
        "合格率",
        "证书问题人数",
        "不合格人员",
    ]
    rows: list[list[object]] = [
        [
            c.check_id,
            c.enterprise,
            c.held_on,
            c.place,
            c.officers,
            c.tally.counted,
            c.tally.passed,
            _rate(c.tally),
            c.findings,
            "、".join(c.failed),
        ]
        for c in lines
    ]
    return ("抽考明细", head, rows)


def _measures(measures: list[OpenMeasure]) -> Sheet:
    head = ["企业", "抽考编号", "抽考日期", "措施", "内容", "涉及人员", "期限", "逾期天数"]
    rows: list[list[object]] = [
        [m.enterprise, m.check_id, m.held_on, m.kind, m.detail, m.worker, m.deadline, m.overdue_days or None]
        for m in measures
    ]
    return ("未完成措施", head, rows)


def enterprises_xlsx(
    period: Period, rows: list[EnterpriseRow], lines: list[CheckLine], measures: list[OpenMeasure]
) -> bytes:
    head = ["企业", "抽考次数", "受检人数", "合格人数", "合格率", "证书问题人数", "未完成措施", "其中逾期"]
    summary: list[list[object]] = [
        [r.name, r.checks, r.tally.counted, r.tally.passed, _rate(r.tally), r.findings, r.open_measures, r.overdue]
        for r in rows
    ]
    sheets = [("按企业", head, summary), _checks(lines), _measures(measures), _rules(period)]
    return workbook(sheets, rate_columns={"按企业": {5}, "抽考明细": {8}})


def institutions_xlsx(period: Period, rows: list[InstitutionRow]) -> bytes:
    head = ["培训机构", "抽考受检人数", "抽考合格人数", "抽考合格率", "考试人次", "考试合格人次", "考试合格率"]
    head += ["抽考比考试低（百分点）", "疑似走过场"]
    table: list[list[object]] = [
        [
            r.name,
            r.spot.counted,
            r.spot.passed,
            _rate(r.spot),
            r.exam.counted,
            r.exam.passed,
            _rate(r.exam),
            round(r.gap_points, 1) if r.gap_points is not None else None,
            "是" if r.flagged else "",
        ]
        for r in rows
    ]
    rule = (
        f"考试合格率不低于{by_institution.EXAM_RATE_HIGH}%，抽考合格率比考试合格率低{by_institution.GAP_POINTS}个百分点以上，"
        f"且抽考不少于{by_institution.MIN_WORKERS}人、考试不少于{by_institution.MIN_EXAM_RESULTS}人次"
    )
    rules = _rules(period)
    rules[2].extend(
        [
            ["培训机构的认定", "受检人员在抽考之日（含）以前最近一次该工种/类别培训的培训机构"],
            ["考试合格率", "已发布成绩的考试记录，按该场次报名时填写的培训机构统计，首次考试和补考均计入"],
            ["疑似走过场", rule],
        ]
    )
    return workbook([("按培训机构", head, table), rules], rate_columns={"按培训机构": {4, 7}})


def categories_xlsx(period: Period, made: ByCategory) -> bytes:
    def table(cells: list[reports.CategoryMonth], *, month: bool, category: bool) -> list[list[object]]:
        return [
            [
                *([c.month] if month else []),
                *([c.category] if category else []),
                c.checks,
                c.tally.counted,
                c.tally.passed,
                _rate(c.tally),
            ]
            for c in cells
        ]

    counts = ["抽考次数", "受检人数", "合格人数", "合格率"]
    sheets = [
        ("按月份和工种", ["月份", "工种/类别", *counts], table(made.rows, month=True, category=True)),
        ("逐月合计", ["月份", *counts], table(made.months, month=True, category=False)),
        ("按工种合计", ["工种/类别", *counts], table(made.categories, month=False, category=True)),
        _rules(period),
    ]
    return workbook(sheets, rate_columns={"按月份和工种": {6}, "逐月合计": {5}, "按工种合计": {5}})
