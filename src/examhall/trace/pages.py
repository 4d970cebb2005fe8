"""A page to read any chain of the trace and see whether it is intact."""

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from examhall.accounts.permissions import Principal, allow
from examhall.db import DbSession
from examhall.trace import service
from examhall.web.pages import actor_names, local_time, render, templates

router = APIRouter(include_in_schema=False)
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})")


def times_read(payload: str, zone: str) -> str:
    """A payload as people read it: its times in the exam body's zone, to the second. What is
    hashed is the stored text; an evidence bundle carries that."""

    def local(found: re.Match[str]) -> str:
        try:
            return local_time(datetime.fromisoformat(found.group(0)), zone, seconds=True)
        except ValueError:
            return found.group(0)

    return ISO_TIME.sub(local, payload)


templates.env.filters["times_read"] = times_read


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
