"""Admin pages for question banks: upload with the validation report, browse and filter, edit
(a new version), retire and restore."""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field

from examhall.accounts.permissions import Principal, allow
from examhall.banks import service
from examhall.banks.items import (
    DIFFICULTY_ZH,
    LABELS,
    SOURCE_ZH,
    TYPE_NAMES_ZH,
    TYPES,
    format_answer,
)
from examhall.banks.router import draft_from, limits, read_upload
from examhall.db import DbSession
from examhall.errors import ExamhallError
from examhall.web.pages import redirect, refusal, render, templates

router = APIRouter(include_in_schema=False)


class ItemForm(BaseModel):
    type: str
    stem: str = Field("", max_length=4000)
    answer: str = ""
    explanation: str = ""
    category: str = ""
    knowledge_points: str = ""
    difficulty: str = "3"
    source: str = "national"
    reference: str = ""
    effective_from: str = ""
    retire_on: str = ""
    fixed_options: str = ""
    option_a: str = ""
    option_b: str = ""
    option_c: str = ""
    option_d: str = ""
    option_e: str = ""
    option_f: str = ""
    option_g: str = ""
    option_h: str = ""


Admin = Annotated[Principal, allow("admin")]
PAGE_SIZE = 50
templates.env.globals.update(
    type_names=TYPE_NAMES_ZH, labels=LABELS, difficulty_names=DIFFICULTY_ZH, source_names=SOURCE_ZH
)


def template_file() -> Path:
    return service.shipped_dir() / "template.xlsx"


@router.get("/admin/banks", response_class=HTMLResponse)
def banks(request: Request, db: DbSession, _: Admin) -> Response:
    return render(request, "banks/list.html", banks=service.list_banks(db))


@router.get("/admin/banks/template.xlsx")
def template(_: Admin) -> Response:
    return FileResponse(template_file(), filename="examhall-题库导入模板.xlsx")


@router.post("/admin/banks/import", response_class=HTMLResponse)
def import_file(
    request: Request,
    db: DbSession,
    admin: Admin,
    file: Annotated[UploadFile, File()],
    code: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=200)] = "",
    dry_run: Annotated[str, Form()] = "",
) -> Response:
    settings = request.app.state.settings
    filename = file.filename or "upload"
    try:
        data = read_upload(file, settings)
        report = service.import_file(
            db,
            code=code.strip(),
            filename=filename,
            data=data,
            name=name.strip(),
            dry_run=bool(dry_run),
            actor=admin.actor,
            limits=limits(settings),
        )
    except ExamhallError as error:
        return render(request, "banks/report.html", filename=filename, code=code, report=None, **refusal(db, error))
    return render(
        request,
        "banks/report.html",
        filename=filename,
        code=code,
        report=report,
        warnings=[p.text("zh") for p in report.warnings],
    )


@router.get("/admin/banks/{code}", response_class=HTMLResponse)
def items(
    request: Request, code: str, db: DbSession, _: Admin, where: Annotated[service.ItemFilter, Depends()], page: int = 1
) -> Response:
    where.q = where.q.strip()
    page = max(page, 1)
    bank, rows, total = service.search_items(db, code=code, where=where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render(
        request,
        "banks/items.html",
        bank=bank,
        rows=rows,
        total=total,
        where=where,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        types=TYPES,
        facets=service.facets(db, bank),
    )


def _item_page(request: Request, db: DbSession, code: str, key: str, **context: Any) -> HTMLResponse:
    bank, item, version = service.get_item(db, code=code, key=key)
    return render(
        request,
        "banks/item.html",
        bank=bank,
        item=item,
        version=version,
        types=TYPES,
        versions=service.versions_of(db, item),
        answer_text=format_answer(service.version_to_draft(version, key)),
        **context,
    )


@router.get("/admin/banks/{code}/items/{key}", response_class=HTMLResponse)
def item(request: Request, code: str, key: str, db: DbSession, _: Admin) -> Response:
    return _item_page(request, db, code, key)


@router.post("/admin/banks/{code}/items/{key}", response_class=HTMLResponse)
def edit_item(
    request: Request, code: str, key: str, db: DbSession, admin: Admin, form: Annotated[ItemForm, Form()]
) -> Response:
    fields: dict[str, Any] = form.model_dump()
    fields.update({f"option{i}": fields.pop(f"option_{label.lower()}") for i, label in enumerate(LABELS)})
    try:
        service.edit_item(db, code=code, key=key, draft=draft_from(fields, key), actor=admin.actor)
    except ExamhallError as error:
        return _item_page(request, db, code, key, **refusal(db, error))
    return redirect(f"/admin/banks/{code}/items/{key}")


@router.post("/admin/banks/{code}/items/{key}/retire", response_class=HTMLResponse)
def retire(
    request: Request, code: str, key: str, db: DbSession, admin: Admin, retired: Annotated[str, Form()] = "1"
) -> Response:
    try:
        service.set_retired(db, code=code, key=key, retired=retired == "1", actor=admin.actor)
    except ExamhallError as error:
        return _item_page(request, db, code, key, **refusal(db, error))
    return redirect(f"/admin/banks/{code}/items/{key}")
