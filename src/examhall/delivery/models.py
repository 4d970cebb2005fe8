"""Candidates' attempts and their answers."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from examhall.db import Base, UTCDateTime


class Attempt(Base):
    """A candidate's sitting of their paper. The deadline is derived from the start, the duration
    (with any accommodation), the time proctors added and the time spent paused; it is kept up to
    date by delivery.service.timing so that saves and the time-up sweep read it directly."""

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_state_deadline", "state", "deadline"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), unique=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"))
    # waiting (logged in) -> authorized -> in_progress -> submitted; ended: stopped for misconduct
    state: Mapped[str] = mapped_column(String(20), default="waiting")
    generation: Mapped[int] = mapped_column(Integer, default=0)  # a new login ends the sessions before it
    move_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    code_hash: Mapped[str] = mapped_column(String(64), default="")  # the one-time login code, when issued
    logged_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    authorized_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    added_seconds: Mapped[int] = mapped_column(Integer, default=0)
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    submitted_by: Mapped[str] = mapped_column(String(20), default="")  # candidate, time_up, proctor
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    signals: Mapped[int] = mapped_column(Integer, default=0)
    last_signal: Mapped[str] = mapped_column(String(30), default="")
    last_signal_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2), nullable=True)
    score_detail: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def chain(self) -> str:
        return f"attempt:{self.id}"


class Answer(Base):
    """The latest response to one item of an attempt; `seq` is the candidate page's sequence
    number of the change that wrote it, so an older change arriving late never overwrites it."""

    __tablename__ = "answers"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    response: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)  # no answer: SQL NULL
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    flag_seq: Mapped[int] = mapped_column(Integer, default=0)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notice(Base):
    """What proctors send a candidate's page: a warning, a pause, added time."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(500))
