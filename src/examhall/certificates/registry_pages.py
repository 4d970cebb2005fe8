"""Admin pages of the certificate registry: import of certificates issued before examhall (checked
first, then confirmed), export in the registry's layout, and the review list with its download.

The import goes in two steps because a registry file creates holders and certificates by the
hundred: the administrator sees what it would write before anything is. Nothing lives in the
process between the two requests, so the checked file travels in the confirmation form itself
(compressed, with its SHA-256), and is checked again in full when confirmed."""

import base64
import binascii
import hashlib
import zlib
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from examhall import clock
from examhall.accounts.permissions import Principal, allow
from examhall.banks.router import read_upload
from examhall.certificates import due, registry
from examhall.certificates.kinds import NUMBERING, kinds
from examhall.db import DbSession
from examhall.errors import ExamhallError, Invalid, Problem
from examhall.web.pages import refusal, render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, allow("admin")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A form field holds at most 1 MB (Starlette's limit). 5000 rows of xlsx carry as about 150 kB.
MAX_CARRIED = 900_000
SHOWN_ROWS = 300  # rows of a checked file listed on the page; the import takes them all
MONTHS = (1, 2, 3, 6, 12)


def _today(request: Request) -> date:
    return clock.local_date(clock.now(), request.app.state.settings.timezone)


def _xlsx(data: bytes, name: str) -> Response:
    return Response(
        data, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )


def _carry(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 9)).decode()


def _carried(text: str, sha256: str) -> bytes:
    """The file the confirmation carries back, whole and unchanged, or a refusal."""
    try:
        data = zlib.decompress(base64.b64decode(text, validate=True))
    except (binascii.Error, zlib.error, ValueError):
        data = b""
    if not data or hashlib.sha256(data).hexdigest() != sha256:
        raise Invalid("carried_broken", "待确认的文件内容不完整，请重新上传文件", "the carried file is damaged")
    return data


def _located(problems: list[Problem], filename: str) -> list[str]:
    """Each problem with its place, the file's name said once above them rather than on each line."""
    return [
        f"{p.where.removeprefix(filename).removeprefix('，')}：{p.zh}" if p.where != filename else p.zh
        for p in problems
    ]


def _import_page(request: Request, db: DbSession, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(
        request,
        "certificates/import.html",
        status_code=status_code,
        kinds=kinds(db),
        numbering=NUMBERING,
        shown=SHOWN_ROWS,
        **context,
    )


@router.get("/admin/certificates/import", response_class=HTMLResponse)
def import_form(request: Request, db: DbSession, _: Admin) -> Response:
    return _import_page(request, db)


@router.post("/admin/certificates/import", response_class=HTMLResponse)
def import_file(
    request: Request,
    db: DbSession,
    admin: Admin,
    file: Annotated[UploadFile | None, File()] = None,
    step: Annotated[str, Form()] = "check",
    carried: Annotated[str, Form(max_length=MAX_CARRIED + 1000)] = "",
    sha256: Annotated[str, Form(max_length=64)] = "",
    filename: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    """step=check: the uploaded file checked, showing what it would import (nothing written);
    step=confirm: the file the check page carries, imported all or nothing."""
    today = _today(request)
    if step == "confirm":
        name = filename or "证书文件"
        try:
            imported = registry.import_file(
                db, filename=name, data=_carried(carried, sha256), today=today, actor=admin.actor
            )
        except ExamhallError as error:
            refused = refusal(db, error)
            refused["problems"] = _located(error.problems, name)
            refused["error"] = f"“{name}”{error.zh}。请改正后重新上传"
            return _import_page(request, db, filename=name, **refused)
        return _import_page(request, db, filename=name, imported=imported)
    if file is None or not file.filename:
        return _import_page(request, db, status_code=422, error="请选择要导入的文件（xlsx 或 CSV）")
    name = file.filename
    try:
        data = read_upload(file, request.app.state.settings)
    except ExamhallError as error:
        return _import_page(request, db, filename=name, **refusal(db, error))
    checked = registry.check_file(db, filename=name, data=data, today=today)
    if checked.problems:
        return _import_page(
            request,
            db,
            status_code=422,
            filename=name,
            error=f"“{name}”有{len(checked.problems)}处问题，未导入任何证书。请改正后重新上传",
            problems=_located(checked.problems, name),
        )
    carry = _carry(data)
    if len(carry) > MAX_CARRIED:
        return _import_page(
            request,
            db,
            status_code=422,
            filename=name,
            error=f"“{name}”太大，不能一次导入，请分成几个较小的文件",
        )
    return _import_page(request, db, filename=name, checked=checked, carried=carry)


@router.get("/admin/certificates/export.xlsx")
def export(request: Request, db: DbSession, _: Admin, kind: str = "", state: str = "") -> Response:
    kind_id = int(kind) if kind.isdigit() and len(kind) < 10 else None
    chosen = state if state in registry.STATES else None
    data = registry.export_file(db, today=_today(request), kind_id=kind_id, state=chosen)
    return _xlsx(data, f"证书登记表{_today(request).isoformat()}.xlsx")


def _window(months: str, enterprise: str) -> tuple[int, int | None, str]:
    """The review list's filter as the query gives it: (months, enterprise id, a message if bad)."""
    number = int(months) if months.strip().isdigit() and len(months.strip()) < 4 else -1
    chosen = int(enterprise) if enterprise.isdigit() and len(enterprise) < 10 else None
    if not 1 <= number <= due.MAX_MONTHS:
        return 3, chosen, f"月数应为1至{due.MAX_MONTHS}，已按3个月列出"
    return number, chosen, ""


@router.get("/admin/certificates/reviews", response_class=HTMLResponse)
def reviews(request: Request, db: DbSession, _: Admin, months: str = "3", enterprise: str = "") -> Response:
    number, enterprise_id, problem = _window(months, enterprise)
    today = _today(request)
    rows = due.due_list(db, today=today, months=number, enterprise_id=enterprise_id)
    query = {"months": number, **({"enterprise": enterprise_id} if enterprise_id else {})}
    return render(
        request,
        "certificates/reviews.html",
        rows=rows,
        months=number,
        month_choices=sorted({*MONTHS, number}),
        enterprise_id=enterprise_id,
        enterprises=due.enterprises(db),
        until=due.add_months(today, number),
        overdue_days=due.OVERDUE_DAYS,
        download="/admin/certificates/reviews.xlsx?" + urlencode(query),
        error=problem,
    )


@router.get("/admin/certificates/reviews.xlsx")
def reviews_xlsx(request: Request, db: DbSession, _: Admin, months: str = "3", enterprise: str = "") -> Response:
    number, enterprise_id, _problem = _window(months, enterprise)
    today = _today(request)
    rows = due.due_list(db, today=today, months=number, enterprise_id=enterprise_id)
    return _xlsx(due.due_file(rows), f"复审名单{today.isoformat()}（{number}个月内）.xlsx")
