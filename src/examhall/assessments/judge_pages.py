"""The judges' pages, made for a tablet or phone at the judges' table: their panels, each
candidate's parts, and the score sheet (a mark per criterion). A judge sees no other judge's
score until every judge of that part has submitted."""

from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from examhall.accounts.permissions import Principal, allow, public
from examhall.assessments import judging, panels, sheets
from examhall.db import DbSession, Id
from examhall.errors import ExamhallError, Invalid
from examhall.web.pages import redirect, refusal, render

router = APIRouter(include_in_schema=False)
JudgeUser = Annotated[Principal, allow("judge")]
SCRIPT = files("examhall.assessments") / "score.js"


@router.get("/judge/score.js")
def script(_: Annotated[Principal | None, public()]) -> Response:
    return Response(SCRIPT.read_bytes(), media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})


def _home(request: Request, db: DbSession, me: Principal, **context: Any) -> HTMLResponse:
    return render(request, "assessments/judge_home.html", panels=sheets.my_panels(db, me.id), **context)


@router.get("/judge", response_class=HTMLResponse)
def home(request: Request, db: DbSession, me: JudgeUser) -> Response:
    return _home(request, db, me)


@router.post("/judge/conflicts", response_class=HTMLResponse)
def declare(
    request: Request,
    db: DbSession,
    me: JudgeUser,
    reason: Annotated[str, Form(max_length=4000)],
    institution: Annotated[str, Form(max_length=200)] = "",
    id_number: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    try:
        panels.declare_conflict(
            db, user_id=me.id, institution_name=institution, id_number=id_number, reason=reason, actor=me.actor
        )
    except ExamhallError as error:
        return _home(request, db, me, **refusal(db, error))
    return _home(request, db, me, declared=True)


@router.get("/judge/assessments/{assessment_id}", response_class=HTMLResponse)
def sheet(request: Request, assessment_id: Id, db: DbSession, me: JudgeUser) -> Response:
    state, cells = sheets.judge_cells(db, assessment_id=assessment_id, user_id=me.id)
    rows: dict[int, list[sheets.JudgeCell]] = {}
    for cell in cells:
        rows.setdefault(cell.entry_id, []).append(cell)
    return render(request, "assessments/judge_sheet.html", assessment=state.assessment, plan=state.plan, rows=rows)


def _cell_page(
    request: Request, db: DbSession, me: Principal, assessment_id: Id, entry_id: Id, part: str, **context: Any
) -> HTMLResponse:
    state, cell = sheets.judge_cell(db, assessment_id=assessment_id, entry_id=entry_id, part_key=part, user_id=me.id)
    return render(request, "assessments/score.html", assessment=state.assessment, cell=cell, **context)


@router.get("/judge/assessments/{assessment_id}/entries/{entry_id}/parts/{part}", response_class=HTMLResponse)
def score_sheet(request: Request, assessment_id: Id, entry_id: Id, part: str, db: DbSession, me: JudgeUser) -> Response:
    return _cell_page(request, db, me, assessment_id, entry_id, part)


@router.post("/judge/assessments/{assessment_id}/entries/{entry_id}/parts/{part}", response_class=HTMLResponse)
def score(
    request: Request,
    assessment_id: Id,
    entry_id: Id,
    part: str,
    db: DbSession,
    me: JudgeUser,
    action: Annotated[str, Form(max_length=20)],
    key: Annotated[list[str] | None, Form()] = None,
    mark: Annotated[list[str] | None, Form()] = None,
    score_id: Annotated[Id | None, Form()] = None,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Submit the marks (each criterion's key and mark, in order), or reopen one's own score."""
    keys, marks = key or [], mark or []
    given = dict(zip(keys, marks, strict=False))
    try:
        if action == "submit":
            if len(keys) != len(marks):
                raise Invalid("bad_form", "评分表不完整，请刷新页面后重新填写", "the form is incomplete")
            judging.submit(
                db,
                assessment_id=assessment_id,
                entry_id=entry_id,
                part_key=part,
                marks=given,
                user_id=me.id,
                actor=me.actor,
            )
        elif action == "reopen":
            judging.reopen(
                db,
                assessment_id=assessment_id,
                score_id=score_id or 0,
                reason=reason,
                user_id=me.id,
                role=me.role,
                actor=me.actor,
            )
        else:
            raise Invalid("bad_action", "不能进行此操作", "not an action you may take here")
    except ExamhallError as error:
        return _cell_page(
            request, db, me, assessment_id, entry_id, part, given=given, reason=reason, **refusal(db, error)
        )
    return redirect(f"/judge/assessments/{assessment_id}/entries/{entry_id}/parts/{part}")
