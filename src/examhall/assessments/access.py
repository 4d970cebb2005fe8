"""Who reaches an assessment: an admin any; its chief examiner their own; a judge only an open or
sealed assessment whose panel they sit on. To anyone else it does not exist (404)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.assessments.models import Assessment, PanelMember
from examhall.errors import Conflict, not_found


def assessment_of(db: Session, assessment_id: int) -> Assessment:
    found = db.get(Assessment, assessment_id)
    if found is None:
        raise not_found("考核", "assessment")
    return found


def _lock(db: Session, assessment: Assessment) -> None:
    """Writers of one assessment take turns (PostgreSQL row lock; SQLite writers hold the
    database lock already), and see its state as it is now."""
    db.execute(
        select(Assessment)
        .where(Assessment.id == assessment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def not_sealed(db: Session, assessment: Assessment) -> None:
    _lock(db, assessment)
    if assessment.state == "sealed":
        raise Conflict(
            "sealed",
            "考核已由主考官封存，不能再更改",
            "the assessment is sealed; nothing of it changes",
        )


def must_be_open(db: Session, assessment: Assessment) -> None:
    not_sealed(db, assessment)
    if assessment.state != "open":
        raise Conflict("not_open", "考核尚未开始，不能评分", "the assessment has not been opened for scoring")


def chief_assessment(db: Session, assessment_id: int, user_id: int) -> Assessment:
    found = assessment_of(db, assessment_id)
    if found.chief_id != user_id:
        raise not_found("考核", "assessment")
    return found


def staff_assessment(db: Session, assessment_id: int, *, user_id: int, role: str) -> Assessment:
    if role == "admin":
        return assessment_of(db, assessment_id)
    return chief_assessment(db, assessment_id, user_id)


def on_panel(db: Session, assessment_id: int, user_id: int) -> bool:
    return (
        db.scalar(
            select(PanelMember.id).where(
                PanelMember.assessment_id == assessment_id,
                PanelMember.user_id == user_id,
                PanelMember.removed_at.is_(None),
            )
        )
        is not None
    )


def judged_assessment(db: Session, assessment_id: int, user_id: int) -> Assessment:
    """Judges see their panel's assessment from the moment it opens, not before: who the
    candidates are stays with the admin until the day."""
    found = db.get(Assessment, assessment_id)
    if found is None or found.state == "scheduled" or not on_panel(db, assessment_id, user_id):
        raise not_found("考核", "assessment")
    return found
