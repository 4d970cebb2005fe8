"""What proctors do to the attempts of their room: authorize starts, issue one-time codes, approve
a move to another PC, pause, resume, add time, and end an attempt for misconduct (called by
proctoring, which decides who may)."""

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.delivery.admission import attempt_for, code_hash
from examhall.delivery.models import Attempt, Notice
from examhall.delivery.service import set_deadline
from examhall.delivery.submitting import expire, grade
from examhall.errors import Conflict, Invalid, not_found
from examhall.sittings.models import Assignment, Candidate, Registration, Sitting
from examhall.trace.service import Actor, record

# --- proctors -------------------------------------------------------------------------------------


def staffed_sitting(db: Session, *, sitting_id: int, user_id: int, role: str) -> Sitting:
    """The sitting, when this staff member serves it (an admin or an inspector may see any);
    anyone else's sitting is not found."""
    sitting = db.get(Sitting, sitting_id)
    if sitting is None or (
        role not in ("admin", "inspector")
        and db.scalar(select(Assignment.id).where(Assignment.sitting_id == sitting_id, Assignment.user_id == user_id))
        is None
    ):
        raise not_found("场次", "sitting")
    return sitting


def room_attempts(db: Session, sitting_id: int) -> list[tuple[Registration, Candidate, Attempt | None]]:
    rows = db.execute(
        select(Registration, Candidate, Attempt)
        .join(Candidate, Registration.candidate_id == Candidate.id)
        .outerjoin(Attempt, Attempt.registration_id == Registration.id)
        .where(Registration.sitting_id == sitting_id, Registration.seat.is_not(None))
        .order_by(Registration.seat)
    ).all()
    return [(r, c, a) for r, c, a in rows]


def under_way(sitting: Sitting) -> Sitting:
    """Proctors act only in a sitting that is under way: once sealed, nothing of it changes."""
    if sitting.state != "open":
        raise Conflict("not_open", "场次未在进行中（未开考或已封存），不能操作", "the sitting is not under way")
    return sitting


def authorize(db: Session, *, sitting: Sitting, attempt_ids: list[int] | None, actor: Actor) -> list[int]:
    """Let candidates start: the ones named, or everyone logged in and waiting."""
    under_way(sitting)
    query = select(Attempt).where(Attempt.sitting_id == sitting.id)
    query = query.where(Attempt.state == "waiting") if attempt_ids is None else query.where(Attempt.id.in_(attempt_ids))
    done = []
    for attempt in db.scalars(query.order_by(Attempt.id)):
        if attempt.state != "waiting" or attempt.logged_in_at is None:  # a code issued is no arrival
            continue
        attempt.state, attempt.authorized_at = "authorized", clock.now()
        record(db, chain=attempt.chain, action="attempt.authorized", subject=f"attempt:{attempt.id}", actor=actor)
        done.append(attempt.id)
    if attempt_ids is not None and len(done) != len(set(attempt_ids)):
        raise Conflict(
            "not_waiting", "只能授权已登录并等待开考的考生", "only candidates waiting to start can be authorized"
        )
    record(
        db,
        chain=sitting.chain,
        action="start.authorized",
        subject=f"sitting:{sitting.id}",
        actor=actor,
        payload={"attempts": done},
    )
    return done


def issue_code(db: Session, *, sitting: Sitting, registration_id: int, actor: Actor) -> str:
    """A one-time login code for a candidate, to hand over on paper; spent at the next login."""
    under_way(sitting)
    registration = db.get(Registration, registration_id)
    if registration is None or registration.sitting_id != sitting.id:
        raise not_found("考生", "candidate")
    attempt = attempt_for(db, registration)
    code = f"{secrets.randbelow(1_000_000):06d}"
    attempt.code_hash = code_hash(code)
    record(db, chain=attempt.chain, action="code.issued", subject=f"attempt:{attempt.id}", actor=actor)
    return code


def approve_move(db: Session, *, sitting: Sitting, attempt_id: int, actor: Actor) -> Attempt:
    """Let a candidate go on at another PC: their next login takes over, the old page stops."""
    under_way(sitting)
    attempt = db.get(Attempt, attempt_id)
    if attempt is None or attempt.sitting_id != sitting.id:
        raise not_found("考试记录", "attempt")
    expire(db, attempt, clock.now())
    if attempt.state != "in_progress":
        raise Conflict("not_in_progress", "只有进行中的考试可以更换电脑", "only an attempt under way can move")
    attempt.move_approved = True
    record(db, chain=attempt.chain, action="move.approved", subject=f"attempt:{attempt.id}", actor=actor)
    return attempt


# --- what proctors do to an attempt (called by proctoring) ---------------------------------------------


def notify(db: Session, attempt: Attempt, kind: str, text: str) -> Notice:
    """A notice the candidate's page shows at once (it polls its status)."""
    notice = Notice(attempt_id=attempt.id, at=clock.now(), kind=kind, text=text[:500])
    db.add(notice)
    return notice


def pause(db: Session, *, attempt: Attempt, actor: Actor, reason: str) -> None:
    """Stop the attempt's clock until it is resumed."""
    expire(db, attempt, clock.now())
    if attempt.state != "in_progress" or attempt.paused_at is not None:
        raise Conflict("cannot_pause", "只能暂停正在答题且未暂停的考生", "only a running attempt can be paused")
    attempt.paused_at = clock.now()
    notify(db, attempt, "pause", f"考试已由监考员暂停：{reason}" if reason else "考试已由监考员暂停，请等待")
    record(
        db,
        chain=attempt.chain,
        action="attempt.paused",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={"reason": reason},
    )


def resume(db: Session, *, attempt: Attempt, actor: Actor) -> None:
    """Start the clock again; the time paused is added to the deadline."""
    if attempt.state != "in_progress" or attempt.paused_at is None:
        raise Conflict("not_paused", "该考生未处于暂停状态", "the attempt is not paused")
    paused = int((clock.now() - attempt.paused_at).total_seconds())
    attempt.paused_seconds += paused
    attempt.paused_at = None
    set_deadline(attempt)
    notify(db, attempt, "resume", "考试已恢复，计时继续")
    record(
        db,
        chain=attempt.chain,
        action="attempt.resumed",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={"paused_seconds": paused, "deadline": attempt.deadline.isoformat() if attempt.deadline else None},
    )


def add_time(db: Session, *, attempt: Attempt, minutes: int, reason: str, actor: Actor) -> None:
    expire(db, attempt, clock.now())  # time that is up cannot be extended afterwards
    if attempt.state != "in_progress":
        raise Conflict("not_in_progress", "只能为正在答题的考生延长时间", "only a running attempt gets more time")
    if not 1 <= minutes <= 120 or not reason.strip():
        raise Invalid("bad_extension", "延长时间应为1-120分钟，并写明原因", "add 1-120 minutes with a reason")
    attempt.added_seconds += minutes * 60
    set_deadline(attempt)
    notify(db, attempt, "time_added", f"监考员为您延长了{minutes}分钟：{reason}")
    record(
        db,
        chain=attempt.chain,
        action="attempt.time_added",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={
            "minutes": minutes,
            "reason": reason,
            "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
        },
    )


def end_for_misconduct(db: Session, *, attempt: Attempt, decision: str, actor: Actor) -> None:
    """End the attempt and void its score (取消本场成绩), after the two-person decision."""
    if attempt.state in ("ended",):
        raise Conflict("already_ended", "该考试已终止", "the attempt has already ended")
    now = clock.now()
    if attempt.paused_at is not None:
        attempt.paused_seconds += int((now - attempt.paused_at).total_seconds())
        attempt.paused_at = None
    if attempt.state == "in_progress":
        grade(db, attempt)  # kept with the record of what was answered, though void
    attempt.state, attempt.voided, attempt.submitted_at, attempt.submitted_by = "ended", True, now, "misconduct"
    notify(db, attempt, "ended", "经主考官确认，您的本场考试因违纪已终止，成绩无效")
    record(
        db,
        chain=attempt.chain,
        action="attempt.ended",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={"decision": decision},
    )
