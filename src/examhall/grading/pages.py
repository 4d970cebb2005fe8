"""The printable sitting record with the seal, the results page with appeals, and the candidates'
result lookup."""

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from examhall.accounts.permissions import Principal, allow, client_address, public
from examhall.accounts.router import throttle
from examhall.db import DbSession, Id
from examhall.errors import ExamhallError, Invalid
from examhall.grading import appeals, sealing, service
from examhall.grading import results as graded
from examhall.grading.record import file_record as write_record
from examhall.grading.record import record_of
from examhall.grading.router import zone
from examhall.proctoring.service import CATEGORIES, STATE_NAMES, watched_sitting
from examhall.web.pages import redirect, refusal, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, allow("proctor", "chief_examiner", "admin", "inspector")]
Staff = Annotated[Principal, allow("proctor", "chief_examiner", "admin")]
ResultsReader = Annotated[Principal, allow("chief_examiner", "admin")]


def _record_page(request: Request, db: DbSession, sitting_id: Id, me: Principal, **context: Any) -> HTMLResponse:
    watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)
    return render(
        request,
        "grading/record.html",
        view=record_of(db, sitting_id, timezone=zone(request)),
        states=STATE_NAMES,
        categories=CATEGORIES,
        **context,
    )


@router.get("/sittings/{sitting_id}/record", response_class=HTMLResponse)
def record(request: Request, sitting_id: Id, db: DbSession, me: Reader) -> Response:
    return _record_page(request, db, sitting_id, me)


@router.post("/sittings/{sitting_id}/record", response_class=HTMLResponse)
def file_record(
    request: Request, sitting_id: Id, db: DbSession, me: Staff, remarks: Annotated[str, Form(max_length=10_000)]
) -> Response:
    try:
        watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)
        write_record(db, sitting_id=sitting_id, remarks=remarks, actor=me.actor)
    except ExamhallError as error:
        return _record_page(request, db, sitting_id, me, **refusal(db, error))
    return redirect(f"/sittings/{sitting_id}/record")


@router.post("/sittings/{sitting_id}/seal", response_class=HTMLResponse)
def seal(
    request: Request, sitting_id: Id, db: DbSession, me: Annotated[Principal, allow("chief_examiner")]
) -> Response:
    try:
        sealing.seal(db, sitting_id=sitting_id, actor=me.actor, user_id=me.id)
    except ExamhallError as error:
        return _record_page(request, db, sitting_id, me, **refusal(db, error))
    return redirect(f"/sittings/{sitting_id}/record")


def _results_page(request: Request, db: DbSession, sitting_id: Id, me: Principal, **context: Any) -> HTMLResponse:
    watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)
    return render(
        request,
        "grading/results.html",
        view=record_of(db, sitting_id, timezone=zone(request)),
        results=graded.results(db, sitting_id),
        appeals=appeals.appeals(db, sitting_id),
        **context,
    )


@router.get("/sittings/{sitting_id}/results", response_class=HTMLResponse)
def results(request: Request, sitting_id: Id, db: DbSession, me: ResultsReader) -> Response:
    return _results_page(request, db, sitting_id, me)


@router.post("/sittings/{sitting_id}/results", response_class=HTMLResponse)
def act_on_results(
    request: Request,
    sitting_id: Id,
    db: DbSession,
    me: ResultsReader,
    action: Annotated[str, Form()],
    appeal_id: Annotated[Id | None, Form()] = None,
    score: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """One form for what admins (publish, regrade, propose) and chief examiners (confirm) do."""
    try:
        watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)
        if action == "publish" and me.role == "admin":
            service.publish(db, sitting_id=sitting_id, actor=me.actor, timezone=zone(request))
        elif action == "regrade" and me.role == "admin" and appeal_id is not None:
            appeals.regrade(db, appeal_id=appeal_id, actor=me.actor)
        elif action == "propose" and me.role == "admin" and appeal_id is not None:
            appeals.propose(db, appeal_id=appeal_id, score=_score(score), note=note, actor=me.actor)
        elif action in ("confirm", "return") and me.role == "chief_examiner" and appeal_id is not None:
            appeals.decide(db, appeal_id=appeal_id, confirm=action == "confirm", actor=me.actor, user_id=me.id)
        else:
            raise Invalid("bad_action", "不能进行此操作", "not an action you may take here")
    except ExamhallError as error:
        return _results_page(request, db, sitting_id, me, **refusal(db, error))
    return redirect(f"/sittings/{sitting_id}/results")


def _score(text: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise Invalid("bad_score", "成绩应为数字", "the score must be a number") from None


@router.get("/results", response_class=HTMLResponse)
def lookup_form(request: Request, _: Annotated[Principal | None, public()]) -> Response:
    return render(request, "grading/lookup.html")


@router.post("/results", response_class=HTMLResponse)
def lookup(
    request: Request,
    db: DbSession,
    _: Annotated[Principal | None, public(csrf=True)],
    ticket: Annotated[str, Form(max_length=20)],
    id_number: Annotated[str, Form(max_length=30)],
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    limits = throttle(request.app.state.settings)
    try:
        if reason:
            appeals.file_appeal(
                db, ticket=ticket, id_number=id_number, reason=reason, client=client_address(request), throttle=limits
            )
        found = service.look_up(db, ticket=ticket, id_number=id_number, client=client_address(request), throttle=limits)
    except ExamhallError as error:
        return render(request, "grading/lookup.html", ticket=ticket, **refusal(db, error))
    return render(
        request, "grading/lookup.html", found=found, ticket=ticket, id_number=id_number, appealed=bool(reason)
    )
