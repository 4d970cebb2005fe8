"""JSON API for a room's live state (also as server-sent events) and for the proctors' and the
chief examiner's actions; inspectors read any room and write patrol records."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from examhall import clock
from examhall.accounts.permissions import Principal, allow, still_valid
from examhall.db import Database, DbSession, Id
from examhall.proctoring import service
from examhall.proctoring.schemas import (
    DecisionIn,
    InspectionIn,
    IrregularityIn,
    MoveIn,
    ProposalIn,
    TargetIn,
    TimeIn,
    WarningIn,
)
from examhall.sittings.models import Sitting

router = APIRouter(prefix="/api/v1/proctoring", tags=["proctoring"])
Watcher = Annotated[Principal, allow("proctor", "chief_examiner", "admin", "inspector")]
Acting = Annotated[Principal, allow("proctor", "chief_examiner", "admin")]
Chief = Annotated[Principal, allow("chief_examiner")]
Inspector = Annotated[Principal, allow("inspector")]
REFRESH_SECONDS = 1.0


def sitting_for(db: Any, sitting_id: Id, me: Principal) -> Sitting:
    return service.watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)


@router.get("/sittings/{sitting_id}/state")
def state(sitting_id: Id, db: DbSession, me: Watcher) -> dict[str, Any]:
    return service.room_state(db, sitting_for(db, sitting_id, me)).as_dict()


@router.get("/sittings/{sitting_id}/attempts/{attempt_id}/signals")
def signals(sitting_id: Id, attempt_id: Id, db: DbSession, me: Watcher) -> list[dict[str, str]]:
    """A candidate's integrity signals, newest first: what the seat panel lists."""
    found = service.signals(db, sitting=sitting_for(db, sitting_id, me), attempt_id=attempt_id)
    return [{"kind": kind, "name": service.SIGNAL_NAMES.get(kind, kind), "at": at.isoformat()} for kind, at in found]


@router.get("/sittings/{sitting_id}/events")
async def events(sitting_id: Id, request: Request, me: Watcher) -> StreamingResponse:
    """The room's state as server-sent events: sent at once, then whenever it changes (read from
    the database every second, so it is right whichever process served the change)."""
    database: Database = request.app.state.database

    def read() -> str | None:
        """The room's state now; None once the watcher's login has ended (logged out, disabled)."""
        with database.transaction(write=False) as db:
            if not still_valid(db, me):
                return None
            return json.dumps(service.room_state(db, sitting_for(db, sitting_id, me)).as_dict(), ensure_ascii=False)

    first = await anyio.to_thread.run_sync(read)  # refusals (404) happen before the stream opens

    async def stream() -> AsyncIterator[str]:
        last = ""
        current = first
        while current is not None and not await request.is_disconnected():
            body = json.loads(current)
            body.pop("server_time")
            digest = json.dumps(body, sort_keys=True)
            if digest != last:
                yield f"event: state\ndata: {current}\n\n"
                last = digest
            else:
                yield ": still here\n\n"
            await asyncio.sleep(REFRESH_SECONDS)
            current = await anyio.to_thread.run_sync(read)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


@router.post("/sittings/{sitting_id}/pause")
def pause(sitting_id: Id, body: TargetIn, db: DbSession, me: Acting) -> dict[str, int]:
    return {
        "paused": service.pause(
            db, sitting=sitting_for(db, sitting_id, me), attempt_id=body.attempt_id, reason=body.reason, actor=me.actor
        )
    }


@router.post("/sittings/{sitting_id}/resume")
def resume(sitting_id: Id, body: TargetIn, db: DbSession, me: Acting) -> dict[str, int]:
    return {
        "resumed": service.resume(
            db, sitting=sitting_for(db, sitting_id, me), attempt_id=body.attempt_id, actor=me.actor
        )
    }


@router.post("/sittings/{sitting_id}/time")
def add_time(sitting_id: Id, body: TimeIn, db: DbSession, me: Acting) -> dict[str, int]:
    return {
        "extended": service.add_time(
            db,
            sitting=sitting_for(db, sitting_id, me),
            attempt_id=body.attempt_id,
            minutes=body.minutes,
            reason=body.reason,
            actor=me.actor,
        )
    }


@router.post("/sittings/{sitting_id}/warnings", status_code=201)
def warn(sitting_id: Id, body: WarningIn, db: DbSession, me: Acting) -> dict[str, int]:
    made = service.warn(
        db, sitting=sitting_for(db, sitting_id, me), attempt_id=body.attempt_id, note=body.note, actor=me.actor
    )
    return {"id": made.id}


@router.post("/sittings/{sitting_id}/irregularities", status_code=201)
def report(sitting_id: Id, body: IrregularityIn, db: DbSession, me: Acting) -> dict[str, int]:
    made = service.report(
        db,
        sitting=sitting_for(db, sitting_id, me),
        category=body.category,
        note=body.note,
        attempt_id=body.attempt_id,
        actor=me.actor,
    )
    return {"id": made.id}


@router.post("/sittings/{sitting_id}/moves", status_code=204)
def move(sitting_id: Id, body: MoveIn, db: DbSession, me: Acting) -> None:
    service.approve_move(db, sitting=sitting_for(db, sitting_id, me), attempt_id=body.attempt_id, actor=me.actor)


@router.post("/sittings/{sitting_id}/misconduct", status_code=201)
def propose(sitting_id: Id, body: ProposalIn, db: DbSession, me: Acting) -> dict[str, int]:
    case = service.propose_misconduct(
        db, sitting=sitting_for(db, sitting_id, me), attempt_id=body.attempt_id, facts=body.facts, actor=me.actor
    )
    return {"id": case.id}


@router.post("/sittings/{sitting_id}/misconduct/{case_id}")
def decide(sitting_id: Id, case_id: Id, body: DecisionIn, db: DbSession, me: Chief) -> dict[str, str]:
    case = service.decide_misconduct(
        db,
        sitting=sitting_for(db, sitting_id, me),
        case_id=case_id,
        confirm=body.confirm,
        note=body.note,
        actor=me.actor,
        user_id=me.id,
    )
    return {"state": case.state}


@router.get("/running")
def running(db: DbSession, _: Inspector) -> list[dict[str, Any]]:
    return [
        {"sitting": s.id, "exam": e.name, "site": site.name, "room": r.name, "starts_at": s.starts_at.isoformat()}
        for s, e, r, site in service.running(db, today=clock.now())
    ]


@router.post("/sittings/{sitting_id}/inspections", status_code=201)
def inspect(sitting_id: Id, body: InspectionIn, db: DbSession, me: Inspector) -> dict[str, Any]:
    made = service.inspect(db, sitting_id=sitting_id, note=body.note, actor=me.actor)
    return {"id": made.id, "at": made.at.isoformat()}
