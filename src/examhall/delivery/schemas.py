from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from examhall.db import Id


class CandidateLoginIn(BaseModel):
    ticket: str = Field(max_length=20)
    id_number: str = Field(max_length=30)
    code: str = Field("", max_length=12)


class CandidateLoginOut(BaseModel):
    attempt: int
    csrf_token: str


class NoticeOut(BaseModel):
    at: datetime
    kind: str
    text: str


class StatusOut(BaseModel):
    state: str
    can_start: bool
    reason: str
    server_time: datetime
    starts_at: datetime
    deadline: datetime | None
    remaining_seconds: float | None
    paused: bool
    notices: list[NoticeOut]


class AnswerOut(BaseModel):
    response: Any = None
    flagged: bool


class PaperOut(StatusOut):
    """What the start and a reload return: the status, who sits the attempt, the answers given
    (by item number) and the paper (papers.sheets: each item's number, section, type, stem,
    labelled options, blank count and image count; never its key)."""

    attempt: int
    exam: str
    candidate: str
    seat: int | None
    last_seq: int
    answers: dict[str, AnswerOut]
    sections: list[dict[str, Any]]
    items: list[dict[str, Any]]


class EntryIn(BaseModel):
    seq: int = Field(ge=1, le=2**31 - 1)
    n: int = Field(ge=1, le=2**31 - 1)
    response: Any = None
    flagged: bool | None = None


class AnswersIn(BaseModel):
    entries: list[EntryIn] = Field(max_length=200)


class AnswersOut(BaseModel):
    applied: list[int]
    ignored: list[int]
    server_time: datetime
    deadline: datetime | None
    remaining_seconds: float | None
    state: str
    paused: bool


class SignalIn(BaseModel):
    kind: str = Field(max_length=30)
    detail: str = Field("", max_length=200)


class SubmitOut(BaseModel):
    state: str
    unanswered: list[int]


class AuthorizeIn(BaseModel):
    attempt_ids: list[Id] | None = None
    all: bool = False


class CodeIn(BaseModel):
    registration_id: Id


class RoomRow(BaseModel):
    registration: int
    seat: int | None
    ticket: str | None
    name: str
    attempt: int | None
    state: str
    last_seen_at: datetime | None
