"""A page to read any chain of the trace and see whether it is intact."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from examhall.accounts.permissions import Principal, allow
from examhall.db import DbSession
from examhall.trace import service
from examhall.web.pages import actor_names, render

router = APIRouter(include_in_schema=False)


@router.get("/trace", response_class=HTMLResponse)
def chain_page(
    request: Request, db: DbSession, _: Annotated[Principal, allow("admin", "inspector")], chain: str = ""
) -> HTMLResponse:
    chain = chain.strip()
    events = service.events(db, chain) if chain else []
    report = service.verify_database(db, chains=[chain]) if chain else None
    actors = actor_names(db, [e.actor for e in events])
    zone = request.app.state.settings.timezone
    return render(request, "trace/chain.html", chain=chain, events=events, report=report, actors=actors, zone=zone)
