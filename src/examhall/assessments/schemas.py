from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from examhall.db import Count, Id

Text = Field(max_length=4000)


class CriterionIn(BaseModel):
    key: str = Field(max_length=30)
    name: str = Field(max_length=100)
    max: Decimal
    descriptor: str = Field("", max_length=1000)


class PartIn(BaseModel):
    key: str = Field(max_length=30)
    kind: str = Field(max_length=20)
    name: str = Field("", max_length=100)
    weight: Decimal
    pass_mark: Decimal | None = None
    exam_id: Id | None = None
    valid_months: Count = 12
    minutes: Count | None = None
    criteria: list[CriterionIn] = Field(default_factory=list, max_length=50)


class PlanIn(BaseModel):
    name: str = Field(max_length=200)
    kind: str = Field("other", max_length=30)
    category: str = Field(max_length=100)
    parts: list[PartIn] = Field(max_length=20)
    aggregation: str = Field("trimmed", max_length=20)
    spread_threshold: Decimal = Decimal(15)
    pass_mark: Decimal | None = None
    sequential: bool = False
    pool_years: Count | None = None


class PresetIn(BaseModel):
    preset: str = Field(max_length=30)  # teacher, special_operations
    name: str = Field(max_length=200)
    category: str = Field(max_length=100)
    exam_id: Id
    rubric: str = Field("lecture", max_length=20)  # teacher: lecture or explanation


class AssessmentIn(BaseModel):
    plan_id: Id
    name: str = Field(max_length=200)
    held_on: date
    venue: str = Field("", max_length=300)
    panel_size: Count = 5


class UserIn(BaseModel):
    user_id: Id


class CandidateIn(BaseModel):
    id_number: str = Field(max_length=30)
    institution: str = Field("", max_length=200)


class JudgeIn(BaseModel):
    user_id: Id
    institution: str = Field("", max_length=200)


class ConflictIn(BaseModel):
    institution: str = Field("", max_length=200)
    id_number: str = Field("", max_length=30)
    reason: str = Text


class ReasonIn(BaseModel):
    reason: str = Text


class MarksIn(BaseModel):
    marks: dict[str, str | int | float] = Field(max_length=50)


class ResolutionIn(BaseModel):
    action: str = Field(max_length=20)  # accept, rescore
    note: str = Text


class TaskTextIn(BaseModel):
    title: str = Field(max_length=200)
    instructions: str = Field(max_length=10_000)
    equipment: str = Field("", max_length=4000)
    minutes: Count = 15


class TaskIn(TaskTextIn):
    code: str = Field(max_length=40)
    category: str = Field(max_length=100)
    subject: str = Field(max_length=4)


class PlanOut(BaseModel):
    id: int
    name: str
    kind: str
    category: str
    parts: list[dict[str, Any]]
    aggregation: str
    spread_threshold: Decimal
    pass_mark: Decimal | None
    sequential: bool
    pool_years: int | None


class AssessmentOut(BaseModel):
    id: int
    plan_id: Id
    plan: str
    name: str
    held_on: date
    venue: str
    state: str
    chief_id: Id | None
    panel_size: int
