"""An attempt as its trace tells it: the answers the events saved, applied by the same rule as
the save (a change wins only with a newer sequence number), and where the attempt got to. What
the tables hold of an attempt must be this, derived again."""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from examhall.trace.chain import EventRow

# Where each event leaves the attempt; events not named here leave it where it is.
_STATES = {
    "candidate.logged_in": "waiting",
    "attempt.authorized": "authorized",
    "attempt.started": "in_progress",
    "attempt.submitted": "submitted",
    "attempt.ended": "ended",
}


@dataclass(frozen=True)
class Saved:
    """One item's answer as an `answers` row holds it."""

    response: Any
    seq: int
    flagged: bool
    flag_seq: int


@dataclass
class Replayed:
    state: str = "none"
    started: bool = False
    voided: bool = False
    answers: dict[int, Saved] = field(default_factory=dict)

    def responses(self) -> dict[int, Any]:
        return {n: saved.response for n, saved in self.answers.items() if saved.response is not None}


def replay(rows: Iterable[EventRow]) -> Replayed:
    """The attempt of these events (one attempt chain, in order)."""
    found = Replayed()
    for row in rows:
        if row.action == "answers.saved":
            for change in _changes(row):
                _apply(found.answers, change)
            continue
        if row.action == "candidate.logged_in" and found.state != "none":
            continue  # a second login of a waiting candidate changes nothing
        state = _STATES.get(row.action)
        if state is not None:
            found.state = state
            found.started = found.started or state == "in_progress"
            found.voided = found.voided or state == "ended"
    return found


def _changes(row: EventRow) -> list[dict[str, Any]]:
    """The changes an answers event records; none from a payload that is not one (a damaged
    event, which the chain's own check reports)."""
    try:
        changes = json.loads(row.payload)["changes"]
    except (ValueError, KeyError, TypeError):
        return []
    if not isinstance(changes, list):
        return []
    return [c for c in changes if isinstance(c, dict) and isinstance(c.get("n"), int) and isinstance(c.get("seq"), int)]


def _apply(answers: dict[int, Saved], change: dict[str, Any]) -> None:
    n, seq = change["n"], change["seq"]
    saved = answers.get(n, Saved(None, 0, False, 0))
    if "response" in change and seq > saved.seq:
        saved = Saved(change["response"], seq, saved.flagged, saved.flag_seq)
    if "flagged" in change and seq > saved.flag_seq:
        saved = Saved(saved.response, saved.seq, change["flagged"], seq)
    answers[n] = saved
