"""The candidate's pages: login, the identity check and waiting, the exam, done; and the paper's
images and the candidate's photo, for the candidate alone."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from examhall import clock
from examhall.accounts.permissions import Principal, client_address, end_session, public
from examhall.accounts.router import throttle
from examhall.banks import service as banks
from examhall.db import DbSession, Id
from examhall.delivery import admission, service
from examhall.delivery.router import Candidate, candidate_session, mine
from examhall.errors import ExamhallError, not_found
from examhall.papers import service as papers
from examhall.web.pages import form_error, redirect, render

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
        made = admission.log_in(
            db,
            ticket=ticket,
            id_number=id_number,
            code=code,
            client=client_address(request),
            throttle=throttle(request.app.state.settings),
        )
    except ExamhallError as error:
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
    attempt = mine(db, attempt_id, me)
    person = admission.who(db, attempt)
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
    total = len(papers.paper_view(db, attempt.paper_id).items)
    answered = total - len(service.unanswered(db, attempt))
    return render(
        request,
        "delivery/done.html",
        attempt=attempt,
        who=person,
        answered=answered,
        total=total,
        zone=request.app.state.settings.timezone,
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
