"""The end of an attempt: submitted by the candidate, or by the clock when the time is up (the
sweep submits attempts with no browser open), and graded through its paper on the spot."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.delivery.models import Attempt
from examhall.delivery.service import answers
from examhall.errors import Conflict
from examhall.papers import service as papers
from examhall.trace.service import Actor, record


def submit(db: Session, *, attempt: Attempt, by: str, actor: Actor) -> list[int]:
    """End the attempt and grade it; returns the positions left unanswered. A second submit
    changes nothing."""
    if by == "candidate":
        expire(db, attempt, clock.now())  # a page submitting at time-up: the clock says it ended
    if attempt.state == "submitted":
        return unanswered(db, attempt)
    if attempt.state != "in_progress":
        raise Conflict("not_in_progress", "考试未在进行中", "the attempt is not in progress")
    now = clock.now()
    if attempt.paused_at is not None:
        attempt.paused_seconds += int((now - attempt.paused_at).total_seconds())
        attempt.paused_at = None
    attempt.state, attempt.submitted_at, attempt.submitted_by = "submitted", now, by
    score, marks = grade(db, attempt)
    left = unanswered(db, attempt)
    record(
        db,
        chain=attempt.chain,
        action="attempt.submitted",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={"by": by, "unanswered": left, "score": str(score), "marks": [m.as_dict() for m in marks]},
    )
    return left


def grade(db: Session, attempt: Attempt) -> tuple[Any, list[Any]]:
    view = papers.paper_view(db, attempt.paper_id)
    responses = {position: a.response for position, a in answers(db, attempt).items()}
    score, marks = papers.mark_paper(view, responses)
    attempt.score, attempt.score_detail = score, [m.as_dict() for m in marks]
    return score, marks


def unanswered(db: Session, attempt: Attempt) -> list[int]:
    view = papers.paper_view(db, attempt.paper_id)
    given = {p for p, a in answers(db, attempt).items() if a.response not in (None, "", [])}
    return [n for n in range(1, len(view.items) + 1) if n not in given]


TIME_UP = Actor("system", "system", "")


def expire(db: Session, attempt: Attempt, now: datetime) -> None:
    if (
        attempt.state == "in_progress"
        and attempt.paused_at is None
        and attempt.deadline is not None
        and now >= attempt.deadline
    ):
        submit(db, attempt=attempt, by="time_up", actor=TIME_UP)


def sweep(db: Session) -> list[int]:
    """Submit every attempt whose time is up, whether or not a browser is open. Several app
    processes may sweep at once: each attempt is taken by one of them (rows locked, skipped by
    the others); SQLite has one writer anyway."""
    now = clock.now()
    expired = list(
        db.scalars(
            select(Attempt)
            .where(Attempt.state == "in_progress", Attempt.paused_at.is_(None), Attempt.deadline <= now)
            .with_for_update(skip_locked=True)
            .limit(500)
        )
    )
    for attempt in expired:
        submit(db, attempt=attempt, by="time_up", actor=TIME_UP)
    return [a.id for a in expired]
