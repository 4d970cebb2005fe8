"""The printable sitting record with the seal, the results page with appeals, and the candidates'
result lookup."""

from collections import Counter
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
from examhall.grading.models import Appeal
from examhall.grading.record import RecordView, record_of
from examhall.grading.record import file_record as write_record
from examhall.grading.router import zone
from examhall.proctoring.service import CATEGORIES, watched_sitting
from examhall.trace import signing
from examhall.web.pages import actor_names, flash, redirect, refusal, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, allow("proctor", "chief_examiner", "admin", "inspector")]
Staff = Annotated[Principal, allow("proctor", "chief_examiner", "admin")]
ResultsReader = Annotated[Principal, allow("chief_examiner", "admin")]


def _names(db: DbSession, view: RecordView, found: list[Appeal] | None = None) -> dict[str, str]:
    """Every person the page names, by the login the records keep: their name instead."""
    actors = [i.by for i in view.incidents] + [i.inspector for i in view.inspections]
    actors += [who for c in view.cases for who in (c.proposed_by, c.decided_by)]
    if view.record is not None:
        actors += [view.record.filed_by, view.record.reviewed_by]
    if view.seal is not None:
        actors.append(view.seal.sealed_by)
    if view.publication is not None:
        actors.append(view.publication.published_by)
    actors += [who for a in found or [] for who in (a.proposed_by, a.decided_by)]
    return actor_names(db, actors)


def _sealed(db: DbSession, view: RecordView) -> dict[str, Any]:
    """What the page says of the seal: its check, and the key that signs it."""
    if view.seal is None:
        return {}
    return {
        "check": sealing.verify_sitting(db, view.sitting.id),
        "key_id": signing.signer(db).key_id,
        "public_key_path": signing.PUBLIC_KEY_PATH,
    }


def _record_page(request: Request, db: DbSession, sitting_id: Id, me: Principal, **context: Any) -> HTMLResponse:
    watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)
    view = record_of(db, sitting_id, timezone=zone(request))
    return render(
        request,
        "grading/record.html",
        view=view,
        names=_names(db, view),
        categories=CATEGORIES,
        **_sealed(db, view),
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
        return _record_page(request, db, sitting_id, me, remarks=remarks, **refusal(db, error))
    flash(request, "备注已保存")
    return redirect(f"/sittings/{sitting_id}/record")


@router.post("/sittings/{sitting_id}/seal", response_class=HTMLResponse)
def seal(
    request: Request, sitting_id: Id, db: DbSession, me: Annotated[Principal, allow("chief_examiner")]
) -> Response:
    try:
        made = sealing.seal(db, sitting_id=sitting_id, actor=me.actor, user_id=me.id)
    except ExamhallError as error:
        return _record_page(request, db, sitting_id, me, **refusal(db, error))
    flash(request, f"本场已封存，覆盖 {len(made.leaves)} 条留痕链；成绩可由管理员核验后发布")
    return redirect(f"/sittings/{sitting_id}/record")


def _results_page(request: Request, db: DbSession, sitting_id: Id, me: Principal, **context: Any) -> HTMLResponse:
    watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)
    view = record_of(db, sitting_id, timezone=zone(request))
    found = graded.results(db, sitting_id)
    filed = appeals.appeals(db, sitting_id)
    by_attempt = {r.attempt.id: r for r in found if r.attempt is not None}
    return render(
        request,
        "grading/results.html",
        view=view,
        results=found,
        counts=Counter(r.status for r in found),
        appeals=[(a, by_attempt.get(a.attempt_id)) for a in filed],
        names=_names(db, view, filed),
        **_sealed(db, view),
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
            done = "成绩已发布，考生可在成绩查询页查到本人成绩"
        elif action == "regrade" and me.role == "admin" and appeal_id is not None:
            made = appeals.regrade(db, appeal_id=appeal_id, actor=me.actor)
            done = f"已按留痕重新评分：{made.regraded_score} 分（原成绩 {made.original_score} 分）"
        elif action == "propose" and me.role == "admin" and appeal_id is not None:
            appeals.propose(db, appeal_id=appeal_id, score=_score(score), note=note, actor=me.actor)
            done = "复核结论已提交主考官确认"
        elif action in ("confirm", "return") and me.role == "chief_examiner" and appeal_id is not None:
            made = appeals.decide(db, appeal_id=appeal_id, confirm=action == "confirm", actor=me.actor, user_id=me.id)
            done = made.outcome if action == "confirm" else "已退回，待管理员重新拟定"
        else:
            raise Invalid("bad_action", "不能进行此操作", "not an action you may take here")
    except ExamhallError as error:
        return _results_page(
            request,
            db,
            sitting_id,
            me,
            typed={"appeal_id": appeal_id, "score": score, "note": note},
            **refusal(db, error),
        )
    flash(request, done)
    return redirect(f"/sittings/{sitting_id}/results")


@router.get("/appeals", response_class=HTMLResponse)
def pending(request: Request, db: DbSession, me: ResultsReader) -> Response:
    """What awaits this person: for an admin, appeals to regrade or to propose an outcome for; for
    a chief examiner, proposals on the sittings they answer for, to confirm or send back."""
    return render(request, "grading/pending.html", waiting=appeals.pending(db, user_id=me.id, role=me.role))


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
