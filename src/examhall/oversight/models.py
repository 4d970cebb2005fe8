"""What oversight keeps of each published sitting, summarised once: one row per attempt sat,
running sums per item version, and the flags raised. Derived data: all of it can be made again
from the sittings it names."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from examhall.db import Base, UTCDateTime


class SummarisedSitting(Base):
    """A published sitting oversight has summarised; its primary key makes sure no sitting is
    counted twice, even by two processes at once."""

    __tablename__ = "oversight_sittings"

    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), primary_key=True)
    summarised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer)


class AttemptFact(Base):
    """One attempt sat, as pass rates count it. `sitting_id` and `attempt_id` are empty for
    results carried over from before examhall (the demo's year is such)."""

    __tablename__ = "oversight_attempts"
    __table_args__ = (
        Index("ix_oversight_attempts_month_category", "month", "category"),
        Index("ix_oversight_attempts_site_id_month", "site_id", "month"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"), unique=True, nullable=True)
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("sittings.id"), index=True, nullable=True)
    category: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), nullable=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), nullable=True)
    month: Mapped[str] = mapped_column(String(7))  # local YYYY-MM of the sitting
    resit: Mapped[bool] = mapped_column(Boolean)
    passed: Mapped[bool] = mapped_column(Boolean)
    voided: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2), nullable=True)
    seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)  # time used, pauses not counted
    # The paper's expected score from its items' facility as known at summary time, and whether
    # that made it harder than the sitting's other papers beyond the tolerance.
    expected: Mapped[Decimal | None] = mapped_column(Numeric(7, 2), nullable=True)
    harder: Mapped[bool] = mapped_column(Boolean, default=False)


class ItemStats(Base):
    """Running sums over every scored attempt that carried an item version: x is the share of
    the item's marks won, y the share of the paper's marks; upper and lower are the top and
    bottom 27 % of their own sitting. `responses` counts each response (original option letters,
    对/错, or empty for none)."""

    __tablename__ = "oversight_item_stats"

    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"), index=True)
    papers: Mapped[int] = mapped_column(Integer, default=0)  # exposure: papers seen that carried it
    n: Mapped[int] = mapped_column(Integer, default=0)
    sum_x: Mapped[float] = mapped_column(Float, default=0.0)
    sum_xx: Mapped[float] = mapped_column(Float, default=0.0)
    sum_y: Mapped[float] = mapped_column(Float, default=0.0)
    sum_yy: Mapped[float] = mapped_column(Float, default=0.0)
    sum_xy: Mapped[float] = mapped_column(Float, default=0.0)
    upper_n: Mapped[int] = mapped_column(Integer, default=0)
    upper_x: Mapped[float] = mapped_column(Float, default=0.0)
    lower_n: Mapped[int] = mapped_column(Integer, default=0)
    lower_x: Mapped[float] = mapped_column(Float, default=0.0)
    responses: Mapped[dict[str, int]] = mapped_column(JSON)


class Flag(Base):
    """A pattern worth a look, with the evidence it rests on; never a verdict."""

    __tablename__ = "oversight_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # fast_high, signals, shared_wrong
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    other_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"), nullable=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
