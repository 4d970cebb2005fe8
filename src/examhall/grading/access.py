"""What every step at the end of a sitting checks first: the sitting, its exam, its chief examiner
(主考官负责制), and that it is not sealed yet."""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examhall.errors import Conflict, Forbidden, not_found
from examhall.sittings.models import Assignment, Exam, Registration, Sitting


def sitting_of(db: Session, sitting_id: int) -> Sitting:
    sitting = db.get(Sitting, sitting_id)
    if sitting is None:
        raise not_found("场次", "sitting")
    return sitting


def exam_of(db: Session, sitting: Sitting) -> Exam:
    exam = db.get(Exam, sitting.exam_id)
    assert exam is not None
    return exam


def not_sealed(sitting: Sitting) -> None:
    if sitting.state == "sealed":
        raise Conflict(
            "sealed",
            "场次已由主考官封存，不能再更改；更正须以复核等方式另行记录",
            "the sitting is sealed; nothing of it changes (corrections are new records)",
        )


def require_chief(db: Session, sitting: Sitting, user_id: int) -> None:
    found = db.scalar(
        select(Assignment.id).where(
            Assignment.sitting_id == sitting.id, Assignment.user_id == user_id, Assignment.role == "chief_examiner"
        )
    )
    if found is None:
        raise Forbidden("not_chief", "只有本场主考官可以进行此操作", "only the sitting's chief examiner may do this")


def ends_at(db: Session, sitting: Sitting) -> datetime:
    """When the sitting's time is over for everyone: its start, the duration and the longest
    accommodation."""
    longest = db.scalar(select(func.max(Registration.extra_minutes)).where(Registration.sitting_id == sitting.id))
    return sitting.starts_at + timedelta(minutes=exam_of(db, sitting).duration_minutes + int(longest or 0))
