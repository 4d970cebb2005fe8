from datetime import datetime

from pydantic import BaseModel, ConfigDict


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    chain: str
    position: int
    at: datetime
    actor: str
    role: str
    client: str
    action: str
    subject: str
    payload: str
    prev_hash: str
    hash: str


class BreakOut(BaseModel):
    chain: str
    position: int
    reason: str


class ReportOut(BaseModel):
    intact: bool
    chains: int
    events: int
    breaks: list[BreakOut]
