from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class BlueprintIn(BaseModel):
    """A blueprint document (docs/blueprint-format.md), and optionally the banks to check it against."""

    document: dict[str, Any]
    check_banks: list[str] = Field(default_factory=list)


class BlueprintOut(BaseModel):
    name: str
    title: str
    total_points: Decimal
    pass_mark: Decimal
    duration_minutes: int
    document: dict[str, Any]


class PreviewItem(BaseModel):
    type: str
    points: Decimal
    item_id: str
    version: int
    difficulty: int
    source: str


class PreviewOut(BaseModel):
    blueprint: str
    seed: int
    total_points: Decimal
    duration_minutes: int
    pass_mark: Decimal
    mean_difficulty: Decimal
    national_share: Decimal
    items: list[PreviewItem]
