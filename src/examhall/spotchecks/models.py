"""逢查必考: a spot check (现场抽考) during an enforcement visit, the workers quizzed on the spot,
their answers, the measures the officers decide, and the quiz rule of each category."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from examhall.db import Base, UTCDateTime


class QuizRule(Base):
    """How a category's workers are quizzed: how many items, how long, the pass mark."""

    __tablename__ = "spot_quiz_rules"

    category: Mapped[str] = mapped_column(String(100), primary_key=True)
    items: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(5, 1))


class SpotCheck(Base):
    """A check of an enterprise by two officers: opened by one and confirmed by the other, sealed
    when both confirm. Its chain is the record from the first step."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    place: Mapped[str] = mapped_column(String(300))
    held_on: Mapped[date] = mapped_column(Date)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # who opened it
    partner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # the second officer, who confirms
    state: Mapped[str] = mapped_column(String(20))  # proposed, open, sealing, sealed
    seal_asked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def chain(self) -> str:
        return f"spotcheck:{self.id}"


class SpotWorker(Base):
    """A worker quizzed in a check: who, in which post, what their certificate showed, the items
    drawn, and the result. One quiz per worker per check."""

    __tablename__ = "spot_workers"
    __table_args__ = (UniqueConstraint("check_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    post: Mapped[str] = mapped_column(String(30))  # principal, safety_manager, special_operations
    category: Mapped[str] = mapped_column(String(100))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), nullable=True)
    finding: Mapped[str] = mapped_column(String(30))  # valid, none, forged, expired, suspended, revoked, unknown
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"v": version id, "p": option order}]
    minutes: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    link_hash: Mapped[str] = mapped_column(String(64), default="")  # the one-time link's SHA-256
    link_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2), nullable=True)
    passed: Mapped[bool | None] = mapped_column(nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def chain(self) -> str:
        return f"spotquiz:{self.id}"


class SpotAnswer(Base):
    """One save of a worker's answers, numbered by the phone: the last number wins per item."""

    __tablename__ = "spot_answers"

    worker_id: Mapped[int] = mapped_column(ForeignKey("spot_workers.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)  # the item's position in the quiz
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Measure(Base):
    """A measure decided in a check (责令限期整改, 停止作业重新培训, ...): proposed by one
    officer, confirmed by the other; followed up when its deadline comes."""

    __tablename__ = "spot_measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("spot_workers.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    follow_up: Mapped[str] = mapped_column(Text, default="")
    followed_up_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
