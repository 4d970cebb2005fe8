"""Candidates sit their exam: login with ticket and ID number, authorization by a proctor, the
server's clock, every answer saved as it is given (idempotent, in order), submit, the time-up
sweep, and grading. Every step is an event on the attempt's trace chain."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from examhall import clock
from examhall.accounts.models import LoginFailure
from examhall.accounts.service import LOGINS_CHAIN, Throttle
from examhall.delivery.models import Answer, Attempt, Notice
from examhall.errors import Conflict, Forbidden, Invalid, Problem, TooMany, Unauthorized, not_found
from examhall.papers import service as papers
from examhall.papers.scoring import normalize_response
from examhall.sittings.identity import IdNumber, parse_id_number
from examhall.sittings.models import Assignment, Candidate, Exam, Registration, Sitting
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
MAX_ENTRIES = 200


@dataclass(frozen=True)
class Login:
    registration: Registration
    attempt: Attempt
    candidate: Candidate


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def attempt_for(db: Session, registration: Registration) -> Attempt:
    """The registration's attempt, made when first needed (at login, or when a code is issued)."""
    attempt = db.scalar(select(Attempt).where(Attempt.registration_id == registration.id))
    if attempt is None:
        if registration.paper_id is None:
            raise Conflict(
                "not_open", "本场考试的试卷尚未生成，请稍候或联系监考员", "the sitting's papers are not drawn yet"
            )
        attempt = Attempt(
            registration_id=registration.id,
            sitting_id=registration.sitting_id,
            paper_id=registration.paper_id,
            state="waiting",
            generation=0,
        )
        db.add(attempt)
        db.flush()
    return attempt


def log_in(db: Session, *, ticket: str, id_number: str, code: str, client: str, throttle: Throttle) -> Login:
    """A candidate logs in with ticket number and ID number (and the one-time code where the
    sitting asks for one). Every wrong combination gets the same refusal, traced and throttled.
    During the exam a second login (another PC) needs a proctor's approval first."""
    now = clock.now()
    ticket = ticket.strip()
    since = now - timedelta(minutes=throttle.window_minutes)
    for column, value, limit in (
        (LoginFailure.username, ticket, throttle.max_per_account),
        (LoginFailure.client, client, throttle.max_per_address),
    ):
        failures = (
            db.scalar(select(func.count()).select_from(LoginFailure).where(column == value, LoginFailure.at >= since))
            or 0
        )
        if failures >= limit:
            raise TooMany(
                "login_throttled",
                f"登录失败次数过多，请{throttle.window_minutes}分钟后再试或联系监考员",
                "too many failed logins",
                commit=True,
            )
    registration = db.scalar(select(Registration).where(Registration.ticket == ticket))
    candidate = db.get(Candidate, registration.candidate_id) if registration else None
    parsed = parse_id_number(id_number, today=now.date())
    given = parsed.value if isinstance(parsed, IdNumber) else id_number.strip().upper()
    attempt = db.scalar(select(Attempt).where(Attempt.registration_id == registration.id)) if registration else None
    exam = db.get(Exam, db.get(Sitting, registration.sitting_id).exam_id) if registration else None  # type: ignore[union-attr]
    reason = None
    if registration is None or candidate is None or not hmac.compare_digest(candidate.id_number, given):
        reason = "wrong_ticket_or_id"
    elif (
        exam is not None
        and exam.requires_code
        and (attempt is None or not attempt.code_hash or not hmac.compare_digest(attempt.code_hash, _code_hash(code)))
    ):
        reason = "wrong_code"
    if reason is not None:
        db.add(LoginFailure(at=now, username=ticket[:64], client=client[:64]))
        # A failed login is traced on the attempt of the ticket tried, or with the logins of no account.
        if registration is not None and registration.paper_id is not None:
            chain = attempt_for(db, registration).chain
        else:
            chain = LOGINS_CHAIN
        record(
            db,
            chain=chain,
            action="candidate.login_failed",
            subject=ticket[:200],
            actor=Actor(ticket[:100], "candidate", client),
            payload={"reason": reason},
        )
        raise Unauthorized(
            "login_failed",
            "准考证号、身份证号或验证码不正确，请核对后重试",
            "wrong ticket number, ID number or code",
            commit=True,
        )
    assert registration is not None and candidate is not None
    attempt = attempt_for(db, registration)
    if attempt.state == "in_progress" and not attempt.move_approved:
        raise Forbidden(
            "move_not_approved",
            "考试正在进行中。如需更换电脑，请先请监考员批准",
            "the exam is under way; a proctor must approve moving to another PC",
        )
    moved = attempt.state == "in_progress"
    attempt.generation += 1
    attempt.move_approved = False
    attempt.code_hash = ""  # a one-time code is spent
    attempt.logged_in_at = attempt.last_seen_at = now
    db.execute(delete(LoginFailure).where(LoginFailure.username == ticket))
    record(
        db,
        chain=attempt.chain,
        action="attempt.moved" if moved else "candidate.logged_in",
        subject=ticket,
        actor=Actor(ticket, "candidate", client),
        payload={"generation": attempt.generation},
    )
    return Login(registration, attempt, candidate)


def own_attempt(db: Session, *, attempt_id: int, registration_id: int, generation: int) -> Attempt:
    """The logged-in candidate's attempt. Anyone else's id is not found; a session from before
    a later login (the candidate moved to another PC) has ended."""
    attempt = db.get(Attempt, attempt_id)
    _check_owner(
        None if attempt is None else (attempt.registration_id, attempt.generation), registration_id, generation
    )
    assert attempt is not None
    return attempt


def _check_owner(found: tuple[int, int] | None, registration_id: int, generation: int) -> None:
    """`found`: the attempt's registration and login generation, or None when there is none."""
    if found is None or found[0] != registration_id:
        raise not_found("考试记录", "attempt")
    if found[1] != generation:
        raise Unauthorized("session_moved", "您已在另一台设备登录，本页面已失效", "the candidate logged in elsewhere")


@dataclass(frozen=True)
class Who:
    """What the confirmation page and the exam page show of the candidate and their sitting."""

    name: str
    id_number: str
    exam: str
    seat: int | None
    starts_at: datetime
    has_photo: bool
    requires_code: bool


def who(db: Session, attempt: Attempt) -> Who:
    found = db.execute(
        select(
            Candidate.name,
            Candidate.id_number,
            Exam.name,
            Registration.seat,
            Sitting.starts_at,
            Candidate.photo.is_not(None),  # whether there is one, without reading it
            Exam.requires_code,
        )
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .join(Sitting, Sitting.id == Registration.sitting_id)
        .join(Exam, Exam.id == Sitting.exam_id)
        .where(Registration.id == attempt.registration_id)
    ).one()
    name, id_number, exam, seat, starts_at, has_photo, requires_code = found
    return Who(name, id_number[:6] + "********" + id_number[-4:], exam, seat, starts_at, has_photo, requires_code)


def needs_code(db: Session, ticket: str) -> bool:
    """Whether the sitting of this ticket asks for a one-time code at login."""
    return bool(
        db.scalar(
            select(Exam.requires_code)
            .join(Sitting, Sitting.exam_id == Exam.id)
            .join(Registration, Registration.sitting_id == Sitting.id)
            .where(Registration.ticket == ticket.strip())
        )
    )


def photo(db: Session, attempt: Attempt) -> bytes | None:
    registration = db.get(Registration, attempt.registration_id)
    candidate = db.get(Candidate, registration.candidate_id) if registration else None
    return candidate.photo if candidate else None


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


# --- answers --------------------------------------------------------------------------------------


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
    _check_owner(None if target is None else (target.registration_id, target.generation), registration_id, generation)
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
    _expire(db, attempt, now)
    if attempt.paused_at is not None and attempt.state == "in_progress":
        raise Conflict("paused", "考试已暂停，请等待监考员恢复", "the attempt is paused")
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


def answers(db: Session, attempt: Attempt) -> dict[int, Answer]:
    return {a.position: a for a in db.scalars(select(Answer).where(Answer.attempt_id == attempt.id))}


def signal(db: Session, *, attempt: Attempt, kind: str, detail: str, actor: Actor) -> None:
    """An integrity signal from the page (leaving the window, copying ...), traced and counted."""
    if kind not in SIGNALS:
        raise Invalid("bad_signal", "未知的信号", "unknown signal")
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


# --- submitting and grading -------------------------------------------------------------------------


def submit(db: Session, *, attempt: Attempt, by: str, actor: Actor) -> list[int]:
    """End the attempt and grade it; returns the positions left unanswered. A second submit
    changes nothing."""
    if by == "candidate":
        _expire(db, attempt, clock.now())  # a page submitting at time-up: the clock says it ended
    if attempt.state == "submitted":
        return unanswered(db, attempt)
    if attempt.state != "in_progress":
        raise Conflict("not_in_progress", "考试未在进行中", "the attempt is not in progress")
    now = clock.now()
    if attempt.paused_at is not None:
        attempt.paused_seconds += int((now - attempt.paused_at).total_seconds())
        attempt.paused_at = None
    attempt.state, attempt.submitted_at, attempt.submitted_by = "submitted", now, by
    score, marks = grade(db, attempt)
    left = unanswered(db, attempt)
    record(
        db,
        chain=attempt.chain,
        action="attempt.submitted",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={"by": by, "unanswered": left, "score": str(score), "marks": [m.as_dict() for m in marks]},
    )
    return left


def grade(db: Session, attempt: Attempt) -> tuple[Any, list[Any]]:
    view = papers.paper_view(db, attempt.paper_id)
    responses = {position: a.response for position, a in answers(db, attempt).items()}
    score, marks = papers.mark_paper(view, responses)
    attempt.score, attempt.score_detail = score, [m.as_dict() for m in marks]
    return score, marks


def unanswered(db: Session, attempt: Attempt) -> list[int]:
    view = papers.paper_view(db, attempt.paper_id)
    given = {p for p, a in answers(db, attempt).items() if a.response not in (None, "", [])}
    return [n for n in range(1, len(view.items) + 1) if n not in given]


TIME_UP = Actor("system", "system", "")


def _expire(db: Session, attempt: Attempt, now: datetime) -> None:
    if (
        attempt.state == "in_progress"
        and attempt.paused_at is None
        and attempt.deadline is not None
        and now >= attempt.deadline
    ):
        submit(db, attempt=attempt, by="time_up", actor=TIME_UP)


def sweep(db: Session) -> list[int]:
    """Submit every attempt whose time is up, whether or not a browser is open. Several app
    processes may sweep at once: each attempt is taken by one of them (rows locked, skipped by
    the others); SQLite has one writer anyway."""
    now = clock.now()
    expired = list(
        db.scalars(
            select(Attempt)
            .where(Attempt.state == "in_progress", Attempt.paused_at.is_(None), Attempt.deadline <= now)
            .with_for_update(skip_locked=True)
            .limit(500)
        )
    )
    for attempt in expired:
        submit(db, attempt=attempt, by="time_up", actor=TIME_UP)
    return [a.id for a in expired]


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
    attempt.code_hash = _code_hash(code)
    record(db, chain=attempt.chain, action="code.issued", subject=f"attempt:{attempt.id}", actor=actor)
    return code


def approve_move(db: Session, *, sitting: Sitting, attempt_id: int, actor: Actor) -> Attempt:
    """Let a candidate go on at another PC: their next login takes over, the old page stops."""
    under_way(sitting)
    attempt = db.get(Attempt, attempt_id)
    if attempt is None or attempt.sitting_id != sitting.id:
        raise not_found("考试记录", "attempt")
    _expire(db, attempt, clock.now())
    if attempt.state != "in_progress":
        raise Conflict("not_in_progress", "只有进行中的考试可以更换电脑", "only an attempt under way can move")
    attempt.move_approved = True
    record(db, chain=attempt.chain, action="move.approved", subject=f"attempt:{attempt.id}", actor=actor)
    return attempt


PRESENCE_EVERY = timedelta(seconds=20)


def seen_lately(attempt: Attempt) -> bool:
    return attempt.last_seen_at is not None and clock.now() - attempt.last_seen_at < PRESENCE_EVERY


def touch(db: Session, attempt_id: int) -> None:
    """The page is still there (a status poll); written at most every PRESENCE_EVERY."""
    db.execute(update(Attempt).where(Attempt.id == attempt_id).values(last_seen_at=clock.now()))


# --- what proctors do to an attempt (called by proctoring) ---------------------------------------------


def notify(db: Session, attempt: Attempt, kind: str, text: str) -> Notice:
    """A notice the candidate's page shows at once (it polls its status)."""
    notice = Notice(attempt_id=attempt.id, at=clock.now(), kind=kind, text=text[:500])
    db.add(notice)
    return notice


def pause(db: Session, *, attempt: Attempt, actor: Actor, reason: str) -> None:
    """Stop the attempt's clock until it is resumed."""
    _expire(db, attempt, clock.now())
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
    _expire(db, attempt, clock.now())  # time that is up cannot be extended afterwards
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
