"""The server's clock: the only clock examhall trusts. Tests move it with `freeze`."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Pin the clock at `at` (aware), or let it run again with None. For tests and benchmarks."""
    global _frozen
    _frozen = at


def local_date(at: datetime, timezone: str) -> date:
    """The calendar day `at` falls on where the exam body is."""
    return at.astimezone(ZoneInfo(timezone)).date()


def frozen() -> datetime | None:
    """Where the clock is pinned, if it is."""
    return _frozen
