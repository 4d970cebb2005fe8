"""Assessments that add judged parts to the computer exam: plans, assessments and their
candidates, the judge pool with declared conflicts, panels, scores, disagreements, the practical
task bank and its draws, seals, and the teacher pool (师资库)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from examhall.db import Base, UTCDateTime


class AssessmentPlan(Base):
    """考核方案: its parts (computer exams and rubrics) and how they combine. Never changed once
    made, so that every assessment of it is scored by the rules it was held under."""

    __tablename__ = "assessment_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # teacher, special_operations, other
    category: Mapped[str] = mapped_column(String(100))  # the teaching subject, or the 工种
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    aggregation: Mapped[str] = mapped_column(String(20))  # trimmed, mean
    spread_threshold: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    pass_mark: Mapped[Decimal | None] = mapped_column(Numeric(6, 2), nullable=True)  # on the composite
    sequential: Mapped[bool] = mapped_column(Boolean, default=False)  # judged parts only after the computer exam
    pool_years: Mapped[int | None] = mapped_column(Integer, nullable=True)  # those who pass join the teacher pool
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class Assessment(Base):
    """One assessment of a plan on a day: its candidates, its chief examiner and its judge panel.
    scheduled -> open (scoring) -> sealed."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("assessment_plans.id"))
    name: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(20), default="scheduled")
    chief_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    panel_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def chain(self) -> str:
        return f"assessment:{self.id}"


class AssessmentEntry(Base):
    """A candidate (a teacher, or a special-operations candidate) of an assessment, with the
    institution they belong to, and their result once the assessment is sealed."""

    __tablename__ = "assessment_entries"
    __table_args__ = (UniqueConstraint("assessment_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    absent: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2), nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    part_scores: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Judge(Base):
    """评委库: a judge account with the institution they belong to."""

    __tablename__ = "judges"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JudgeConflict(Base):
    """A conflict a judge declared (回避申报): with an institution, or with a person by ID number."""

    __tablename__ = "judge_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), nullable=True)
    id_number: Mapped[str] = mapped_column(String(18), default="")
    reason: Mapped[str] = mapped_column(Text)
    declared_by: Mapped[str] = mapped_column(String(100))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PanelMember(Base):
    """A judge drawn onto an assessment's panel; one recused before scoring keeps the row, removed."""

    __tablename__ = "panel_members"
    __table_args__ = (UniqueConstraint("assessment_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    removed_reason: Mapped[str] = mapped_column(Text, default="")


class JudgeScore(Base):
    """One judge's marks for one part of one candidate: a mark per criterion, and their total.
    submitted -> reopened (with a reason) -> submitted again."""

    __tablename__ = "judge_scores"
    __table_args__ = (UniqueConstraint("entry_id", "part", "judge_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("assessment_entries.id"))
    part: Mapped[str] = mapped_column(String(30))
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    marks: Mapped[dict[str, str]] = mapped_column(JSON)  # criterion key -> decimal text
    total: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    state: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reopen_reason: Mapped[str] = mapped_column(Text, default="")


class Disagreement(Base):
    """The judges' totals for a part spread further apart than the plan allows: the chief
    examiner accepts them or has the part scored again before results."""

    __tablename__ = "disagreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("assessment_entries.id"))
    part: Mapped[str] = mapped_column(String(30))
    spread: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    threshold: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    totals: Mapped[dict[str, str]] = mapped_column(JSON)  # judge id -> total: the scores it is about
    state: Mapped[str] = mapped_column(String(20), default="open")  # open, accepted, rescored, cleared
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str] = mapped_column(String(100), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class PracticalTask(Base):
    """实操题库: a practical task of a 工种 and subject (K1-K4) across its versions."""

    __tablename__ = "practical_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    category: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(4))
    current_version: Mapped[int] = mapped_column(Integer)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PracticalTaskVersion(Base):
    """One version of a task. Never updated, never deleted (the database refuses both), so a draw
    always shows what was drawn."""

    __tablename__ = "practical_task_versions"
    __table_args__ = (UniqueConstraint("task_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("practical_tasks.id"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text)
    equipment: Mapped[str] = mapped_column(Text)
    minutes: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class TaskDraw(Base):
    """The task drawn at random for one candidate's practical subject."""

    __tablename__ = "task_draws"
    __table_args__ = (UniqueConstraint("entry_id", "part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("assessment_entries.id"))
    part: Mapped[str] = mapped_column(String(30))
    version_id: Mapped[int] = mapped_column(ForeignKey("practical_task_versions.id"))
    pool_size: Mapped[int] = mapped_column(Integer)  # the tasks it was drawn from
    drawn_by: Mapped[str] = mapped_column(String(100))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PoolEntry(Base):
    """省级师资库: a teacher who passed a teacher assessment, valid until a date."""

    __tablename__ = "teacher_pool"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), nullable=True)
    subject: Mapped[str] = mapped_column(String(100))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    part_scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    passed_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)  # the last day it is valid
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
