"""The review list (复审名单): valid certificates whose next review (or, for a kind with no review,
whose end of validity) falls within the coming months, per enterprise, soonest first.

A review not done by its day leaves the certificate lapsed (periods.REVIEW_WINDOW); those missed
in the last OVERDUE_DAYS stay on the list, marked overdue, because their holders must stop work
and sit the exam again, and the enterprise needs telling. Older misses are off the list."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examhall.certificates.models import CertificateKind
from examhall.certificates.periods import REVIEW_WINDOW
from examhall.certificates.sheets import table
from examhall.sittings.models import Candidate, Certificate, Enterprise

OVERDUE_DAYS = 90
MAX_MONTHS = 36


@dataclass(frozen=True)
class DueRow:
    certificate: Certificate
    holder: Candidate
    enterprise: str
    kind_name: str
    due: date
    review: bool  # a review is due (复审, at the end of the validity 延期复审); False: it ends, no review
    days_left: int  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def applying(self) -> bool:
        """Within the days before it is due in which the review is applied for."""
        return 0 <= self.days_left <= REVIEW_WINDOW.days


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("every month has 28 days")


def due_list(db: Session, *, today: date, months: int = 3, enterprise_id: int | None = None) -> list[DueRow]:
    """Valid certificates falling due from OVERDUE_DAYS ago up to `months` from today."""
    until = add_months(today, min(max(months, 0), MAX_MONTHS))
    since = today - timedelta(days=OVERDUE_DAYS)
    due_on = func.coalesce(Certificate.next_review_on, Certificate.valid_until)
    query = (
        select(Certificate, Candidate, Enterprise.name, CertificateKind)
        .join(Candidate, Candidate.id == Certificate.candidate_id)
        .outerjoin(Enterprise, Enterprise.id == Candidate.enterprise_id)
        .outerjoin(CertificateKind, CertificateKind.id == Certificate.kind_id)
        .where(Certificate.state == "valid", due_on >= since, due_on <= until)
    )
    if enterprise_id is not None:
        query = query.where(Candidate.enterprise_id == enterprise_id)
    rows = []
    for certificate, holder, enterprise, kind in db.execute(query):
        due = certificate.next_review_on or certificate.valid_until
        rows.append(
            DueRow(
                certificate,
                holder,
                enterprise or "",
                kind.name if kind else certificate.category,
                due,
                certificate.next_review_on is not None or (kind is not None and kind.review_years is not None),
                (due - today).days,
            )
        )
    return sorted(rows, key=lambda r: (r.due, r.enterprise, r.holder.name, r.certificate.id))


def enterprises(db: Session) -> list[Enterprise]:
    return list(db.scalars(select(Enterprise).order_by(Enterprise.name)))


COLUMNS = (
    ("企业", 28),
    ("姓名", 10),
    ("身份证号", 21),
    ("证书", 24),
    ("准操项目", 22),
    ("复审日期/有效期至", 16),
    ("剩余天数", 10),
)


def due_file(rows: list[DueRow]) -> bytes:
    return table(
        "复审名单",
        COLUMNS,
        (
            (
                r.enterprise,
                r.holder.name,
                r.holder.id_number,
                r.kind_name,
                r.certificate.operation_item or r.certificate.category,
                r.due,
                r.days_left,
            )
            for r in rows
        ),
    )
