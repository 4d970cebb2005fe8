"""A candidate logs in with ticket and ID number (and a one-time code), and every later request
finds their own attempt through the session: anyone else's id is not found."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import LoginFailure
from examhall.accounts.service import LOGINS_CHAIN, Throttle
from examhall.delivery.models import Attempt
from examhall.errors import Conflict, Forbidden, TooMany, Unauthorized, not_found
from examhall.sittings.identity import IdNumber, parse_id_number
from examhall.sittings.models import Candidate, Exam, Registration, Sitting
from examhall.trace.service import Actor, record


@dataclass(frozen=True)
class Login:
    registration: Registration
    attempt: Attempt
    candidate: Candidate


def code_hash(code: str) -> str:
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


def _throttled(db: Session, *, ticket: str, client: str, now: datetime, throttle: Throttle) -> None:
    """Too many failed logins: of this ticket from this address, from this address, or of this
    ticket from anywhere (a higher limit, so that a stranger elsewhere cannot shut a candidate
    out). A proctor's one-time code gets past all three."""
    since = now - timedelta(minutes=throttle.window_minutes)
    recent = select(func.count()).select_from(LoginFailure).where(LoginFailure.at >= since)
    for condition, limit in (
        ((LoginFailure.username == ticket) & (LoginFailure.client == client), throttle.max_per_account),
        (LoginFailure.client == client, throttle.max_per_address),
        (LoginFailure.username == ticket, throttle.max_per_account_total),
    ):
        if (db.scalar(recent.where(condition)) or 0) >= limit:
            raise TooMany(
                "login_throttled",
                f"登录失败次数过多，请{throttle.window_minutes}分钟后再试；"
                "或请监考员核验身份后发放一次性登录码，输入登录码即可登录",
                "too many failed logins; a proctor's one-time code lets the candidate in",
            )


def log_in(db: Session, *, ticket: str, id_number: str, code: str, client: str, throttle: Throttle) -> Login:
    """A candidate logs in with ticket number and ID number (and the one-time code where the
    sitting asks for one, or a proctor gave one). Every wrong combination gets the same refusal,
    traced and throttled. During the exam a second login (another PC) needs a proctor's approval
    first. A sealed sitting is over: its login is refused and writes nothing."""
    now = clock.now()
    ticket = ticket.strip()
    registration = db.scalar(select(Registration).where(Registration.ticket == ticket))
    candidate = db.get(Candidate, registration.candidate_id) if registration else None
    sitting = db.get(Sitting, registration.sitting_id) if registration else None
    exam = db.get(Exam, sitting.exam_id) if sitting else None
    attempt = db.scalar(select(Attempt).where(Attempt.registration_id == registration.id)) if registration else None
    with_code = bool(
        code.strip()
        and attempt is not None
        and attempt.code_hash
        and hmac.compare_digest(attempt.code_hash, code_hash(code))
    )
    if not with_code:
        _throttled(db, ticket=ticket, client=client, now=now, throttle=throttle)
    parsed = parse_id_number(id_number, today=now.date())
    given = parsed.value if isinstance(parsed, IdNumber) else id_number.strip().upper()
    reason = None
    if registration is None or candidate is None or not hmac.compare_digest(candidate.id_number, given):
        reason = "wrong_ticket_or_id"
    elif exam is not None and exam.requires_code and not with_code:
        reason = "wrong_code"
    closed = sitting is not None and sitting.state == "sealed"
    if reason is not None:
        db.add(LoginFailure(at=now, username=ticket[:64], client=client[:64]))
        # Traced on the attempt of the ticket tried, or with the logins of no account (so too when
        # the ticket's sitting is sealed: its chains take nothing more).
        if registration is not None and registration.paper_id is not None and not closed:
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
        # The same words for every wrong pair, whatever exists: the code is named only when one was typed.
        wrong = "准考证号、身份证号或登录码不正确" if code.strip() else "准考证号或身份证号不正确"
        raise Unauthorized(
            "login_failed", f"{wrong}，请核对后重试", "wrong ticket number, ID number or code", commit=True
        )
    assert registration is not None and candidate is not None
    if closed:
        raise Conflict("sitting_closed", "本场考试已结束", "the sitting is over: it is sealed")
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
        payload={"generation": attempt.generation, **({"with_code": True} if with_code else {})},
    )
    return Login(registration, attempt, candidate)


def own_attempt(db: Session, *, attempt_id: int, registration_id: int, generation: int) -> Attempt:
    """The logged-in candidate's attempt. Anyone else's id is not found; a session from before
    a later login (the candidate moved to another PC) has ended."""
    attempt = db.get(Attempt, attempt_id)
    check_owner(None if attempt is None else (attempt.registration_id, attempt.generation), registration_id, generation)
    assert attempt is not None
    return attempt


def check_owner(found: tuple[int, int] | None, registration_id: int, generation: int) -> None:
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
