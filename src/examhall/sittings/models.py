"""Sites, rooms, enterprises, training institutions, exams, sittings; candidates with their
training, certificates, results and bans; rosters (registrations) and staff assignments."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from examhall.db import Base, UTCDateTime


class Site(Base):
    """考点: an exam site, coded within its area for admission ticket numbers."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("area_code", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_code: Mapped[str] = mapped_column(String(6))  # administrative division (GB/T 2260)
    code: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")


class Room(Base):
    """考场: a room of a site, with its seats laid out in rows of `columns`."""

    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(String(100))
    seats: Mapped[int] = mapped_column(Integer)
    columns: Mapped[int] = mapped_column(Integer)


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Institution(Base):
    """培训机构: a training institution. Its staff never examine its trainees (教考分离)."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Exam(Base):
    """An exam as the exam body defines it: its category, blueprint, banks and rules."""

    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100))  # 工种/类别, e.g. 煤矿安全检查作业
    blueprint_name: Mapped[str] = mapped_column(String(64))
    bank_codes: Mapped[list[str]] = mapped_column(JSON)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    required_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    requires_code: Mapped[bool] = mapped_column(Boolean, default=False)  # a one-time code from the proctor
    show_score: Mapped[bool] = mapped_column(Boolean, default=True)  # after the seal
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Sitting(Base):
    """场次: an exam in a room at a start time. `ticket_room` is the 考场号 of its admission
    tickets, unique per site and year so that ticket numbers never repeat."""

    __tablename__ = "sittings"
    __table_args__ = (UniqueConstraint("site_id", "year", "ticket_room"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    year: Mapped[int] = mapped_column(Integer)
    ticket_room: Mapped[str] = mapped_column(String(2))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="scheduled")  # scheduled, open, ended, sealed
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("paper_draws.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def chain(self) -> str:
        return f"sitting:{self.id}"


class Candidate(Base):
    """考生: a person, known by the resident ID number."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(2))
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20), default="")
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), nullable=True)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)  # read only when shown


class Training(Base):
    """A training course completed for a category; a later one counts as retraining."""

    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), nullable=True)
    category: Mapped[str] = mapped_column(String(100))
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    completed_on: Mapped[date] = mapped_column(Date)


class Certificate(Base):
    """A certificate a candidate holds: issued by examhall from a published result, or imported
    from before. Kept beside the candidate because eligibility reads it; the certificates domain
    issues, reviews, suspends and revokes it. Its chain (`chain`) is the record of every step."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    kind_id: Mapped[int | None] = mapped_column(ForeignKey("certificate_kinds.id"), nullable=True)
    number: Mapped[str] = mapped_column(String(40), default="", index=True)
    category: Mapped[str] = mapped_column(String(100))
    work_class: Mapped[str] = mapped_column(String(100), default="")  # 作业类别
    operation_item: Mapped[str] = mapped_column(String(100), default="")  # 操作项目 (准操项目)
    first_issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 初领日期
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    next_review_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 复审日期
    issuer: Mapped[str] = mapped_column(String(200), default="")  # 发证机关
    state: Mapped[str] = mapped_column(String(20), default="valid")  # valid, suspended, revoked
    origin: Mapped[str] = mapped_column(String(20), default="issued")  # issued, imported
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("sittings.id"), nullable=True)
    assessment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # grows with each change printed on it
    retraining: Mapped[bool] = mapped_column(Boolean, default=False)  # failed a spot check: retrain (须重新培训)

    @property
    def chain(self) -> str:
        return f"certificate:{self.id}"


class ExamRecord(Base):
    """A past result of a candidate in a category (from a published sitting, or recorded)."""

    __tablename__ = "exam_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    category: Mapped[str] = mapped_column(String(100))
    sat_on: Mapped[date] = mapped_column(Date)
    passed: Mapped[bool] = mapped_column(Boolean)
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("sittings.id"), nullable=True)


class Ban(Base):
    """A misconduct decision barring a candidate from exams until a date."""

    __tablename__ = "bans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Registration(Base):
    """A candidate on a sitting's roster: eligibility, seat, admission ticket and paper."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("sitting_id", "candidate_id"), UniqueConstraint("sitting_id", "seat"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), nullable=True)
    row: Mapped[int] = mapped_column(Integer)  # its order in the roster file
    eligible: Mapped[bool] = mapped_column(Boolean)
    refusals: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    seat: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ticket: Mapped[str | None] = mapped_column(String(14), unique=True, nullable=True)
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id"), nullable=True)
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)  # an accommodation set before the sitting
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Assignment(Base):
    """A staff member assigned to a sitting: proctor or chief examiner."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("sitting_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    assigned_by: Mapped[str] = mapped_column(String(100))  # "draw" or the admin's name
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StaffMember(Base):
    """A proctor or chief examiner in the pool sittings draw their staff from, with the
    institution they belong to; one who also teaches (a trainer) is never drawn."""

    __tablename__ = "staff_pool"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), nullable=True)
    trainer: Mapped[bool] = mapped_column(Boolean, default=False)
