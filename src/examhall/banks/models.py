"""Question banks (题库): items and their immutable versions, and the images they show."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from examhall.db import Base, UTCDateTime


class Bank(Base):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def chain(self) -> str:
        return f"bank:{self.code}"


class Item(Base):
    """An item across its versions. `current_version` is the one new papers draw; retiring an
    item stops new papers drawing it and keeps every version."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("bank_id", "key"),
        Index("ix_items_bank_id_fingerprint", "bank_id", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id"))
    key: Mapped[str] = mapped_column(String(64))
    current_version: Mapped[int] = mapped_column(Integer)
    # A digest of the current stem's fingerprint: how a file without item keys finds its items again.
    fingerprint: Mapped[str] = mapped_column(String(40))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Copies of the current version's fields that administrators search and filter by: a search
    # then reads one table, not a join over every item's versions.
    type: Mapped[str] = mapped_column(String(20))
    stem: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(100))
    knowledge_points: Mapped[str] = mapped_column(Text)  # "|a|b|", so that LIKE '%|a|%' finds one
    difficulty: Mapped[int] = mapped_column(Integer)


class ItemVersion(Base):
    """One version of an item. Never updated, never deleted (the database refuses both), so a
    paper that names a version can always be rebuilt exactly."""

    __tablename__ = "item_versions"
    __table_args__ = (
        UniqueConstraint("item_id", "version"),
        Index("ix_item_versions_category", "category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[Any] = mapped_column(JSON)
    fixed_options: Mapped[list[int]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(100))
    knowledge_points: Mapped[list[str]] = mapped_column(JSON)
    difficulty: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(300))
    effective_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    retire_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    images: Mapped[list[dict[str, str]]] = mapped_column(JSON)  # [{"name": ..., "sha256": ...}]
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))


class Image(Base):
    """Image bytes, stored once by their SHA-256: a version names the exact bytes it shows."""

    __tablename__ = "images"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary)
