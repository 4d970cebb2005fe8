"""Admin pages for question banks: upload with the validation report, browse and filter, edit
(a new version), retire and restore."""

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
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
from examhall.web.pages import actor_names, flash, problem_text, redirect, refusal, render, templates

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
IMPORT_FIELDS = {"bank": "题库代码", "code": "题库代码", "name": "题库名称"}
templates.env.globals.update(
    type_names=TYPE_NAMES_ZH, labels=LABELS, difficulty_names=DIFFICULTY_ZH, source_names=SOURCE_ZH
)


def template_file() -> Path:
    return service.shipped_dir() / "template.xlsx"


def _banks_page(request: Request, db: DbSession, **context: Any) -> HTMLResponse:
    return render(request, "banks/list.html", banks=service.list_banks(db), typed=context.pop("typed", {}), **context)


@router.get("/admin/banks", response_class=HTMLResponse)
def banks(request: Request, db: DbSession, _: Admin) -> Response:
    return _banks_page(request, db)


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
    skip_unsupported: Annotated[str, Form()] = "",
) -> Response:
    """A refused file comes back to the upload form, with what was typed and every problem (errors
    and warnings apart); an accepted one shows its report."""
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
            skip_unsupported=bool(skip_unsupported),
            actor=admin.actor,
            limits=limits(settings),
        )
    except ExamhallError as error:
        status = refusal(db, error)["status_code"]
        refused = {
            "message": f"“{filename}”{error.zh}。请改正后重新选择文件上传",
            "errors": [problem_text(p, IMPORT_FIELDS) for p in error.problems if not p.warning],
            "warnings": [problem_text(p, IMPORT_FIELDS) for p in error.problems if p.warning],
            "unsupported": sum(1 for p in error.problems if not p.warning and service.cannot_import(p)),
        }
        typed = {"code": code, "name": name, "dry_run": bool(dry_run), "skip_unsupported": bool(skip_unsupported)}
        return _banks_page(request, db, typed=typed, refused=refused, status_code=status)
    bank = next((b for b, _ in service.list_banks(db) if b.code == report.bank), None)
    return render(
        request,
        "banks/report.html",
        filename=filename,
        bank_name=bank.name if bank else (name.strip() or report.bank),
        report=report,
        skipped=[p.text("zh") for p in report.skipped],
        warnings=[p.text("zh") for p in report.warnings],
    )


@router.get("/admin/banks/{code}", response_class=HTMLResponse)
def items(request: Request, code: str, db: DbSession, _: Admin) -> Response:
    query = dict(request.query_params)
    where = service.ItemFilter.from_query(query)
    number = query.get("page", "").strip()
    page = max(int(number), 1) if number.isdigit() else 1
    bank, rows, total = service.search_items(db, code=code, where=where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:  # a page past the end (the filter narrowed): show the last one
        page = pages
        bank, rows, total = service.search_items(
            db, code=code, where=where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    kept = {k: v for k, v in vars(where).items() if v not in ("", None)}
    return render(
        request,
        "banks/items.html",
        bank=bank,
        rows=rows,
        total=total,
        where=where,
        page=page,
        pages=pages,
        page_link=lambda n: "?" + urlencode({**kept, "page": n}),
        types=TYPES,
        facets=service.facets(db, bank),
    )


def _fields(version: Any, answer: str) -> dict[str, str]:
    """The edit form's fields as the version holds them."""
    options = list(version.options)
    return {
        "type": version.type,
        "stem": version.stem,
        "answer": answer,
        "explanation": version.explanation,
        "category": version.category,
        "knowledge_points": "；".join(version.knowledge_points),
        "difficulty": str(version.difficulty),
        "source": version.source,
        "reference": version.reference,
        "effective_from": str(version.effective_from or ""),
        "retire_on": str(version.retire_on or ""),
        "fixed_options": "".join(LABELS[i] for i in version.fixed_options),
        **{f"option_{label.lower()}": options[i] if i < len(options) else "" for i, label in enumerate(LABELS)},
    }


def _item_page(
    request: Request, db: DbSession, code: str, key: str, typed: ItemForm | None = None, **context: Any
) -> HTMLResponse:
    bank, item, version = service.get_item(db, code=code, key=key)
    versions = service.versions_of(db, item)
    answer = format_answer(service.version_to_draft(version, key))
    return render(
        request,
        "banks/item.html",
        bank=bank,
        item=item,
        version=version,
        types=TYPES,
        versions=versions,
        authors=actor_names(db, [v.created_by for v in versions]),
        fields=typed.model_dump() if typed else _fields(version, answer),
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
        before = service.get_item(db, code=code, key=key)[2].version
        saved = service.edit_item(db, code=code, key=key, draft=draft_from(fields, key), actor=admin.actor)
    except ExamhallError as error:
        return _item_page(request, db, code, key, typed=form, **refusal(db, error))
    flash(request, f"已保存为第 {saved.version} 版" if saved.version != before else "内容没有变化，未生成新版本")
    return redirect(f"/admin/banks/{code}/items/{key}")


@router.post("/admin/banks/{code}/items/{key}/retire", response_class=HTMLResponse)
def retire(
    request: Request, code: str, key: str, db: DbSession, admin: Admin, retired: Annotated[str, Form()] = "1"
) -> Response:
    try:
        service.set_retired(db, code=code, key=key, retired=retired == "1", actor=admin.actor)
    except ExamhallError as error:
        return _item_page(request, db, code, key, **refusal(db, error))
    flash(request, f"已停用试题{key}，新组的试卷不会再抽到它" if retired == "1" else f"已恢复使用试题{key}")
    return redirect(f"/admin/banks/{code}/items/{key}")
