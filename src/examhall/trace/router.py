"""JSON API to read a chain and to check the trace."""

from typing import Annotated

from fastapi import APIRouter

from examhall.accounts.permissions import Principal, allow
from examhall.db import DbSession
from examhall.trace import service
from examhall.trace.models import TraceEvent
from examhall.trace.schemas import BreakOut, EventOut, ReportOut

router = APIRouter(prefix="/api/v1/trace", tags=["trace"])


@router.get("/chains/{chain}", response_model=list[EventOut])
def chain_events(chain: str, db: DbSession, _: Annotated[Principal, allow("admin", "inspector")]) -> list[TraceEvent]:
    return service.events(db, chain)


@router.get("/verify", response_model=ReportOut)
def verify(db: DbSession, _: Annotated[Principal, allow("admin", "inspector")], chain: str | None = None) -> ReportOut:
    report = service.verify_database(db, chains=[chain] if chain else None)
    return ReportOut(
        intact=report.intact,
        chains=report.chains,
        events=report.events,
        breaks=[BreakOut(chain=b.chain, position=b.position, reason=b.reason) for b in report.breaks],
    )
