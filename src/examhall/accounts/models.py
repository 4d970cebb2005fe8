"""Staff accounts and the record of failed logins that throttling reads."""

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from examhall.db import Base, UTCDateTime

# Staff roles (../GLOSSARY). Candidates are not accounts: they log in with a ticket number.
ROLES = ("admin", "chief_examiner", "proctor", "inspector", "judge", "trainer", "officer")
CANDIDATE = "candidate"

ROLE_NAMES_ZH = {
    "admin": "管理员",
    "chief_examiner": "主考官",
    "proctor": "监考员",
    "inspector": "巡考员",
    "judge": "评委",
    "trainer": "培训教师",
    "officer": "执法人员",  # enforcement officers: spot checks (逢查必考)
    CANDIDATE: "考生",
}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped when the password or role changes, or the account is disabled: every session
    # cookie issued before then stops working.
    session_generation: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def chain(self) -> str:
        return f"account:{self.id}"


class LoginFailure(Base):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
