"""Admin pages to read and edit blueprints, checked against the banks they will draw from."""

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from examhall.accounts.permissions import Principal, allow
from examhall.banks import service as banks
from examhall.db import DbSession
from examhall.errors import ExamhallError, invalid
from examhall.papers import service
from examhall.papers.blueprint import parse_text
from examhall.web.pages import flash, redirect, refusal, render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, allow("admin")]


@router.get("/admin/blueprints", response_class=HTMLResponse)
def blueprints(request: Request, db: DbSession, _: Admin) -> Response:
    return render(request, "papers/blueprints.html", blueprints=service.list_blueprints(db))


def _edit_page(request: Request, db: DbSession, text: str, checked: list[str], **context: Any) -> HTMLResponse:
    return render(request, "papers/blueprint.html", text=text, banks=banks.list_banks(db), checked=checked, **context)


@router.get("/admin/blueprints/{name}", response_class=HTMLResponse)
def blueprint(request: Request, name: str, db: DbSession, _: Admin) -> Response:
    found = service.get_blueprint(db, name)
    text = yaml.safe_dump(found.document(), allow_unicode=True, sort_keys=False)
    return _edit_page(request, db, text, [], name=name, title=found.title)


@router.post("/admin/blueprints", response_class=HTMLResponse)
def save(
    request: Request,
    db: DbSession,
    admin: Admin,
    text: Annotated[str, Form(max_length=100_000)],
    banks_checked: Annotated[list[str] | None, Form(alias="bank")] = None,
) -> Response:
    try:
        parsed, problems = parse_text(text, source="组卷规则")
        if parsed is None:
            raise invalid(problems)
        service.save_blueprint(db, blueprint=parsed, actor=admin.actor, bank_codes=banks_checked or [])
    except ExamhallError as error:
        return _edit_page(request, db, text, banks_checked or [], **refusal(db, error))
    checked = "，已用所选题库检查能组卷" if banks_checked else ""
    flash(request, f"已保存组卷规则“{parsed.title}”{checked}")
    return redirect(f"/admin/blueprints/{parsed.name}")
