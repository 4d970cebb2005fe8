"""A candidate's attempt on the server's clock: where it stands, its start, integrity signals and
presence. Every step is an event on the attempt's trace chain; the end of an attempt is in
delivery.submitting."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from examhall import clock
from examhall.delivery.models import Answer, Attempt, Notice
from examhall.errors import Conflict, Invalid
from examhall.sittings.models import Exam, Registration, Sitting
from examhall.trace.service import Actor, record

SIGNALS = {
    "hidden": "离开考试页面",
    "blur": "窗口失去焦点",
    "fullscreen_exit": "退出全屏",
    "copy": "尝试复制",
    "paste": "尝试粘贴",
    "contextmenu": "尝试打开右键菜单",
    "inactive": "长时间无操作",
}


# --- time -----------------------------------------------------------------------------------------


def set_deadline(attempt: Attempt) -> None:
    """The deadline from its parts; the time of a pause still running is added when it ends."""
    assert attempt.started_at is not None
    attempt.deadline = attempt.started_at + timedelta(
        seconds=attempt.duration_seconds + attempt.added_seconds + attempt.paused_seconds
    )


def remaining(attempt: Attempt, now: datetime) -> float | None:
    if attempt.deadline is None:
        return None
    until = attempt.paused_at or now
    return max(0.0, (attempt.deadline - until).total_seconds())


@dataclass
class Status:
    attempt: Attempt
    now: datetime
    can_start: bool
    reason: str
    starts_at: datetime
    notices: list[Notice] = field(default_factory=list)


def status(db: Session, attempt: Attempt) -> Status:
    """Where the attempt stands. Only reads: time that is up shows as none left, and the attempt
    is submitted by the sweep (or by the page's own submit)."""
    now = clock.now()
    sitting = db.get(Sitting, attempt.sitting_id)
    assert sitting is not None
    reason = ""
    if attempt.state == "waiting":
        reason = "等待监考员核验身份并授权开考"
    elif attempt.state == "authorized" and now < sitting.starts_at:
        reason = "未到开考时间"
    notices = list(db.scalars(select(Notice).where(Notice.attempt_id == attempt.id).order_by(Notice.id)))
    return Status(attempt, now, attempt.state == "authorized" and not reason, reason, sitting.starts_at, notices)


def start(db: Session, *, attempt: Attempt, actor: Actor) -> Attempt:
    """Start the clock: only once authorized, and not before the sitting's start time."""
    now = clock.now()
    if attempt.state == "in_progress":
        return attempt
    sitting = db.get(Sitting, attempt.sitting_id)
    assert sitting is not None
    if sitting.state != "open":
        raise Conflict("sitting_closed", "本场考试已结束", "the sitting is not under way")
    if attempt.state != "authorized":
        raise Conflict("not_authorized", "监考员尚未授权您开考", "a proctor has not authorized the start yet")
    if now < sitting.starts_at:
        raise Conflict("too_early", "未到开考时间，请稍候", "the sitting has not started yet")
    exam = db.get(Exam, sitting.exam_id)
    registration = db.get(Registration, attempt.registration_id)
    assert exam is not None and registration is not None
    attempt.state, attempt.started_at, attempt.last_seen_at = "in_progress", now, now
    attempt.duration_seconds = (exam.duration_minutes + registration.extra_minutes) * 60
    set_deadline(attempt)
    record(
        db,
        chain=attempt.chain,
        action="attempt.started",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={
            "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
            "duration_seconds": attempt.duration_seconds,
        },
    )
    return attempt


def signal(db: Session, *, attempt: Attempt, kind: str, detail: str, actor: Actor) -> None:
    """An integrity signal from the page (leaving the window, copying ...), traced and counted."""
    if kind not in SIGNALS:
        raise Invalid("bad_signal", "未知的信号", "unknown signal")
    sitting_state = db.scalar(select(Sitting.state).where(Sitting.id == attempt.sitting_id))
    if attempt.state in ("submitted", "ended") or sitting_state != "open":
        raise Conflict("not_in_progress", "考试已结束", "the attempt has ended")
    now = clock.now()
    attempt.signals += 1
    attempt.last_signal, attempt.last_signal_at, attempt.last_seen_at = kind, now, now
    record(
        db,
        chain=attempt.chain,
        action=f"integrity.{kind}",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={"detail": detail[:200]},
    )


def answers(db: Session, attempt: Attempt) -> dict[int, Answer]:
    return {a.position: a for a in db.scalars(select(Answer).where(Answer.attempt_id == attempt.id))}


# --- presence ---------------------------------------------------------------------------------------


PRESENCE_EVERY = timedelta(seconds=20)


def seen_lately(attempt: Attempt) -> bool:
    return attempt.last_seen_at is not None and clock.now() - attempt.last_seen_at < PRESENCE_EVERY


def touch(db: Session, attempt_id: int) -> None:
    """The page is still there (a status poll); written at most every PRESENCE_EVERY."""
    waiting_or_answering = Attempt.state.in_(("waiting", "authorized", "in_progress"))
    db.execute(update(Attempt).where(Attempt.id == attempt_id, waiting_or_answering).values(last_seen_at=clock.now()))
