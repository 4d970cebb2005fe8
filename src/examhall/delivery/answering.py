"""Every answer saved as it is given: idempotent and in order, each change numbered by the
candidate's page, refused once the attempt stops taking answers."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from examhall import clock
from examhall.delivery.admission import check_owner, own_attempt
from examhall.delivery.models import Answer, Attempt
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


def _upserts(dialect: Any) -> tuple[Any, Any]:
    """The two statements of the hottest path, built once: a response, or a flag, is written
    only when its sequence number is newer than the one already applied to the item."""
    answer = dialect.insert(Answer).values(
        attempt_id=bindparam("a_attempt"),
        position=bindparam("a_n"),
        response=bindparam("a_response"),
        flagged=False,
        seq=bindparam("a_seq"),
        flag_seq=0,
        saved_at=bindparam("a_at"),
    )
    answer = answer.on_conflict_do_update(
        index_elements=[Answer.attempt_id, Answer.position],
        set_={"response": answer.excluded.response, "seq": answer.excluded.seq, "saved_at": answer.excluded.saved_at},
        where=Answer.seq < answer.excluded.seq,
    ).returning(Answer.position)
    flag = dialect.insert(Answer).values(
        attempt_id=bindparam("a_attempt"),
        position=bindparam("a_n"),
        response=None,
        flagged=bindparam("a_flagged"),
        seq=0,
        flag_seq=bindparam("a_seq"),
        saved_at=bindparam("a_at"),
    )
    flag = flag.on_conflict_do_update(
        index_elements=[Answer.attempt_id, Answer.position],
        set_={"flagged": flag.excluded.flagged, "flag_seq": flag.excluded.flag_seq},
        where=Answer.flag_seq < flag.excluded.flag_seq,
    ).returning(Answer.position)
    return answer, flag


_UPSERTS = {"postgresql": _upserts(postgresql), "sqlite": _upserts(sqlite)}
_SEEN = (
    update(Attempt)
    .where(Attempt.id == bindparam("a_id"))
    .values(last_seen_at=bindparam("a_seen"), last_seq=bindparam("a_last_seq"))
)
# What a save needs of its attempt, read without building the ORM object (a save is the load).
_SAVE_TARGET = select(
    Attempt.registration_id,
    Attempt.generation,
    Attempt.paper_id,
    Attempt.state,
    Attempt.paused_at,
    Attempt.deadline,
    Attempt.last_seq,
).where(Attempt.id == bindparam("a_id"))


def save(
    db: Session, *, attempt_id: int, registration_id: int, generation: int, entries: list[Entry], actor: Actor
) -> Saved:
    """Apply the candidate's changes to their own attempt. An entry is applied only when its
    sequence number is newer than the last one applied to that item, so a retry changes nothing
    and a late, older change never overwrites a newer one. A response that cannot fit its item
    refuses the whole request."""
    now = clock.now()
    target = db.execute(_SAVE_TARGET, {"a_id": attempt_id}).first()
    check_owner(None if target is None else (target.registration_id, target.generation), registration_id, generation)
    assert target is not None
    if (
        target.state != "in_progress"
        or target.paused_at is not None
        or (target.deadline is not None and now >= target.deadline)
    ):
        attempt = own_attempt(db, attempt_id=attempt_id, registration_id=registration_id, generation=generation)
        _refuse_save(db, attempt=attempt, entries=entries, actor=actor, now=now)
    if len(entries) > MAX_ENTRIES:
        raise Invalid("too_many", "一次提交的答案过多", f"at most {MAX_ENTRIES} changes at once")
    shape = papers.paper_shape(db, target.paper_id)
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
    conn = db.connection()
    write_answer, write_flag = _UPSERTS[conn.dialect.name]
    applied: list[int] = []
    ignored: list[int] = []
    changes: list[dict[str, Any]] = []
    for entry, response in canonical:
        done = False
        values = {"a_attempt": attempt_id, "a_n": entry.n, "a_seq": entry.seq, "a_at": now}
        if entry.has_response:
            done = conn.execute(write_answer, {**values, "a_response": response}).first() is not None
        if entry.flagged is not None:
            done = conn.execute(write_flag, {**values, "a_flagged": entry.flagged}).first() is not None or done
        (applied if done else ignored).append(entry.seq)
        if done:
            change: dict[str, Any] = {"n": entry.n, "seq": entry.seq}
            if entry.has_response:
                change["response"] = response
            if entry.flagged is not None:
                change["flagged"] = entry.flagged
            changes.append(change)
    last_seq = max([target.last_seq, *(e.seq for e, _ in canonical)])
    conn.execute(_SEEN, {"a_id": attempt_id, "a_seen": now, "a_last_seq": last_seq})
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
    left = None if target.deadline is None else max(0.0, (target.deadline - now).total_seconds())
    return Saved(applied, ignored, target.deadline, left)


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
