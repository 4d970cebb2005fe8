from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from examhall.db import Count, Id


class SiteIn(BaseModel):
    area_code: str
    code: str
    name: str
    address: str = ""


class RoomIn(BaseModel):
    name: str
    seats: Count
    columns: Count


class ExamIn(BaseModel):
    name: str
    category: str
    blueprint: str
    banks: list[str]
    required_hours: Decimal = Field(ge=0)
    requires_code: bool = False
    show_score: bool = True


class SittingIn(BaseModel):
    exam_id: Id
    room_id: Id
    starts_at: datetime  # with its offset, e.g. 2026-12-05T09:00:00+08:00


class SittingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    exam_id: Id
    room_id: Id
    starts_at: datetime
    state: str
    ticket_room: str


class RegistrationOut(BaseModel):
    id: int
    name: str
    id_number: str
    eligible: bool
    refusals: list[dict[str, Any]]
    override_reason: str
    seat: int | None
    ticket: str | None


class OverrideIn(BaseModel):
    reason: str = Field(max_length=1000)


class SeatsIn(BaseModel):
    mode: str = "random"


class AssignIn(BaseModel):
    user_id: Id
    role: str


class PoolIn(BaseModel):
    user_id: Id
    institution: str = ""
    trainer: bool = False


class ExtraTimeIn(BaseModel):
    minutes: int = Field(ge=0, le=240)
    reason: str = Field(min_length=2, max_length=500)
