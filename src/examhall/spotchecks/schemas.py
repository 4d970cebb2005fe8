"""What the spot-check API takes and returns."""

from typing import Any

from pydantic import BaseModel, Field


class EntryIn(BaseModel):
    seq: int = Field(ge=1, le=2**31 - 1, description="numbered by the phone, one up for each change")
    n: int = Field(ge=1, le=200, description="the item's position in the quiz")
    response: Any = None


class AnswersIn(BaseModel):
    entries: list[EntryIn] = Field(max_length=200)


class SavedOut(BaseModel):
    last_seq: int
    remaining_seconds: int


class ResultOut(BaseModel):
    submitted: bool
