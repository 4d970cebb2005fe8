"""JSON API of the worker's quiz: read it, start, save numbered answers, submit."""

from typing import Annotated, Any

from fastapi import APIRouter, Request

from examhall.accounts.permissions import Principal, client_address, public
from examhall.db import DbSession, Id
from examhall.spotchecks import quiz
from examhall.spotchecks.access import taker
from examhall.spotchecks.schemas import AnswersIn, SavedOut
from examhall.trace.service import Actor

router = APIRouter(prefix="/api/v1/spotchecks", tags=["spotchecks"])
Anyone = Annotated[Principal | None, public(csrf=True)]


def _actor(request: Request, actor: Actor) -> Actor:
    return Actor(actor.name, actor.role, client_address(request))


@router.get("/quiz/{worker_id}")
def read(request: Request, worker_id: Id, db: DbSession, me: Anyone) -> dict[str, Any]:
    """The quiz as the phone shows it: items in their drawn order, no key; what was saved."""
    worker, _ = taker(request, db, worker_id, me)
    return quiz.view(db, worker).as_dict()


@router.post("/quiz/{worker_id}/start")
def start(request: Request, worker_id: Id, db: DbSession, me: Anyone) -> dict[str, Any]:
    worker, actor = taker(request, db, worker_id, me)
    quiz.start(db, worker, actor=_actor(request, actor))
    return quiz.view(db, worker).as_dict()


@router.post("/quiz/{worker_id}/answers")
def answers(request: Request, worker_id: Id, body: AnswersIn, db: DbSession, me: Anyone) -> SavedOut:
    worker, actor = taker(request, db, worker_id, me)
    last = quiz.save(db, worker, entries=[e.model_dump() for e in body.entries], actor=_actor(request, actor))
    return SavedOut(last_seq=last, remaining_seconds=quiz.view(db, worker).remaining)


@router.post("/quiz/{worker_id}/submit")
def submit(request: Request, worker_id: Id, db: DbSession, me: Anyone) -> dict[str, Any]:
    worker, actor = taker(request, db, worker_id, me)
    quiz.submit(db, worker, actor=_actor(request, actor))
    return quiz.view(db, worker).as_dict()
