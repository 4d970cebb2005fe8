"""The room dashboard for proctors and the chief examiner (live, by server-sent events), and the
inspectors' view of every running sitting."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from examhall import clock
from examhall.accounts.permissions import Principal, allow
from examhall.db import DbSession, Id
from examhall.proctoring import service
from examhall.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/proctor/sittings/{sitting_id}", response_class=HTMLResponse)
def dashboard(
    request: Request,
    sitting_id: Id,
    db: DbSession,
    me: Annotated[Principal, allow("proctor", "chief_examiner", "admin", "inspector")],
) -> Response:
    sitting = service.watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)
    return render(
        request,
        "proctoring/dashboard.html",
        sitting=sitting,
        state=service.room_state(db, sitting),
        can_act=me.role != "inspector",
        is_chief=me.role == "chief_examiner",
        sees_results=me.role in ("chief_examiner", "admin"),
        zone=request.app.state.settings.timezone,
        categories=service.CATEGORIES,
        state_names=service.STATE_NAMES,
        signal_names=service.SIGNAL_NAMES,
        sitting_states=service.SITTING_STATES,
        cases=service.cases(db, sitting.id),
    )


@router.get("/inspect", response_class=HTMLResponse)
def running(request: Request, db: DbSession, _: Annotated[Principal, allow("inspector", "admin")]) -> Response:
    return render(request, "proctoring/running.html", running=service.running(db, today=clock.now()))
