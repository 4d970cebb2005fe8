"""The candidate's pages (login, identity check and waiting, the exam, done), the paper's images,
and a proctor's page to hand out codes and authorize starts."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from examhall import clock
from examhall.accounts.permissions import Principal, allow, client_address, end_session, public
from examhall.accounts.router import throttle
from examhall.banks import service as banks
from examhall.db import DbSession
from examhall.delivery import service
from examhall.delivery.router import Candidate, Proctor, candidate_session, mine, staffed
from examhall.errors import ExamhallError, not_found
from examhall.papers import service as papers
from examhall.web.pages import form_error, local_path, redirect, refusal, render

router = APIRouter(include_in_schema=False)


@router.get("/exam", response_class=HTMLResponse)
def login_form(request: Request, _: Annotated[Principal | None, public()], code: int = 0) -> Response:
    return render(request, "delivery/login.html", needs_code=bool(code))


@router.post("/exam/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: DbSession,
    _: Annotated[Principal | None, public(csrf=True)],
    ticket: Annotated[str, Form(max_length=20)],
    id_number: Annotated[str, Form(max_length=30)],
    code: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    try:
        made = service.log_in(
            db,
            ticket=ticket,
            id_number=id_number,
            code=code,
            client=client_address(request),
            throttle=throttle(request.app.state.settings),
        )
    except ExamhallError as error:
        return form_error(request, db, "delivery/login.html", error, ticket=ticket, needs_code=bool(code))
    candidate_session(request, made)
    return redirect(f"/exam/attempts/{made.attempt.id}")


@router.post("/exam/logout")
def logout(request: Request, _: Candidate) -> Response:
    end_session(request)
    return redirect("/exam")


@router.get("/exam/attempts/{attempt_id}", response_class=HTMLResponse)
def attempt_page(request: Request, attempt_id: int, db: DbSession, me: Candidate) -> Response:
    attempt = mine(db, attempt_id, me)
    person = service.who(db, attempt)
    if attempt.state in ("waiting", "authorized"):
        return render(
            request,
            "delivery/confirm.html",
            attempt=attempt,
            who=person,
            zone=request.app.state.settings.timezone,
            photo_url=f"/exam/attempts/{attempt.id}/photo" if person.has_photo else "",
        )
    if attempt.state == "in_progress" and not (attempt.deadline and attempt.deadline <= clock.now()):
        return render(request, "delivery/exam.html", attempt=attempt, who=person)
    answered = len(papers.paper_view(db, attempt.paper_id).items) - len(service.unanswered(db, attempt))
    return render(
        request,
        "delivery/done.html",
        attempt=attempt,
        who=person,
        answered=answered,
        zone=request.app.state.settings.timezone,
    )


@router.get("/exam/attempts/{attempt_id}/images/{n}/{k}")
def image(attempt_id: int, n: int, k: int, db: DbSession, me: Candidate) -> Response:
    attempt = mine(db, attempt_id, me)
    items = papers.paper_view(db, attempt.paper_id).items
    if not 1 <= n <= len(items) or not 0 <= k < len(items[n - 1].images):
        raise not_found("图片", "image")
    found = banks.image(db, items[n - 1].images[k])
    return Response(found.data, media_type=found.content_type, headers={"Cache-Control": "private, max-age=86400"})


@router.get("/exam/attempts/{attempt_id}/photo")
def photo(attempt_id: int, db: DbSession, me: Candidate) -> Response:
    picture = service.photo(db, mine(db, attempt_id, me))
    if picture is None:
        raise not_found("照片", "photo")
    return Response(picture, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


# --- the proctor's page ---------------------------------------------------------------------------


def _room_page(request: Request, db: DbSession, sitting_id: int, me: Principal, **context: Any) -> HTMLResponse:
    sitting = staffed(db, sitting_id, me)
    return render(
        request, "delivery/proctor.html", sitting=sitting, rows=service.room_attempts(db, sitting_id), **context
    )


@router.get("/proctor/sittings/{sitting_id}", response_class=HTMLResponse)
def room(
    request: Request,
    sitting_id: int,
    db: DbSession,
    me: Annotated[Principal, allow("proctor", "chief_examiner", "admin", "inspector")],
) -> Response:
    return _room_page(request, db, sitting_id, me)


@router.post("/proctor/sittings/{sitting_id}/authorize", response_class=HTMLResponse)
def authorize(
    request: Request, sitting_id: int, db: DbSession, me: Proctor, attempt_id: Annotated[int | None, Form()] = None
) -> Response:
    try:
        service.authorize(
            db,
            sitting=staffed(db, sitting_id, me),
            actor=me.actor,
            attempt_ids=None if attempt_id is None else [attempt_id],
        )
    except ExamhallError as error:
        return _room_page(request, db, sitting_id, me, **refusal(db, error))
    return redirect(local_path(f"/proctor/sittings/{sitting_id}"))


@router.post("/proctor/sittings/{sitting_id}/codes", response_class=HTMLResponse)
def code(
    request: Request, sitting_id: int, db: DbSession, me: Proctor, registration_id: Annotated[int, Form()]
) -> Response:
    try:
        issued = service.issue_code(
            db, sitting=staffed(db, sitting_id, me), registration_id=registration_id, actor=me.actor
        )
    except ExamhallError as error:
        return _room_page(request, db, sitting_id, me, **refusal(db, error))
    return _room_page(request, db, sitting_id, me, issued=(registration_id, issued))


@router.post("/proctor/sittings/{sitting_id}/move", response_class=HTMLResponse)
def move(request: Request, sitting_id: int, db: DbSession, me: Proctor, attempt_id: Annotated[int, Form()]) -> Response:
    try:
        service.approve_move(db, sitting=staffed(db, sitting_id, me), attempt_id=attempt_id, actor=me.actor)
    except ExamhallError as error:
        return _room_page(request, db, sitting_id, me, **refusal(db, error))
    return redirect(f"/proctor/sittings/{sitting_id}")
