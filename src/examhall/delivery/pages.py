"""The candidate's pages: login, the identity check and waiting, the exam, done; and the paper's
images and the candidate's photo, for the candidate alone."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.permissions import Principal, client_address, end_session, public
from examhall.accounts.router import throttle
from examhall.banks import service as banks
from examhall.db import DbSession, Id
from examhall.delivery import admission, submitting
from examhall.delivery.models import Attempt
from examhall.delivery.router import CLOSED, Candidate, candidate_session, mine, sitting_state
from examhall.errors import ExamhallError, NotFound, not_found
from examhall.papers import service as papers
from examhall.web.pages import form_error, redirect, render

router = APIRouter(include_in_schema=False)
LIVE = ("waiting", "authorized", "in_progress")


def still_logged_in(db: Session, me: Principal | None) -> Attempt | None:
    """The attempt this browser's candidate session is sitting, while that session is the
    candidate's latest login (a login on another PC ends it) and the attempt goes on: a PC that
    the next candidate uses after a finished exam shows the login form."""
    if me is None or me.kind != "candidate":
        return None
    attempt = db.scalar(select(Attempt).where(Attempt.registration_id == me.id))
    if attempt is None or attempt.generation != me.generation or attempt.state not in LIVE:
        return None
    return attempt if sitting_state(db, attempt) not in CLOSED else None


@router.get("/exam", response_class=HTMLResponse)
def login_form(request: Request, db: DbSession, me: Annotated[Principal | None, public()], code: int = 0) -> Response:
    # A closed tab opened again: the same browser carries on where it was.
    if (attempt := still_logged_in(db, me)) is not None:
        return redirect(f"/exam/attempts/{attempt.id}")
    return render(request, "delivery/login.html", needs_code=bool(code))


@router.post("/exam/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: DbSession,
    me: Annotated[Principal | None, public(csrf=True)],
    ticket: Annotated[str, Form(max_length=20)],
    id_number: Annotated[str, Form(max_length=30)],
    code: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    try:
        made = admission.log_in(
            db,
            ticket=ticket,
            id_number=id_number,
            code=code,
            client=client_address(request),
            throttle=throttle(request.app.state.settings),
        )
    except ExamhallError as error:
        # Moving to another PC needs a proctor's approval; this browser, still logged in as this
        # very candidate, is no other PC.
        attempt = still_logged_in(db, me)
        if error.code == "move_not_approved" and attempt is not None and me is not None and me.name == ticket.strip():
            db.rollback()
            return redirect(f"/exam/attempts/{attempt.id}")
        return form_error(
            request,
            db,
            "delivery/login.html",
            error,
            ticket=ticket,
            needs_code=bool(code) or admission.needs_code(db, ticket),
        )
    candidate_session(request, made)
    return redirect(f"/exam/attempts/{made.attempt.id}")


@router.post("/exam/logout")
def logout(request: Request, _: Candidate) -> Response:
    end_session(request)
    return redirect("/exam")


@router.get("/exam/attempts/{attempt_id}", response_class=HTMLResponse)
def attempt_page(request: Request, attempt_id: Id, db: DbSession, me: Candidate) -> Response:
    zone = request.app.state.settings.timezone
    try:
        attempt = mine(db, attempt_id, me)
    except NotFound:
        return render(request, "delivery/missing.html", status_code=404)
    person = admission.who(db, attempt)
    closed = sitting_state(db, attempt) in CLOSED
    if attempt.state in ("waiting", "authorized") and not closed:
        return render(
            request,
            "delivery/confirm.html",
            attempt=attempt,
            who=person,
            zone=zone,
            photo_url=f"/exam/attempts/{attempt.id}/photo" if person.has_photo else "",
        )
    if attempt.state == "in_progress" and not (attempt.deadline and attempt.deadline <= clock.now()):
        return render(request, "delivery/exam.html", attempt=attempt, who=person)
    total = len(papers.paper_view(db, attempt.paper_id).items)
    answered = total - len(submitting.unanswered(db, attempt)) if attempt.started_at else 0
    return render(
        request,
        "delivery/done.html",
        attempt=attempt,
        who=person,
        answered=answered,
        total=total,
        never_started=attempt.started_at is None,
        zone=zone,
    )


@router.get("/exam/attempts/{attempt_id}/images/{n}/{k}")
def image(attempt_id: Id, n: int, k: int, db: DbSession, me: Candidate) -> Response:
    attempt = mine(db, attempt_id, me)
    items = papers.paper_view(db, attempt.paper_id).items
    if not 1 <= n <= len(items) or not 0 <= k < len(items[n - 1].images):
        raise not_found("图片", "image")
    found = banks.image(db, items[n - 1].images[k])
    return Response(found.data, media_type=found.content_type, headers={"Cache-Control": "private, max-age=86400"})


@router.get("/exam/attempts/{attempt_id}/photo")
def photo(attempt_id: Id, db: DbSession, me: Candidate) -> Response:
    picture = admission.photo(db, mine(db, attempt_id, me))
    if picture is None:
        raise not_found("照片", "photo")
    return Response(picture, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})
