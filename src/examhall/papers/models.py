"""Blueprints as stored and edited, and the papers drawn from them: every choice kept, so any
paper can be rebuilt exactly."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from examhall.db import Base, UTCDateTime


class BlueprintRecord(Base):
    __tablename__ = "blueprints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))

    @property
    def chain(self) -> str:
        return f"blueprint:{self.name}"


class PaperDraw(Base):
    """The inputs of drawing a set of papers (a sitting's): the blueprint as it was, the pool of
    item versions in force on the exam date, and which seats neighbour which."""

    __tablename__ = "paper_draws"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    blueprint: Mapped[dict[str, Any]] = mapped_column(JSON)
    bank_codes: Mapped[list[str]] = mapped_column(JSON)
    exam_date: Mapped[date] = mapped_column(Date)
    pool: Mapped[list[int]] = mapped_column(JSON)  # item version ids, ascending
    neighbours: Mapped[list[list[int]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Paper(Base):
    """One candidate's paper. Never updated or deleted (the database refuses both)."""

    __tablename__ = "papers"
    __table_args__ = (UniqueConstraint("draw_id", "seat_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("paper_draws.id"))
    seat_index: Mapped[int] = mapped_column(Integer)  # order of drawing within the draw
    seed: Mapped[int] = mapped_column(BigInteger)
    seen: Mapped[list[int]] = mapped_column(JSON)  # versions the candidate saw before, avoided
    # [[item_version_id, section_index, [option permutation]], ...] in paper order
    choices: Mapped[list[list[Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the candidate's page receives (papers.sheets), rendered when drawn; none for a paper
    # drawn before sheets were kept, which is rendered when asked for.
    sheet: Mapped[str | None] = mapped_column(Text, deferred=True)
