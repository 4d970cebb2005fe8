"""Certificate pages: the administrators' list, one certificate with its decisions and reviews,
the printed certificate (A4 and wallet size), the kinds, issuing a batch after publication, and
the public check page /verify that a certificate's QR code opens."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from examhall import clock
from examhall.accounts.permissions import Principal, allow, client_address, public
from examhall.accounts.router import throttle
from examhall.certificates import checking, decisions, issuing, kinds, reviews, service, token
from examhall.certificates.standing import WORDS
from examhall.db import DbSession, Id
from examhall.errors import ExamhallError, Invalid, Problem
from examhall.sittings.models import Candidate
from examhall.trace import signing
from examhall.web.pages import actor_names, flash, form_date, qr_svg, redirect, refusal, render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, allow("admin")]


def _today(request: Request) -> date:
    return clock.local_date(clock.now(), request.app.state.settings.timezone)


@router.get("/admin/certificates", response_class=HTMLResponse)
def listing(
    request: Request,
    db: DbSession,
    _: Admin,
    q: Annotated[str, Query(max_length=100)] = "",
    state: Annotated[str, Query(max_length=20)] = "",
    kind: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    kind_id = int(kind) if kind.isdigit() else None
    waiting = decisions.pending(db)
    return render(
        request,
        "certificates/list.html",
        rows=service.search(db, text=q, state=state, kind_id=kind_id, today=_today(request)),
        kinds=kinds.kinds(db),
        q=q,
        state=state,
        kind_id=kind_id,
        waiting=[(d, decisions.certificate_of(db, d.certificate_id)) for d in waiting],
        names=actor_names(db, [d.proposed_by for d in waiting]),
        actions=decisions.ACTIONS,
        states=decisions.STATES,
    )


def _detail(request: Request, db: DbSession, certificate_id: int, **context: Any) -> HTMLResponse:
    seen = service.view(db, certificate_id, today=_today(request))
    people = [d.proposed_by for d in seen.decisions] + [d.decided_by for d in seen.decisions]
    return render(
        request,
        "certificates/detail.html",
        seen=seen,
        names=actor_names(db, people + [r.recorded_by for r in seen.reviews]),
        actions=decisions.ACTIONS,
        states=decisions.STATES,
        today=_today(request),
        **context,
    )


@router.get("/admin/certificates/{certificate_id}", response_class=HTMLResponse)
def detail(request: Request, certificate_id: Id, db: DbSession, _: Admin) -> Response:
    return _detail(request, db, certificate_id)


def _hours(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise Invalid(
            "bad_hours",
            "复审培训学时应为数字",
            "hours must be a number",
            [Problem("bad_hours", f"“{text}”不是学时数", f"'{text}' is not a number of hours", where="复审培训学时")],
        )
    return value


@router.post("/admin/certificates/{certificate_id}", response_class=HTMLResponse)
def act(
    request: Request,
    certificate_id: Id,
    db: DbSession,
    me: Admin,
    action: Annotated[str, Form(max_length=20)],
    decision_id: Annotated[Id | None, Form()] = None,
    reason: Annotated[str, Form(max_length=4000)] = "",
    basis: Annotated[str, Form(max_length=1000)] = "",
    reviewed_on: Annotated[str, Form(max_length=20)] = "",
    training_hours: Annotated[str, Form(max_length=20)] = "",
    no_violations: Annotated[bool, Form()] = False,
) -> Response:
    """One form for what an administrator does to a certificate: propose a decision, confirm or
    reject another's, record a review."""
    try:
        if action in decisions.ACTIONS:
            decisions.propose(
                db, certificate_id=certificate_id, action=action, reason=reason, basis=basis, actor=me.actor
            )
            done = f"已提出{decisions.ACTIONS[action]}意见，须由另一名管理员确认后生效"
        elif action in ("confirm", "reject") and decision_id is not None:
            made = decisions.decide(db, decision_id=decision_id, confirm=action == "confirm", actor=me.actor)
            if made.certificate_id != certificate_id:
                raise Invalid("bad_action", "这条处理意见不属于这本证书", "the proposal is of another certificate")
            done = f"已确认{decisions.ACTIONS[made.action]}" if action == "confirm" else "已驳回处理意见"
        elif action == "review":
            form = reviews.ReviewForm(form_date(reviewed_on, "复审日期"), _hours(training_hours), no_violations)
            made_review = reviews.record_review(db, certificate_id=certificate_id, form=form, actor=me.actor)
            done = f"复审已记录，有效期至{made_review.valid_until.isoformat()}"
        else:
            raise Invalid("bad_action", "不能进行此操作", "not an action you may take here")
    except ExamhallError as error:
        typed = {"reason": reason, "basis": basis, "reviewed_on": reviewed_on, "training_hours": training_hours}
        return _detail(request, db, certificate_id, typed=typed, **refusal(db, error))
    flash(request, done)
    return redirect(f"/admin/certificates/{certificate_id}")


@router.get("/admin/certificates/{certificate_id}/print", response_class=HTMLResponse)
def printed(
    request: Request,
    certificate_id: Id,
    db: DbSession,
    _: Admin,
    size: Annotated[str, Query(pattern="^(a4|card)$")] = "a4",
) -> Response:
    seen = service.view(db, certificate_id, today=_today(request))
    code = service.code_of(db, seen)
    link = token.qr_text(request.app.state.settings.public_url, code)
    return render(
        request,
        "certificates/print.html",
        seen=seen,
        qr=qr_svg(link),
        link=link,
        size=size,
        key_id=signing.signer(db).key_id,
        public_key_path=signing.PUBLIC_KEY_PATH,
        has_photo=seen.holder.photo is not None,
    )


@router.get("/admin/certificates/{certificate_id}/photo")
def photo(certificate_id: Id, db: DbSession, _: Admin) -> Response:
    holder = db.get(Candidate, decisions.certificate_of(db, certificate_id).candidate_id)
    if holder is None or holder.photo is None:
        return Response(status_code=404)
    return Response(holder.photo, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"})


# --- kinds -----------------------------------------------------------------------------------


def _kinds_page(request: Request, db: DbSession, **context: Any) -> HTMLResponse:
    return render(
        request,
        "certificates/kinds.html",
        kinds=kinds.kinds(db),
        sources=kinds.SOURCES,
        numbering=kinds.NUMBERING,
        presets={"special": kinds.SPECIAL_OPERATIONS, "management": kinds.MANAGEMENT},
        **context,
    )


@router.get("/admin/certificate-kinds", response_class=HTMLResponse)
def kinds_page(request: Request, db: DbSession, _: Admin, edit: Annotated[str, Query(max_length=12)] = "") -> Response:
    editing = kinds.kind_of(db, int(edit)) if edit.isdigit() else None
    return _kinds_page(request, db, editing=editing)


def _years(value: str, label: str, *, required: bool) -> int | None:
    if not value.strip() and not required:
        return None
    if not value.strip().isdigit():
        raise Invalid(
            "bad_years",
            f"{label}应为整数年",
            "not a whole number of years",
            [Problem("bad_years", f"“{value}”不是整数", f"'{value}' is not a whole number", where=label)],
        )
    return int(value)


@router.post("/admin/certificate-kinds", response_class=HTMLResponse)
def save_kind(
    request: Request,
    db: DbSession,
    me: Admin,
    code: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=100)],
    source: Annotated[str, Form(max_length=20)],
    category: Annotated[str, Form(max_length=100)],
    numbering: Annotated[str, Form(max_length=20)],
    valid_years: Annotated[str, Form(max_length=4)],
    issuer: Annotated[str, Form(max_length=200)],
    work_class: Annotated[str, Form(max_length=100)] = "",
    operation_item: Annotated[str, Form(max_length=100)] = "",
    review_years: Annotated[str, Form(max_length=4)] = "",
    extended_review_years: Annotated[str, Form(max_length=4)] = "",
    extension_after_years: Annotated[str, Form(max_length=4)] = "",
    review_hours: Annotated[str, Form(max_length=10)] = "0",
    review_exam: Annotated[bool, Form()] = False,
    kind_id: Annotated[Id | None, Form()] = None,
) -> Response:
    try:
        form = kinds.KindForm(
            code=code,
            name=name,
            source=source,
            category=category,
            work_class=work_class,
            operation_item=operation_item,
            numbering=numbering,
            valid_years=_years(valid_years, "有效期（年）", required=True) or 0,
            review_years=_years(review_years, "复审周期（年）", required=False),
            extended_review_years=_years(extended_review_years, "延长后的复审周期（年）", required=False),
            extension_after_years=_years(extension_after_years, "延长所需从业年限", required=False),
            review_hours=_hours(review_hours or "0"),
            review_exam=review_exam,
            issuer=issuer,
        )
        saved = kinds.save_kind(db, form=form, kind_id=kind_id, actor=me.actor)
    except ExamhallError as error:
        return _kinds_page(request, db, typed=dict(request.query_params), editing=None, **refusal(db, error))
    flash(request, f"证书种类“{saved.name}”（{saved.category}）已保存")
    return redirect("/admin/certificate-kinds")


# --- issuing ---------------------------------------------------------------------------------


def _issue_page(request: Request, db: DbSession, source: str, source_id: int, **context: Any) -> HTMLResponse:
    batch = None
    try:
        if source == "sitting":
            batch = issuing.sitting_batch(db, sitting_id=source_id, today=_today(request))
        else:
            batch = issuing.assessment_batch(db, assessment_id=source_id, today=_today(request))
    except ExamhallError as error:
        context = {**refusal(db, error), **context, "status_code": 200}
    return render(
        request, "certificates/issue.html", batch=batch, source=source, source_id=source_id, words=WORDS, **context
    )


@router.get("/admin/sittings/{sitting_id}/certificates", response_class=HTMLResponse)
def sitting_issue_page(request: Request, sitting_id: Id, db: DbSession, _: Admin) -> Response:
    return _issue_page(request, db, "sitting", sitting_id)


@router.get("/admin/assessments/{assessment_id}/certificates", response_class=HTMLResponse)
def assessment_issue_page(request: Request, assessment_id: Id, db: DbSession, _: Admin) -> Response:
    return _issue_page(request, db, "assessment", assessment_id)


def _issue(request: Request, db: DbSession, me: Principal, source: str, source_id: int, expected: int) -> Response:
    zone = request.app.state.settings.timezone
    try:
        if source == "sitting":
            made = issuing.issue_for_sitting(db, sitting_id=source_id, expected=expected, actor=me.actor, timezone=zone)
        else:
            made = issuing.issue_for_assessment(
                db, assessment_id=source_id, expected=expected, actor=me.actor, timezone=zone
            )
    except ExamhallError as error:
        return _issue_page(request, db, source, source_id, **refusal(db, error))
    flash(request, f"已颁发证书 {len(made)} 本")
    return redirect(f"/admin/{source}s/{source_id}/certificates")


Expected = Annotated[int, Form(ge=0, le=100_000)]


@router.post("/admin/sittings/{sitting_id}/certificates", response_class=HTMLResponse)
def issue_for_sitting(request: Request, sitting_id: Id, db: DbSession, me: Admin, expected: Expected) -> Response:
    return _issue(request, db, me, "sitting", sitting_id, expected)


@router.post("/admin/assessments/{assessment_id}/certificates", response_class=HTMLResponse)
def issue_for_assessment(request: Request, assessment_id: Id, db: DbSession, me: Admin, expected: Expected) -> Response:
    return _issue(request, db, me, "assessment", assessment_id, expected)


# --- the public check ------------------------------------------------------------------------


@router.get("/verify", response_class=HTMLResponse)
def verify_page(
    request: Request,
    db: DbSession,
    _: Annotated[Principal | None, public()],
    c: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    if not c.strip():
        return render(request, "certificates/verify.html", answers=None)
    try:
        answer = checking.by_code(
            db,
            text=c,
            today=_today(request),
            client=client_address(request),
            throttle=throttle(request.app.state.settings),
        )
    except ExamhallError as error:
        return render(request, "certificates/verify.html", answers=None, **refusal(db, error))
    return render(request, "certificates/verify.html", answers=[answer], by_code=True, masked=checking.masked)


@router.post("/verify", response_class=HTMLResponse)
def verify_typed(
    request: Request,
    db: DbSession,
    _: Annotated[Principal | None, public(csrf=True)],
    id_number: Annotated[str, Form(max_length=30)],
    name: Annotated[str, Form(max_length=100)],
) -> Response:
    try:
        found = checking.by_person(
            db,
            id_number=id_number,
            name=name,
            today=_today(request),
            client=client_address(request),
            throttle=throttle(request.app.state.settings),
        )
    except ExamhallError as error:
        return render(request, "certificates/verify.html", answers=None, **refusal(db, error))
    return render(request, "certificates/verify.html", answers=found, by_code=False, masked=checking.masked, typed=True)
