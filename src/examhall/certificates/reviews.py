"""Recording a review (复审): the review training's hours and, where the kind needs it, a review
exam passed through a normal sitting; a passed review extends the certificate by its kind's rule."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.certificates import ledger
from examhall.certificates.decisions import certificate_of, violations
from examhall.certificates.kinds import kind_of, periods_of
from examhall.certificates.models import Review
from examhall.certificates.periods import REVIEW_WINDOW, after_review, extension_allowed
from examhall.errors import Conflict, Invalid, Problem
from examhall.sittings.models import ExamRecord
from examhall.trace.service import Actor


@dataclass(frozen=True)
class ReviewForm:
    reviewed_on: date
    training_hours: Decimal
    no_violations: bool  # the holder kept the rules since the last review (the administrator attests)


def review_exam(db: Session, *, candidate_id: int, category: str, since: date, until: date) -> ExamRecord | None:
    """The latest passed exam of the category, sat in a published sitting within the window."""
    return db.scalar(
        select(ExamRecord)
        .where(
            ExamRecord.candidate_id == candidate_id,
            ExamRecord.category == category,
            ExamRecord.passed.is_(True),
            ExamRecord.sitting_id.is_not(None),
            ExamRecord.sat_on >= since,
            ExamRecord.sat_on <= until,
        )
        .order_by(ExamRecord.sat_on.desc())
    )


def record_review(db: Session, *, certificate_id: int, form: ReviewForm, actor: Actor) -> Review:
    certificate = certificate_of(db, certificate_id)
    if certificate.kind_id is None:
        raise Conflict("no_kind", "这本证书没有证书种类，不能复审", "the certificate has no kind; no review")
    kind = kind_of(db, certificate.kind_id)
    if kind.review_years is None:
        raise Conflict("no_review", f"“{kind.name}”不设复审，期满须重新考试", f"{kind.name} has no review")
    if certificate.state != "valid":
        raise Conflict("not_valid", "证书被暂扣或撤销，不能复审", "a suspended or revoked certificate is not reviewed")
    due = certificate.next_review_on or certificate.valid_until
    if form.reviewed_on > due:
        raise Conflict(
            "review_missed",
            f"复审应在{due.isoformat()}前完成，证书已逾期失效，须重新参加考试",
            f"the review was due by {due}; the certificate has lapsed",
        )
    if form.reviewed_on < due - REVIEW_WINDOW:
        raise Conflict(
            "review_early",
            f"复审应在到期前{REVIEW_WINDOW.days}日内办理（{(due - REVIEW_WINDOW).isoformat()}起）",
            f"a review is done within {REVIEW_WINDOW.days} days before it is due",
        )
    if form.training_hours < kind.review_hours:
        raise Invalid(
            "hours_short",
            "复审培训学时不足",
            "too few review training hours",
            [
                Problem(
                    "hours_short",
                    f"须不少于{kind.review_hours.normalize():f}学时，现为{form.training_hours.normalize():f}学时",
                    f"at least {kind.review_hours} hours, {form.training_hours} given",
                    where="复审培训学时",
                    where_en="training_hours",
                )
            ],
        )
    exam = None
    if kind.review_exam:
        exam = review_exam(
            db,
            candidate_id=certificate.candidate_id,
            category=certificate.category,
            since=due - REVIEW_WINDOW,
            until=form.reviewed_on,
        )
        if exam is None:
            raise Conflict(
                "no_review_exam",
                f"“{kind.name}”复审须考试合格，但{(due - REVIEW_WINDOW).isoformat()}以来没有已发布的合格考试记录",
                f"{kind.name} needs a passed review exam since {due - REVIEW_WINDOW}; none is published",
            )
    periods = periods_of(kind)
    extended = form.no_violations and extension_allowed(
        periods,
        first_issued_on=certificate.first_issued_on or certificate.issued_on,
        on=form.reviewed_on,
        violations=violations(db, certificate.id),
    )
    renewal = after_review(periods, valid_until=certificate.valid_until, due=due, extended=extended)
    review = Review(
        certificate_id=certificate.id,
        reviewed_on=form.reviewed_on,
        training_hours=form.training_hours,
        exam_record_id=exam.id if exam else None,
        extended=renewal.extended,
        next_review_on=renewal.next_review_on,
        valid_until=renewal.valid_until,
        recorded_by=actor.name,
        recorded_at=clock.now(),
    )
    db.add(review)
    db.flush()
    ledger.change(
        db,
        certificate,
        action="certificate.reviewed",
        actor=actor,
        changes={
            "valid_until": renewal.valid_until,
            "next_review_on": renewal.next_review_on,
            "revision": certificate.revision + 1,
        },
        note={
            "review": review.id,
            "reviewed_on": form.reviewed_on.isoformat(),
            "training_hours": str(form.training_hours),
            "exam_record": review.exam_record_id,
            "extended": renewal.extended,
        },
    )
    return review


def reviews_of(db: Session, certificate_id: int) -> list[Review]:
    return list(db.scalars(select(Review).where(Review.certificate_id == certificate_id).order_by(Review.id)))
