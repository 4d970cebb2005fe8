"""The trace (留痕): append-only, hash-chained events, one chain per subject."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from examhall.db import Base, UTCDateTime


class TraceEvent(Base):
    """One event. The primary key (chain, position) makes racing writers of one chain collide
    instead of forking it. The database refuses UPDATE and DELETE on this table (triggers)."""

    __tablename__ = "trace_events"

    chain: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    client: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class TraceHead(Base):
    """The last event of each chain, with a MAC of its own so that cutting events off the end of
    a chain (which leaves an intact, shorter chain) is detected too. Its position only grows."""

    __tablename__ = "trace_heads"

    chain: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class Seal(Base):
    """A seal over a set of chains (a sitting's, an assessment's): the Merkle root over their heads
    when sealed, recorded as the event at `position` on the sealed subject's own `chain`. Written
    once; the database refuses UPDATE and DELETE."""

    __tablename__ = "trace_seals"

    chain: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))
    leaves: Mapped[list[list[Any]]] = mapped_column(JSON)  # [[chain, position, hash], ...]
    sealed_by: Mapped[str] = mapped_column(String(100))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Signature(Base):
    """The exam body's Ed25519 signature of one event of a sealed chain: the seal itself and every
    event after it (publication, appeals). Written once; the database refuses UPDATE and DELETE."""

    __tablename__ = "trace_signatures"

    chain: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    statement: Mapped[str] = mapped_column(Text)  # canonical JSON, as signed
    signature: Mapped[str] = mapped_column(String(100))  # base64
    key_id: Mapped[str] = mapped_column(String(16))
