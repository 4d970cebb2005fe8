"""JSON API for question banks: list, import, search, edit, retire, export. Admins only: bank
contents (and their keys) are the exam body's secret."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from examhall.accounts.permissions import Principal, allow
from examhall.banks import service
from examhall.banks.formats import Limits
from examhall.banks.formats.common import fields_draft
from examhall.banks.items import BLANK_SEPARATOR, ItemDraft, Location, validate
from examhall.banks.models import Item, ItemVersion
from examhall.banks.schemas import BankOut, ImportReportOut, ItemIn, ItemOut, ItemPage, ProblemOut
from examhall.config import Settings
from examhall.db import DbSession
from examhall.errors import Invalid, Problem, invalid

router = APIRouter(prefix="/api/v1/banks", tags=["banks"])
Admin = Annotated[Principal, allow("admin")]
EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "json": "application/json",
    "yaml": "application/yaml",
}


def limits(settings: Settings) -> Limits:
    return Limits(max_bytes=settings.max_upload_mb * 1024 * 1024, max_items=settings.max_import_items)


def read_upload(upload: UploadFile, settings: Settings) -> bytes:
    """The uploaded bytes, refused past the size limit."""
    cap = settings.max_upload_mb * 1024 * 1024
    data = upload.file.read(cap + 1)
    if len(data) > cap:
        raise Invalid(
            "too_large", f"文件超过{settings.max_upload_mb}MB上限", f"the file exceeds {settings.max_upload_mb} MB"
        )
    return data


def problem_out(p: Problem) -> ProblemOut:
    return ProblemOut(code=p.code, where=p.where, message=p.zh, warning=p.warning)


def report_out(report: service.ImportReport) -> ImportReportOut:
    return ImportReportOut(
        bank=report.bank,
        items=report.items,
        added=report.added,
        versioned=report.versioned,
        unchanged=report.unchanged,
        dry_run=report.dry_run,
        skipped=[problem_out(p) for p in report.skipped],
        warnings=[problem_out(p) for p in report.warnings],
    )


def item_out(item: Item, version: ItemVersion) -> ItemOut:
    return ItemOut(
        key=item.key,
        version=version.version,
        type=version.type,
        stem=version.stem,
        options=version.options,
        answer=version.answer,
        fixed_options=version.fixed_options,
        explanation=version.explanation,
        category=version.category,
        knowledge_points=version.knowledge_points,
        difficulty=version.difficulty,
        source=version.source,
        reference=version.reference,
        effective_from=version.effective_from,
        retire_on=version.retire_on,
        images=version.images,
        retired=item.retired_at is not None,
    )


def draft_from(fields: dict[str, Any], key: str) -> ItemDraft:
    """An item from named fields (a form or a JSON body), refused with every problem in it."""
    draft, problems = fields_draft(fields.get, Location(identifier=key))
    if draft is not None:
        problems += validate(draft)
    if draft is None or any(not p.warning for p in problems):
        raise invalid(problems)
    return draft


def body_fields(body: ItemIn) -> dict[str, Any]:
    fields: dict[str, Any] = body.model_dump(exclude={"options", "answer"})
    fields.update({f"option{i}": text for i, text in enumerate(body.options)})
    answer = body.answer
    if isinstance(answer, list):
        answer = (
            BLANK_SEPARATOR.join(";".join(b) if isinstance(b, list) else b for b in answer)
            if (body.type == "fill_blank")
            else "".join(str(a) for a in answer)
        )
    fields["answer"] = answer
    fields["knowledge_points"] = "；".join(body.knowledge_points)
    return fields


@router.get("", response_model=list[BankOut])
def list_banks(db: DbSession, _: Admin) -> list[BankOut]:
    return [BankOut(code=b.code, name=b.name, description=b.description, items=n) for b, n in service.list_banks(db)]


@router.post("/{code}/import", response_model=ImportReportOut)
async def import_file(
    code: str,
    request: Request,
    db: DbSession,
    admin: Admin,
    file: Annotated[UploadFile, File()],
    name: Annotated[str, Form(max_length=200)] = "",
    dry_run: Annotated[bool, Form()] = False,
    skip_unsupported: Annotated[bool, Form()] = False,
) -> ImportReportOut:
    """Refused (422, every problem with `warning` telling errors from warnings) unless all of it
    can be imported; `skip_unsupported` leaves out what examhall cannot import instead."""
    settings: Settings = request.app.state.settings
    data = read_upload(file, settings)
    report = service.import_file(
        db,
        code=code,
        filename=file.filename or "upload",
        data=data,
        name=name,
        dry_run=dry_run,
        skip_unsupported=skip_unsupported,
        actor=admin.actor,
        limits=limits(settings),
    )
    return report_out(report)


@router.get("/{code}/items", response_model=ItemPage)
def search(
    code: str,
    db: DbSession,
    _: Admin,
    q: Annotated[str, Query(max_length=200)] = "",
    type: Annotated[str, Query(max_length=30)] = "",
    category: Annotated[str, Query(max_length=100)] = "",
    knowledge_point: Annotated[str, Query(max_length=100)] = "",
    difficulty: Annotated[str, Query(max_length=2, description="1-5; empty: any")] = "",
    status: Annotated[str, Query(max_length=10, description="active, retired or all")] = "active",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ItemPage:
    """The bank's items matching the filter; an empty filter value means any."""
    where = service.ItemFilter.from_query(
        {
            "q": q,
            "type": type,
            "category": category,
            "knowledge_point": knowledge_point,
            "difficulty": difficulty,
            "status": status,
        }
    )
    found = service.search_items(db, code=code, where=where, offset=offset, limit=limit)
    return ItemPage(total=found[2], items=[item_out(item, version) for item, version in found[1]])


@router.get("/{code}/items/{key}", response_model=ItemOut)
def get_item(code: str, key: str, db: DbSession, _: Admin) -> ItemOut:
    return item_out(*service.get_item(db, code=code, key=key)[1:])


@router.put("/{code}/items/{key}", response_model=ItemOut)
def edit_item(code: str, key: str, body: ItemIn, db: DbSession, admin: Admin) -> ItemOut:
    version = service.edit_item(db, code=code, key=key, draft=draft_from(body_fields(body), key), actor=admin.actor)
    _, item, _ = service.get_item(db, code=code, key=key)
    return item_out(item, version)


@router.post("/{code}/items/{key}/retire", response_model=ItemOut)
def retire(code: str, key: str, db: DbSession, admin: Admin) -> ItemOut:
    service.set_retired(db, code=code, key=key, retired=True, actor=admin.actor)
    return get_item(code, key, db, admin)


@router.post("/{code}/items/{key}/restore", response_model=ItemOut)
def restore(code: str, key: str, db: DbSession, admin: Admin) -> ItemOut:
    service.set_retired(db, code=code, key=key, retired=False, actor=admin.actor)
    return get_item(code, key, db, admin)


@router.get("/{code}/export")
def export(code: str, db: DbSession, _: Admin, format: str = "xlsx") -> Response:
    if format not in ("xlsx", "qti", "json", "yaml"):
        raise Invalid("bad_format", "导出格式应为 xlsx、qti、json 或 yaml", "format must be xlsx, qti, json or yaml")
    data, extension = service.export_bank(db, code=code, fmt=format)
    return Response(
        data,
        media_type=EXPORT_TYPES.get(extension, "application/octet-stream"),
        headers={"Content-Disposition": f'attachment; filename="{code}.{extension}"'},
    )


@router.get("/images/{sha256}")
def image(sha256: str, db: DbSession, _: Admin) -> Response:
    found = service.image(db, sha256)
    return Response(found.data, media_type=found.content_type, headers={"Cache-Control": "private, max-age=86400"})
