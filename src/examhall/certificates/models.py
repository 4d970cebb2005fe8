"""Certificate kinds (data the administrator sets: periods, numbering, issuer), the two-person
decisions on a certificate's state, and its reviews (复审). The certificates themselves are
sittings.models.Certificate: eligibility, earlier in the flow, reads them."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from examhall.db import Base, UTCDateTime


class CertificateKind(Base):
    """What a passed exam (or composite assessment) of a category earns, and for how long."""

    __tablename__ = "certificate_kinds"
    __table_args__ = (UniqueConstraint("source", "category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))  # e.g. 特种作业操作证
    source: Mapped[str] = mapped_column(String(20))  # exam or assessment: what issues it
    category: Mapped[str] = mapped_column(String(100))  # the exam's category or the plan's
    work_class: Mapped[str] = mapped_column(String(100), default="")  # 作业类别
    operation_item: Mapped[str] = mapped_column(String(100), default="")  # 操作项目
    numbering: Mapped[str] = mapped_column(String(20))  # id_number (the holder's) or serial
    valid_years: Mapped[int] = mapped_column(Integer)
    review_years: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: no review
    extended_review_years: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extension_after_years: Mapped[int | None] = mapped_column(Integer, nullable=True)  # years in the trade
    review_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1), default=Decimal(0))
    review_exam: Mapped[bool] = mapped_column(Boolean, default=False)  # a review needs a passed exam
    issuer: Mapped[str] = mapped_column(String(200))  # 发证机关
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StateDecision(Base):
    """A suspension (暂扣), revocation (撤销) or reinstatement: proposed by one administrator,
    confirmed or rejected by another."""

    __tablename__ = "certificate_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # suspend, revoke, reinstate
    reason: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)  # the legal basis, as the decision cites it
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="proposed")  # proposed, confirmed, rejected
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Review(Base):
    """复审: the review training and, where the kind needs one, the exam passed for it."""

    __tablename__ = "certificate_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    reviewed_on: Mapped[date] = mapped_column(Date)
    training_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    exam_record_id: Mapped[int | None] = mapped_column(ForeignKey("exam_records.id"), nullable=True)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)  # the longer review period applied
    next_review_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
