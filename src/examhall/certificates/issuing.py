"""Issuing certificates to those who passed: only from a sealed sitting whose results are
published and still pass their check, or from a sealed composite assessment; in one batch the
administrator has seen and confirmed; each certificate opening its own chain."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.assessments.models import Assessment, AssessmentEntry, AssessmentPlan
from examhall.assessments.sealing import verify as verify_assessment
from examhall.certificates import ledger
from examhall.certificates.kinds import kind_for, periods_of
from examhall.certificates.models import CertificateKind
from examhall.certificates.periods import first_dates
from examhall.errors import Conflict, NotFound
from examhall.grading.access import exam_of, sitting_of
from examhall.grading.models import Publication
from examhall.grading.results import PASSED, results
from examhall.grading.sealing import verify_sitting
from examhall.sittings.models import Candidate, Certificate, Registration
from examhall.trace.sealing import record_after_seal
from examhall.trace.service import Actor


@dataclass(frozen=True)
class Due:
    """One who passed, and whether a certificate goes to them in this batch."""

    candidate: Candidate
    ticket: str  # the admission ticket; empty for an assessment
    held: Certificate | None  # a certificate from this source, or a valid one of the kind

    @property
    def issues(self) -> bool:
        return self.held is None


@dataclass(frozen=True)
class Batch:
    kind: CertificateKind
    due: list[Due]

    @property
    def to_issue(self) -> list[Due]:
        return [d for d in self.due if d.issues]


def _refuse(code: str, zh: str, en: str) -> Conflict:
    return Conflict(code, zh, en)


def _held(db: Session, candidate_id: int, kind: CertificateKind, today: date, **source: int) -> Certificate | None:
    """A certificate this source issued already, or one of the kind the candidate still holds."""
    query = select(Certificate).where(Certificate.candidate_id == candidate_id)
    same_source = db.scalar(query.filter_by(**source))
    if same_source is not None:
        return same_source
    return db.scalar(
        query.where(Certificate.kind_id == kind.id, Certificate.state != "revoked", Certificate.valid_until >= today)
    )


def sitting_batch(db: Session, *, sitting_id: int, today: date) -> Batch:
    sitting = sitting_of(db, sitting_id)
    if sitting.state != "sealed":
        raise _refuse("not_sealed", "场次尚未封存，不能颁发证书", "the sitting is not sealed; no certificates")
    if db.get(Publication, sitting.id) is None:
        raise _refuse("not_published", "成绩尚未发布，不能颁发证书", "the results are not published; no certificates")
    checked = verify_sitting(db, sitting.id)
    if not checked.intact:
        raise _refuse(
            "not_verified",
            f"成绩核验未通过（{len(checked.lines())}处问题），不能颁发证书；请联系系统管理员核查",
            f"the sitting does not pass its check ({len(checked.lines())} problems); no certificates",
        )
    exam = exam_of(db, sitting)
    kind = kind_for(db, source="exam", category=exam.category)
    if kind is None:
        raise _refuse(
            "no_kind",
            f"“{exam.category}”没有设定证书种类，请先在证书种类中添加",
            f"no certificate kind is set for {exam.category}",
        )
    due = []
    for result in results(db, sitting.id):
        if result.status != PASSED:
            continue
        registration = db.get(Registration, result.registration)
        assert registration is not None
        candidate = db.get(Candidate, registration.candidate_id)
        assert candidate is not None
        due.append(Due(candidate, result.ticket, _held(db, candidate.id, kind, today, sitting_id=sitting.id)))
    return Batch(kind, due)


def assessment_batch(db: Session, *, assessment_id: int, today: date) -> Batch:
    assessment = db.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound("no_assessment", "没有这场考核", f"no assessment {assessment_id}")
    if assessment.state != "sealed":
        raise _refuse("not_sealed", "考核尚未封存，不能颁发证书", "the assessment is not sealed; no certificates")
    if problems := verify_assessment(db, assessment.id):
        raise _refuse(
            "not_verified",
            f"考核核验未通过（{len(problems)}处问题），不能颁发证书",
            f"the assessment does not pass its check ({len(problems)} problems); no certificates",
        )
    plan = db.get(AssessmentPlan, assessment.plan_id)
    assert plan is not None
    kind = kind_for(db, source="assessment", category=plan.category)
    if kind is None:
        raise _refuse(
            "no_kind",
            f"考核类别“{plan.category}”没有设定证书种类，不颁发证书",
            f"no certificate kind is set for assessments of {plan.category}",
        )
    due = []
    entries = db.scalars(
        select(AssessmentEntry).where(AssessmentEntry.assessment_id == assessment.id, AssessmentEntry.passed.is_(True))
    )
    for entry in entries:
        candidate = db.get(Candidate, entry.candidate_id)
        assert candidate is not None
        due.append(Due(candidate, "", _held(db, candidate.id, kind, today, assessment_id=assessment.id)))
    return Batch(kind, due)


def _number(kind: CertificateKind, candidate: Candidate, certificate_id: int, issued_on: date) -> str:
    if kind.numbering == "id_number":
        return candidate.id_number
    return f"{kind.code}{issued_on.year}{certificate_id:07d}"


def _issue(db: Session, batch: Batch, *, today: date, actor: Actor, **source: int) -> list[Certificate]:
    valid_until, review = first_dates(periods_of(batch.kind), today)
    made = []
    for due in batch.to_issue:
        certificate = Certificate(
            candidate_id=due.candidate.id,
            kind_id=batch.kind.id,
            category=batch.kind.category,
            work_class=batch.kind.work_class,
            operation_item=batch.kind.operation_item,
            first_issued_on=today,
            issued_on=today,
            valid_until=valid_until,
            next_review_on=review,
            issuer=batch.kind.issuer,
            state="valid",
            origin="issued",
            revision=1,
            number="",
            sitting_id=source.get("sitting_id"),
            assessment_id=source.get("assessment_id"),
        )
        db.add(certificate)
        db.flush()
        certificate.number = _number(batch.kind, due.candidate, certificate.id, today)
        ledger.open_certificate(db, certificate, actor=actor, note={"ticket": due.ticket, **source})
        made.append(certificate)
    return made


def _confirm(batch: Batch, expected: int) -> None:
    if not batch.to_issue:
        raise _refuse("nothing_due", "没有待颁发的证书", "no certificate is due")
    if expected != len(batch.to_issue):
        raise _refuse(
            "batch_changed",
            f"待发证名单已变化（确认时{expected}人，现在{len(batch.to_issue)}人），请重新核对后再确认",
            f"the batch changed: {expected} confirmed, {len(batch.to_issue)} due now",
        )


def _announce(db: Session, chain: str, batch: Batch, made: list[Certificate], actor: Actor) -> None:
    """The batch on the sealed chain it was issued from: a signed event after the seal."""
    record_after_seal(
        db,
        chain=chain,
        action="certificates.issued",
        subject=chain,
        actor=actor,
        payload={"kind": batch.kind.code, "certificates": [{"id": c.id, "number": c.number} for c in made]},
    )


def issue_for_sitting(db: Session, *, sitting_id: int, expected: int, actor: Actor, timezone: str) -> list[Certificate]:
    """Issue the batch the administrator confirmed (`expected` certificates); recorded on the
    sealed sitting's chain, signed, and on each certificate's own chain."""
    today = clock.local_date(clock.now(), timezone)
    batch = sitting_batch(db, sitting_id=sitting_id, today=today)
    _confirm(batch, expected)
    made = _issue(db, batch, today=today, actor=actor, sitting_id=sitting_id)
    _announce(db, sitting_of(db, sitting_id).chain, batch, made, actor)
    return made


def issue_for_assessment(
    db: Session, *, assessment_id: int, expected: int, actor: Actor, timezone: str
) -> list[Certificate]:
    today = clock.local_date(clock.now(), timezone)
    batch = assessment_batch(db, assessment_id=assessment_id, today=today)
    _confirm(batch, expected)
    made = _issue(db, batch, today=today, actor=actor, assessment_id=assessment_id)
    assessment = db.get(Assessment, assessment_id)
    assert assessment is not None
    _announce(db, assessment.chain, batch, made, actor)
    return made
