from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from examhall.db import Count


class BankOut(BaseModel):
    code: str
    name: str
    description: str
    items: int


class ProblemOut(BaseModel):
    code: str
    where: str
    message: str
    warning: bool


class ImportReportOut(BaseModel):
    bank: str
    items: int
    added: int
    versioned: int
    unchanged: int
    dry_run: bool
    skipped: list[ProblemOut]  # what was left out, as asked with skip_unsupported
    warnings: list[ProblemOut]


class ItemOut(BaseModel):
    key: str
    version: int
    type: str
    stem: str
    options: list[str]
    answer: Any
    fixed_options: list[int]
    explanation: str
    category: str
    knowledge_points: list[str]
    difficulty: int
    source: str
    reference: str
    effective_from: date | None
    retire_on: date | None
    images: list[dict[str, str]]
    retired: bool


class ItemPage(BaseModel):
    total: int
    items: list[ItemOut]


class ItemIn(BaseModel):
    """An edit of an item. `answer` is written as in the Excel template (A, ABD, 对, a|b) or as
    JSON (true, [["a", "b"]]); `fixed_options` as letters."""

    type: str
    stem: str = Field(max_length=4000)
    options: list[str] = Field(default_factory=list, max_length=8)
    answer: str | bool | list[list[str]] | list[str]
    fixed_options: str = ""
    explanation: str = ""
    category: str = ""
    knowledge_points: list[str] = Field(default_factory=list)
    difficulty: Count | str = 3
    source: str = "national"
    reference: str = ""
    effective_from: date | None = None
    retire_on: date | None = None
