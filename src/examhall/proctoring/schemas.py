from pydantic import BaseModel, Field

from examhall.db import Id


class TargetIn(BaseModel):
    """One candidate's attempt, or (no id) everyone answering in the room."""

    attempt_id: Id | None = None
    reason: str = Field("", max_length=500)


class TimeIn(BaseModel):
    attempt_id: Id | None = None
    minutes: int = Field(ge=1, le=120)
    reason: str = Field(min_length=1, max_length=500)


class WarningIn(BaseModel):
    attempt_id: Id
    note: str = Field(max_length=500)


class IrregularityIn(BaseModel):
    category: str
    note: str = Field(max_length=2000)
    attempt_id: Id | None = None


class MoveIn(BaseModel):
    attempt_id: Id


class ProposalIn(BaseModel):
    attempt_id: Id
    facts: str = Field(max_length=2000)


class DecisionIn(BaseModel):
    confirm: bool
    note: str = Field("", max_length=2000)


class InspectionIn(BaseModel):
    note: str = Field(max_length=4000)
