"""Finding certificates and reading one whole: its holder, kind, standing, reviews, decisions,
its check against its chain, and the signed text its QR code holds."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from examhall.certificates import ledger, token
from examhall.certificates.checking import facts_of
from examhall.certificates.decisions import certificate_of
from examhall.certificates.models import CertificateKind, Review, StateDecision
from examhall.certificates.standing import Standing, standing
from examhall.sittings.models import Candidate, Certificate, Enterprise
from examhall.trace import signing

PAGE = 200


@dataclass(frozen=True)
class Row:
    certificate: Certificate
    holder: Candidate
    kind: CertificateKind | None
    standing: Standing


def search(db: Session, *, text: str = "", state: str = "", kind_id: int | None = None, today: date) -> list[Row]:
    """Certificates by holder name, ID number or certificate number; the newest first, one page."""
    query = (
        select(Certificate, Candidate, CertificateKind)
        .join(Candidate, Certificate.candidate_id == Candidate.id)
        .outerjoin(CertificateKind, Certificate.kind_id == CertificateKind.id)
        .order_by(Certificate.id.desc())
        .limit(PAGE)
    )
    if text.strip():
        like = f"%{text.strip()}%"
        query = query.where(
            or_(Candidate.name.like(like), Candidate.id_number.like(like), Certificate.number.like(like))
        )
    if state in ("valid", "suspended", "revoked"):
        query = query.where(Certificate.state == state)
    if kind_id is not None:
        query = query.where(Certificate.kind_id == kind_id)
    return [Row(c, h, k, standing(c, today)) for c, h, k in db.execute(query)]


@dataclass(frozen=True)
class View:
    certificate: Certificate
    holder: Candidate
    enterprise: str
    kind: CertificateKind | None
    standing: Standing
    reviews: list[Review]
    decisions: list[StateDecision]
    check: ledger.Check


def view(db: Session, certificate_id: int, *, today: date) -> View:
    certificate = certificate_of(db, certificate_id)
    holder = db.get(Candidate, certificate.candidate_id)
    assert holder is not None
    enterprise = db.get(Enterprise, holder.enterprise_id) if holder.enterprise_id else None
    kind = db.get(CertificateKind, certificate.kind_id) if certificate.kind_id else None
    reviews = list(db.scalars(select(Review).where(Review.certificate_id == certificate.id).order_by(Review.id)))
    decisions = list(
        db.scalars(
            select(StateDecision).where(StateDecision.certificate_id == certificate.id).order_by(StateDecision.id)
        )
    )
    return View(
        certificate,
        holder,
        enterprise.name if enterprise else "",
        kind,
        standing(certificate, today),
        reviews,
        decisions,
        ledger.check(db, certificate),
    )


def code_of(db: Session, seen: View) -> str:
    """The signed text of the certificate as it stands now (a new revision after each change)."""
    return token.make(signing.signer(db), facts_of(seen.certificate, seen.holder, seen.kind.code if seen.kind else ""))
