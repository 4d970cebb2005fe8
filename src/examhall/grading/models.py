"""The sitting record (考场记录), publication, and appeals (复核). The seal is the trace's (trace.models.Seal)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from examhall.db import Base, UTCDateTime


class SittingRecord(Base):
    """考场记录: what the proctors record of a sitting, reviewed by the chief examiner."""

    __tablename__ = "sitting_records"

    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), primary_key=True)
    remarks: Mapped[str] = mapped_column(Text, default="")
    filed_by: Mapped[str] = mapped_column(String(100), default="")
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_by: Mapped[str] = mapped_column(String(100), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Publication(Base):
    __tablename__ = "publications"

    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), primary_key=True)
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Appeal(Base):
    """复核: a candidate's appeal against a published result. A changed score takes two people:
    an admin proposes it, the chief examiner confirms it."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # filed -> regraded -> proposed -> decided
    state: Mapped[str] = mapped_column(String(20), default="filed")
    original_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2), nullable=True)
    regraded_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2), nullable=True)
    proposed_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2), nullable=True)
    proposed_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str] = mapped_column(Text, default="")  # what the candidate is told
