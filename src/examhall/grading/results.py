"""A sitting's results as the tables hold them: each seated candidate's final score (an appeal's
confirmed correction replaces the graded score, which never changes after the seal), pass or
fail, absent or void."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.delivery import supervision
from examhall.delivery.models import Attempt
from examhall.grading.access import exam_of, sitting_of
from examhall.grading.models import Appeal

PASSED, FAILED, ABSENT, VOID = "合格", "不合格", "缺考", "成绩无效（违纪）"


def status_of(*, started: bool, voided: bool, score: Decimal | None, pass_mark: Decimal) -> str:
    if not started:
        return ABSENT
    if voided:
        return VOID
    return PASSED if score is not None and score >= pass_mark else FAILED


def corrections(db: Session, sitting_id: int) -> dict[int, Decimal | None]:
    """Each attempt's score as the last confirmed appeal that changed it made it."""
    found: dict[int, Decimal | None] = {}
    query = (
        select(Appeal)
        .join(Attempt, Appeal.attempt_id == Attempt.id)
        .where(Attempt.sitting_id == sitting_id, Appeal.state == "decided")
        .order_by(Appeal.id)
    )
    for appeal in db.scalars(query):
        if appeal.proposed_score != appeal.original_score:
            found[appeal.attempt_id] = appeal.proposed_score
    return found


@dataclass(frozen=True)
class Result:
    registration: int
    ticket: str
    name: str
    id_number: str
    attempt: Attempt | None
    score: Decimal | None
    passed: bool
    status: str


def results(db: Session, sitting_id: int) -> list[Result]:
    sitting = sitting_of(db, sitting_id)
    pass_mark = exam_of(db, sitting).pass_mark
    corrected = corrections(db, sitting.id)
    found = []
    for registration, candidate, attempt in supervision.room_attempts(db, sitting.id):
        started = attempt is not None and attempt.started_at is not None
        voided = attempt is not None and attempt.voided
        score = None
        if attempt is not None and started and not voided:
            score = corrected.get(attempt.id, attempt.score)
        status = status_of(started=started, voided=voided, score=score, pass_mark=pass_mark)
        found.append(
            Result(
                registration.id,
                registration.ticket or "",
                candidate.name,
                candidate.id_number,
                attempt,
                score,
                status == PASSED,
                status,
            )
        )
    return found
