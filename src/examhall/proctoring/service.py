"""Live proctoring: the room's state in a fixed number of queries, the proctors' actions on
attempts (through delivery), misconduct decided by two people, and inspectors' patrols. Every
action is traced on the sitting's chain (and the attempt's, by delivery)."""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.delivery import service as delivery
from examhall.delivery import supervision
from examhall.delivery.models import Answer, Attempt
from examhall.errors import Conflict, Forbidden, Invalid, not_found
from examhall.papers.models import PaperDraw
from examhall.proctoring.models import Incident, Inspection, MisconductCase
from examhall.sittings.models import Assignment, Candidate, Exam, Registration, Room, Site, Sitting
from examhall.trace.models import TraceEvent
from examhall.trace.service import Actor, record

# A page polls its status every few seconds in every state below, and its presence is written
# at most every delivery.PRESENCE_EVERY: a minute without one means the browser is gone.
DISCONNECTED_AFTER = timedelta(seconds=60)
POLLED = ("waiting", "authorized", "in_progress", "paused")
SIGNAL_NAMES = delivery.SIGNALS
SITTING_STATES = {"scheduled": "未开考", "open": "进行中", "ended": "已结束", "sealed": "已封存"}
CATEGORIES = {"candidate": "考生", "environment": "环境", "staff": "工作人员", "technical": "技术"}
STATE_NAMES = {
    "absent": "未到",
    "waiting": "已登录，待授权",
    "authorized": "已授权，待开始",
    "in_progress": "答题中",
    "paused": "已暂停",
    "disconnected": "已掉线",
    "submitted": "已交卷",
    "ended": "已终止",
}


@dataclass(frozen=True)
class SeatState:
    registration: int
    seat: int
    ticket: str
    name: str
    attempt: int | None
    state: str  # as shown: the phase, or "disconnected" when a polling page has gone quiet
    phase: str  # absent, waiting, authorized, in_progress, paused, submitted, ended
    answered: int
    total: int
    remaining_seconds: float | None
    last_seen: str | None
    signals: int
    last_signal: str
    open_case: int | None
    open_case_facts: str
    open_case_by: str


@dataclass(frozen=True)
class RoomState:
    sitting: int
    sitting_state: str  # scheduled, open, ended, sealed
    exam: str
    room: str
    room_seats: int  # the room's seats, laid out in rows of `columns`
    columns: int
    starts_at: str
    server_time: str
    disconnected_after: int  # seconds without a poll before a seat shows as disconnected
    seats: list[SeatState]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def watched_sitting(db: Session, *, sitting_id: int, user_id: int, role: str) -> Sitting:
    """The sitting for someone who may watch it: its assigned staff, any inspector or admin."""
    return supervision.staffed_sitting(db, sitting_id=sitting_id, user_id=user_id, role=role)


def room_state(db: Session, sitting: Sitting) -> RoomState:
    """Every seat's state. Five queries, however many candidates the room holds."""
    now = clock.now()
    exam, room = db.get(Exam, sitting.exam_id), db.get(Room, sitting.room_id)
    assert exam is not None and room is not None
    draw = db.get(PaperDraw, sitting.draw_id) if sitting.draw_id else None
    total = sum(s["count"] for s in draw.blueprint["sections"]) if draw else 0
    rows = supervision.room_attempts(db, sitting.id)
    answered = dict(
        db.execute(
            select(Answer.attempt_id, func.count())
            .join(Attempt, Answer.attempt_id == Attempt.id)
            .where(Attempt.sitting_id == sitting.id, Answer.response.is_not(None))
            .group_by(Answer.attempt_id)
        ).all()
    )
    cases = {
        case.attempt_id: case
        for case in db.scalars(
            select(MisconductCase).where(MisconductCase.sitting_id == sitting.id, MisconductCase.state == "proposed")
        )
    }
    seats = []
    for registration, candidate, attempt in rows:
        case = cases.get(attempt.id) if attempt else None
        phase = attempt.state if attempt and attempt.logged_in_at is not None else "absent"
        if attempt and phase == "in_progress" and attempt.paused_at is not None:
            phase = "paused"
        state = phase
        if (
            attempt
            and phase in POLLED
            and (attempt.last_seen_at is None or now - attempt.last_seen_at > DISCONNECTED_AFTER)
        ):
            state = "disconnected"
        seats.append(
            SeatState(
                registration=registration.id,
                seat=registration.seat or 0,
                ticket=registration.ticket or "",
                name=candidate.name,
                attempt=attempt.id if attempt else None,
                state=state,
                phase=phase,
                answered=answered.get(attempt.id, 0) if attempt else 0,
                total=total,
                remaining_seconds=delivery.remaining(attempt, now) if attempt else None,
                last_seen=attempt.last_seen_at.isoformat() if attempt and attempt.last_seen_at else None,
                signals=attempt.signals if attempt else 0,
                last_signal=attempt.last_signal if attempt else "",
                open_case=case.id if case else None,
                open_case_facts=case.facts if case else "",
                open_case_by=case.proposed_by if case else "",
            )
        )
    return RoomState(
        sitting=sitting.id,
        sitting_state=sitting.state,
        exam=exam.name,
        room=room.name,
        room_seats=room.seats,
        columns=room.columns,
        starts_at=sitting.starts_at.isoformat(),
        server_time=now.isoformat(),
        disconnected_after=int(DISCONNECTED_AFTER.total_seconds()),
        seats=seats,
    )


def running(db: Session, *, today: datetime) -> list[tuple[Sitting, Exam, Room, Site]]:
    """Every sitting open today, across sites: what inspectors patrol."""
    start = today - timedelta(hours=12)
    end = today + timedelta(hours=12)
    return [
        (s, e, r, site)
        for s, e, r, site in db.execute(
            select(Sitting, Exam, Room, Site)
            .join(Exam, Sitting.exam_id == Exam.id)
            .join(Room, Sitting.room_id == Room.id)
            .join(Site, Sitting.site_id == Site.id)
            .where(Sitting.state == "open", Sitting.starts_at >= start, Sitting.starts_at <= end)
            .order_by(Sitting.starts_at)
        ).all()
    ]


def _attempt(db: Session, sitting: Sitting, attempt_id: int) -> Attempt:
    attempt = db.get(Attempt, attempt_id)
    if attempt is None or attempt.sitting_id != sitting.id:
        raise not_found("考生", "attempt")
    return attempt


def _incident(
    db: Session,
    sitting: Sitting,
    actor: Actor,
    kind: str,
    *,
    attempt: Attempt | None = None,
    category: str = "",
    note: str = "",
) -> Incident:
    incident = Incident(
        sitting_id=sitting.id,
        attempt_id=attempt.id if attempt else None,
        kind=kind,
        category=category,
        note=note,
        by=actor.name,
        at=clock.now(),
    )
    db.add(incident)
    db.flush()
    record(
        db,
        chain=sitting.chain,
        action=f"incident.{kind}",
        subject=f"attempt:{attempt.id}" if attempt else f"sitting:{sitting.id}",
        actor=actor,
        payload={"category": category, "note": note},
    )
    return incident


def _targets(db: Session, sitting: Sitting, attempt_id: int | None) -> list[Attempt]:
    if attempt_id is not None:
        return [_attempt(db, sitting, attempt_id)]
    return list(db.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id, Attempt.state == "in_progress")))


def pause(db: Session, *, sitting: Sitting, attempt_id: int | None, reason: str, actor: Actor) -> int:
    """Pause one candidate, or everyone answering in the room (their clocks stop)."""
    supervision.under_way(sitting)
    done = [a for a in _targets(db, sitting, attempt_id) if a.paused_at is None or attempt_id is not None]
    for attempt in done:
        supervision.pause(db, attempt=attempt, actor=actor, reason=reason)
        _incident(db, sitting, actor, "pause", attempt=attempt, note=reason)
    return len(done)


def resume(db: Session, *, sitting: Sitting, attempt_id: int | None, actor: Actor) -> int:
    supervision.under_way(sitting)
    done = [a for a in _targets(db, sitting, attempt_id) if a.paused_at is not None or attempt_id is not None]
    for attempt in done:
        supervision.resume(db, attempt=attempt, actor=actor)
        _incident(db, sitting, actor, "resume", attempt=attempt)
    return len(done)


def add_time(db: Session, *, sitting: Sitting, attempt_id: int | None, minutes: int, reason: str, actor: Actor) -> int:
    supervision.under_way(sitting)
    done = _targets(db, sitting, attempt_id)
    for attempt in done:
        supervision.add_time(db, attempt=attempt, minutes=minutes, reason=reason, actor=actor)
        _incident(db, sitting, actor, "time_added", attempt=attempt, note=f"{minutes}分钟：{reason}")
    return len(done)


def warn(db: Session, *, sitting: Sitting, attempt_id: int, note: str, actor: Actor) -> Incident:
    """A warning (口头警告): recorded, and shown on the candidate's page at once."""
    supervision.under_way(sitting)
    attempt = _attempt(db, sitting, attempt_id)
    if not note.strip():
        raise Invalid("note_required", "请写明警告事由", "say what the warning is for")
    supervision.notify(db, attempt, "warning", f"监考员警告：{note.strip()}")
    return _incident(db, sitting, actor, "warning", attempt=attempt, note=note.strip())


def report(
    db: Session, *, sitting: Sitting, category: str, note: str, actor: Actor, attempt_id: int | None = None
) -> Incident:
    """An irregularity (candidate, environment, staff, technical) with a note."""
    supervision.under_way(sitting)
    if category not in CATEGORIES:
        raise Invalid(
            "bad_category", "类别应为考生、环境、工作人员或技术", "category: candidate, environment, staff, technical"
        )
    if not note.strip():
        raise Invalid("note_required", "请写明情况", "describe what happened")
    attempt = _attempt(db, sitting, attempt_id) if attempt_id is not None else None
    return _incident(db, sitting, actor, "irregularity", attempt=attempt, category=category, note=note.strip())


def approve_move(db: Session, *, sitting: Sitting, attempt_id: int, actor: Actor) -> None:
    supervision.under_way(sitting)
    attempt = supervision.approve_move(db, sitting=sitting, attempt_id=attempt_id, actor=actor)
    _incident(db, sitting, actor, "move", attempt=attempt)


def propose_misconduct(db: Session, *, sitting: Sitting, attempt_id: int, facts: str, actor: Actor) -> MisconductCase:
    """A proctor proposes ending an attempt for misconduct, with the facts. Nothing ends yet."""
    supervision.under_way(sitting)
    attempt = _attempt(db, sitting, attempt_id)
    if attempt.state not in ("in_progress", "submitted"):
        raise Conflict("not_running", "只能对已开考的考生提出违纪处理", "only a started attempt can be ended")
    if len(facts.strip()) < 4:
        raise Invalid("facts_required", "请写明违纪事实（至少4个字）", "state the facts (4 characters or more)")
    if db.scalar(
        select(MisconductCase.id).where(MisconductCase.attempt_id == attempt.id, MisconductCase.state == "proposed")
    ):
        raise Conflict("already_proposed", "该考生已有待确认的违纪处理", "a proposal is already waiting")
    case = MisconductCase(
        sitting_id=sitting.id,
        attempt_id=attempt.id,
        facts=facts.strip(),
        proposed_by=actor.name,
        proposed_at=clock.now(),
        state="proposed",
    )
    db.add(case)
    db.flush()
    record(
        db,
        chain=sitting.chain,
        action="misconduct.proposed",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={"case": case.id, "facts": case.facts},
    )
    record(
        db,
        chain=attempt.chain,
        action="misconduct.proposed",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={"case": case.id},
    )
    return case


def decide_misconduct(
    db: Session, *, sitting: Sitting, case_id: int, confirm: bool, note: str, actor: Actor, user_id: int
) -> MisconductCase:
    """The chief examiner of the sitting confirms (the attempt ends, its score void) or rejects a
    proposal; a second person, never the proposer."""
    supervision.under_way(sitting)
    case = db.get(MisconductCase, case_id)
    if case is None or case.sitting_id != sitting.id:
        raise not_found("违纪处理", "misconduct case")
    if case.state != "proposed":
        raise Conflict("decided", "该违纪处理已有决定", "the case is already decided")
    chief = db.scalar(
        select(Assignment.id).where(
            Assignment.sitting_id == sitting.id, Assignment.user_id == user_id, Assignment.role == "chief_examiner"
        )
    )
    if chief is None:
        raise Forbidden("not_chief", "只有本场主考官可以确认违纪处理", "only the sitting's chief examiner decides")
    if actor.name == case.proposed_by:
        raise Forbidden("same_person", "提出人与确认人不能是同一人", "the proposer cannot also confirm")
    case.state = "confirmed" if confirm else "rejected"
    case.decided_by, case.decided_at, case.decision_note = actor.name, clock.now(), note.strip()
    record(
        db,
        chain=sitting.chain,
        action=f"misconduct.{case.state}",
        subject=f"attempt:{case.attempt_id}",
        actor=actor,
        payload={"case": case.id, "note": case.decision_note},
    )
    if confirm:
        attempt = _attempt(db, sitting, case.attempt_id)
        supervision.end_for_misconduct(db, attempt=attempt, decision=f"case {case.id}: {case.facts}", actor=actor)
    return case


def inspect(db: Session, *, sitting_id: int, note: str, actor: Actor) -> Inspection:
    """An inspector's patrol record (巡考记录), attached to the sitting."""
    sitting = db.get(Sitting, sitting_id)
    if sitting is None:
        raise not_found("场次", "sitting")
    supervision.under_way(sitting)
    if not note.strip():
        raise Invalid("note_required", "请填写巡考情况", "write what was seen")
    inspection = Inspection(sitting_id=sitting.id, inspector=actor.name, at=clock.now(), note=note.strip())
    db.add(inspection)
    db.flush()
    record(
        db,
        chain=sitting.chain,
        action="inspection.recorded",
        subject=f"sitting:{sitting.id}",
        actor=actor,
        payload={"note": inspection.note},
    )
    return inspection


def incidents(db: Session, sitting_id: int) -> list[Incident]:
    return list(db.scalars(select(Incident).where(Incident.sitting_id == sitting_id).order_by(Incident.at)))


def cases(db: Session, sitting_id: int) -> list[MisconductCase]:
    return list(
        db.scalars(select(MisconductCase).where(MisconductCase.sitting_id == sitting_id).order_by(MisconductCase.id))
    )


def inspections(db: Session, sitting_id: int) -> list[Inspection]:
    return list(db.scalars(select(Inspection).where(Inspection.sitting_id == sitting_id).order_by(Inspection.at)))


def signals(db: Session, *, sitting: Sitting, attempt_id: int) -> list[tuple[str, datetime]]:
    """An attempt's integrity signals (leaving the window, copying ...) as its trace holds them:
    each kind and when, newest first."""
    attempt = _attempt(db, sitting, attempt_id)
    found = db.execute(
        select(TraceEvent.action, TraceEvent.at)
        .where(TraceEvent.chain == attempt.chain, TraceEvent.action.startswith("integrity."))
        .order_by(TraceEvent.position.desc())
    ).all()
    return [(action.removeprefix("integrity."), at) for action, at in found]


def candidates_of(db: Session, sitting_id: int) -> dict[int, tuple[Registration, Candidate]]:
    """Attempt id -> the candidate, for naming people in records."""
    return {a.id: (r, c) for r, c, a in supervision.room_attempts(db, sitting_id) if a is not None}
