"""Who may take a worker's quiz: the worker, on the phone that opened the one-time link (the
session then names that worker alone), or one of the check's two officers, on whose phone the
worker answers."""

from fastapi import Request
from sqlalchemy.orm import Session

from examhall.accounts.permissions import Principal
from examhall.errors import NotFound
from examhall.spotchecks.models import SpotCheck, SpotWorker
from examhall.trace.service import Actor

SESSION_KEY = "spot_worker"


def taker(request: Request, db: Session, worker_id: int, principal: Principal | None) -> tuple[SpotWorker, Actor]:
    worker = db.get(SpotWorker, worker_id)
    check = db.get(SpotCheck, worker.check_id) if worker else None
    if worker is not None and check is not None:
        if request.session.get(SESSION_KEY) == worker.id:
            return worker, Actor(f"worker:{worker.id}", "worker", principal.client if principal else "")
        if (
            principal is not None
            and principal.role == "officer"
            and principal.id in (check.officer_id, check.partner_id)
        ):
            return worker, principal.actor
    raise NotFound("no_quiz", "没有这份抽考试卷", f"no quiz {worker_id} for you")
