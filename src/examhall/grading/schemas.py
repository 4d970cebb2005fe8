from decimal import Decimal

from pydantic import BaseModel, Field


class RemarksIn(BaseModel):
    remarks: str = Field(max_length=10_000)


class LookupIn(BaseModel):
    ticket: str = Field(max_length=20)
    id_number: str = Field(max_length=30)


class AppealIn(LookupIn):
    reason: str = Field(max_length=4000)


class ProposalIn(BaseModel):
    score: Decimal | None = Field(None, ge=0, le=1000)
    note: str = Field(max_length=4000)


class DecisionIn(BaseModel):
    confirm: bool


class ResultOut(BaseModel):
    ticket: str
    name: str
    score: Decimal | None
    status: str


class CheckOut(BaseModel):
    """The sitting's check: its seal and signatures hold, and every result derived again from the
    trace is what the tables serve."""

    intact: bool
    sealed: bool
    problems: list[str]


class ResultsOut(BaseModel):
    check: CheckOut
    results: list[ResultOut]
