"""Every answer saved as it is given: idempotent and in order, each change numbered by the
candidate's page, refused once the attempt stops taking answers."""

import json
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from examhall import clock
from examhall.db import driver, driver_read_time, driver_time
from examhall.delivery.admission import check_owner, own_attempt
from examhall.delivery.models import Attempt
from examhall.delivery.submitting import expire
from examhall.errors import Conflict, Invalid, Problem
from examhall.papers import service as papers
from examhall.papers.scoring import normalize_response
from examhall.sittings.models import Sitting
from examhall.trace.service import Actor, record

MAX_ENTRIES = 200


@dataclass(frozen=True)
class Entry:
    seq: int
    n: int
    response: Any = None
    has_response: bool = False
    flagged: bool | None = None


@dataclass
class Saved:
    applied: list[int]
    ignored: list[int]
    deadline: datetime | None
    remaining_seconds: float | None


# The statements of the hottest path, written out for each database and run on the driver's own
# cursor: what a save needs of its attempt; a response, or a flag, written only when its change
# number is newer than the one already applied to the item (RETURNING says whether it was); the
# attempt's presence and last change number.
_SAVE = {
    "sqlite": (
        "SELECT registration_id, generation, paper_id, state, paused_at, deadline, last_seq FROM attempts WHERE id = ?",
        "INSERT INTO answers (attempt_id, position, response, flagged, seq, flag_seq, saved_at) "
        "VALUES (?, ?, ?, 0, ?, 0, ?) ON CONFLICT (attempt_id, position) DO UPDATE "
        "SET response = excluded.response, seq = excluded.seq, saved_at = excluded.saved_at "
        "WHERE answers.seq < excluded.seq RETURNING position",
        "INSERT INTO answers (attempt_id, position, response, flagged, seq, flag_seq, saved_at) "
        "VALUES (?, ?, NULL, ?, 0, ?, ?) ON CONFLICT (attempt_id, position) DO UPDATE "
        "SET flagged = excluded.flagged, flag_seq = excluded.flag_seq "
        "WHERE answers.flag_seq < excluded.flag_seq RETURNING position",
        "UPDATE attempts SET last_seen_at = ?, last_seq = ? WHERE id = ?",
    ),
    "postgresql": (
        "SELECT registration_id, generation, paper_id, state, paused_at, deadline, last_seq FROM attempts "
        "WHERE id = %s",
        "INSERT INTO answers (attempt_id, position, response, flagged, seq, flag_seq, saved_at) "
        "VALUES (%s, %s, CAST(%s AS json), false, %s, 0, %s) ON CONFLICT (attempt_id, position) DO UPDATE "
        "SET response = excluded.response, seq = excluded.seq, saved_at = excluded.saved_at "
        "WHERE answers.seq < excluded.seq RETURNING position",
        "INSERT INTO answers (attempt_id, position, response, flagged, seq, flag_seq, saved_at) "
        "VALUES (%s, %s, NULL, %s, 0, %s, %s) ON CONFLICT (attempt_id, position) DO UPDATE "
        "SET flagged = excluded.flagged, flag_seq = excluded.flag_seq "
        "WHERE answers.flag_seq < excluded.flag_seq RETURNING position",
        "UPDATE attempts SET last_seen_at = %s, last_seq = %s WHERE id = %s",
    ),
}


def save(
    db: Session, *, attempt_id: int, registration_id: int, generation: int, entries: list[Entry], actor: Actor
) -> Saved:
    """Apply the candidate's changes to their own attempt. An entry is applied only when its
    sequence number is newer than the last one applied to that item, so a retry changes nothing
    and a late, older change never overwrites a newer one. A response that cannot fit its item
    refuses the whole request."""
    now = clock.now()
    dialect, connection = driver(db)
    read_target, write_answer, write_flag, seen = _SAVE[dialect]
    with closing(connection.cursor()) as cursor:
        cursor.execute(read_target, (attempt_id,))
        found = cursor.fetchone()
    check_owner(None if found is None else (found[0], found[1]), registration_id, generation)
    assert found is not None
    paper_id, state, paused_at, deadline, last_seq = found[2], found[3], found[4], driver_read_time(found[5]), found[6]
    if state != "in_progress" or paused_at is not None or (deadline is not None and now >= deadline):
        attempt = own_attempt(db, attempt_id=attempt_id, registration_id=registration_id, generation=generation)
        _refuse_save(db, attempt=attempt, entries=entries, actor=actor, now=now)
    if len(entries) > MAX_ENTRIES:
        raise Invalid("too_many", "一次提交的答案过多", f"at most {MAX_ENTRIES} changes at once")
    shape = papers.paper_shape(db, paper_id)
    canonical = []
    for index, entry in enumerate(entries):
        # A refusal names the entry (entries.<index>) so that the page can drop just that one.
        where = f"entries.{index}"
        if not 1 <= entry.n <= len(shape):
            raise Invalid(
                "bad_item",
                f"没有第{entry.n}题",
                f"the paper has no item {entry.n}",
                [Problem("bad_item", f"没有第{entry.n}题", f"no item {entry.n}", where)],
            )
        item_type, option_count, blanks = shape[entry.n - 1]
        try:
            response = (
                normalize_response(item_type, option_count, blanks, entry.response) if entry.has_response else None
            )
        except Invalid as refused:
            raise Invalid(
                refused.code,
                f"第{entry.n}题：{refused.zh}",
                f"item {entry.n}: {refused.en}",
                [Problem(refused.code, refused.zh, refused.en, where)],
            ) from None
        canonical.append((entry, response))
    applied: list[int] = []
    ignored: list[int] = []
    changes: list[dict[str, Any]] = []
    at = driver_time(dialect, now)
    with closing(connection.cursor()) as cursor:
        for entry, response in canonical:
            done = False
            if entry.has_response:
                stored = None if response is None else json.dumps(response, ensure_ascii=False)
                cursor.execute(write_answer, (attempt_id, entry.n, stored, entry.seq, at))
                done = cursor.fetchone() is not None
            if entry.flagged is not None:
                cursor.execute(write_flag, (attempt_id, entry.n, entry.flagged, entry.seq, at))
                done = cursor.fetchone() is not None or done
            (applied if done else ignored).append(entry.seq)
            if done:
                change: dict[str, Any] = {"n": entry.n, "seq": entry.seq}
                if entry.has_response:
                    change["response"] = response
                if entry.flagged is not None:
                    change["flagged"] = entry.flagged
                changes.append(change)
        last_seq = max([last_seq, *(e.seq for e, _ in canonical)])
        cursor.execute(seen, (at, last_seq, attempt_id))
    if (known := db.identity_map.get(db.identity_key(Attempt, attempt_id))) is not None:
        set_committed_value(known, "last_seen_at", now)  # the session's copy, if it holds one, agrees
        set_committed_value(known, "last_seq", last_seq)
    if changes:
        record(
            db,
            chain=f"attempt:{attempt_id}",
            action="answers.saved",
            subject=f"attempt:{attempt_id}",
            actor=actor,
            payload={"changes": changes},
        )
    left = None if deadline is None else max(0.0, (deadline - now).total_seconds())
    return Saved(applied, ignored, deadline, left)


def _refuse_save(db: Session, *, attempt: Attempt, entries: list[Entry], actor: Actor, now: datetime) -> NoReturn:
    """A save to an attempt that is not taking answers: its time is up (it is submitted now, if
    the sweep has not yet), it has ended, or it is paused. A late answer is traced."""
    expire(db, attempt, now)
    if attempt.paused_at is not None and attempt.state == "in_progress":
        raise Conflict("paused", "考试已暂停，请等待监考员恢复", "the attempt is paused")
    if db.scalar(select(Sitting.state).where(Sitting.id == attempt.sitting_id)) == "sealed":
        raise Conflict("sitting_closed", "本场考试已结束，答案未保存", "the sitting is sealed")  # nothing is traced
    late = attempt.state == "submitted" and attempt.submitted_by == "time_up"
    record(
        db,
        chain=attempt.chain,
        action="answer.refused",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={"state": attempt.state, "entries": [[e.seq, e.n] for e in entries]},
    )
    raise Conflict(
        "time_up" if late else "not_in_progress",
        "考试时间已到，答案未保存" if late else "考试未在进行中，答案未保存",
        "the time is up" if late else "the attempt is not in progress",
        commit=True,
    )
