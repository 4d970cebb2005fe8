"""A spot check's two officers: one opens it for an enterprise, a place and a day, naming the
other, who confirms before anything is done; both confirm the seal. Every step is on the
check's chain, and the seal (signed, as a sitting's) covers it and every worker's quiz."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import User
from examhall.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from examhall.sittings.models import Enterprise
from examhall.spotchecks.models import SpotCheck, SpotWorker
from examhall.spotchecks.quiz import differences, finish_if_due
from examhall.trace import sealing
from examhall.trace.service import Actor, record

STATES = {
    "proposed": "待另一名执法人员确认",
    "open": "进行中",
    "sealing": "待另一名执法人员确认封存",
    "sealed": "已封存",
}
OFFICER = "officer"


def check_of(db: Session, check_id: int) -> SpotCheck:
    check = db.get(SpotCheck, check_id)
    if check is None:
        raise NotFound("no_check", "没有这次抽考", f"no spot check {check_id}")
    return check


def mine(db: Session, check_id: int, user_id: int) -> SpotCheck:
    """A check this officer is one of the two of; anyone else's is not found."""
    check = check_of(db, check_id)
    if user_id not in (check.officer_id, check.partner_id):
        raise NotFound("no_check", "没有这次抽考", f"no spot check {check_id}")
    return check


def officers(db: Session) -> list[User]:
    return list(db.scalars(select(User).where(User.role == OFFICER, User.disabled.is_(False)).order_by(User.id)))


def open_check(
    db: Session, *, enterprise: str, place: str, held_on: date, partner_id: int, user_id: int, actor: Actor
) -> SpotCheck:
    problems = []
    if not enterprise.strip():
        problems.append(Problem("no_enterprise", "请填写被检查企业", "the enterprise is empty", where="企业"))
    if not place.strip():
        problems.append(Problem("no_place", "请填写检查地点", "the place is empty", where="地点"))
    partner = db.get(User, partner_id)
    if partner is None or partner.role != OFFICER or partner.disabled:
        problems.append(
            Problem("no_partner", "请选择另一名执法人员", "the second officer is not an officer", where="同行执法人员")
        )
    elif partner_id == user_id:
        problems.append(
            Problem(
                "same_officer",
                "执法须两人：同行人员不能是自己",
                "the second officer is someone else",
                where="同行执法人员",
            )
        )
    if problems:
        raise Invalid("check_invalid", "抽考信息填写有误", "the spot check is not valid", problems)
    company = db.scalar(select(Enterprise).where(Enterprise.name == enterprise.strip()))
    if company is None:
        company = Enterprise(name=enterprise.strip())
        db.add(company)
        db.flush()
    check = SpotCheck(
        enterprise_id=company.id,
        place=place.strip(),
        held_on=held_on,
        officer_id=user_id,
        partner_id=partner_id,
        state="proposed",
        created_at=clock.now(),
    )
    db.add(check)
    db.flush()
    record(
        db,
        chain=check.chain,
        action="spotcheck.opened",
        subject=check.chain,
        actor=actor,
        payload={
            "enterprise": company.name,
            "place": check.place,
            "held_on": held_on.isoformat(),
            "partner": partner_id,
        },
    )
    return check


def confirm_open(db: Session, *, check_id: int, user_id: int, actor: Actor) -> SpotCheck:
    check = mine(db, check_id, user_id)
    if check.state != "proposed":
        raise Conflict("not_proposed", "这次抽考已经确认", "the check is already confirmed")
    if user_id != check.partner_id:
        raise Forbidden("same_officer", "须由同行的另一名执法人员确认", "the second officer confirms")
    check.state = "open"
    record(db, chain=check.chain, action="spotcheck.confirmed", subject=check.chain, actor=actor, payload={})
    return check


def require_open(check: SpotCheck) -> None:
    if check.state == "proposed":
        raise Conflict(
            "not_confirmed", "须由同行的另一名执法人员确认后才能开始抽考", "the second officer has not confirmed"
        )
    if check.state in ("sealing", "sealed"):
        raise Conflict("sealed", "这次抽考已封存或正在封存，不能再更改", "the check is sealed")


def ask_seal(db: Session, *, check_id: int, user_id: int, actor: Actor) -> SpotCheck:
    check = mine(db, check_id, user_id)
    require_open(check)
    workers = list(db.scalars(select(SpotWorker).where(SpotWorker.check_id == check.id)))
    for worker in workers:
        finish_if_due(db, worker)
    if not workers:
        raise Conflict("no_workers", "还没有抽考任何人员，不能封存", "nobody was quizzed")
    if unfinished := [w for w in workers if w.submitted_at is None]:
        raise Conflict(
            "unfinished",
            f"还有{len(unfinished)}人未交卷，不能封存",
            f"{len(unfinished)} quizzes are not finished",
        )
    check.state, check.seal_asked_by = "sealing", user_id
    record(db, chain=check.chain, action="spotcheck.seal_asked", subject=check.chain, actor=actor, payload={})
    return check


def confirm_seal(db: Session, *, check_id: int, user_id: int, actor: Actor) -> SpotCheck:
    """The other officer confirms: the check is sealed, its chain and every quiz's under one
    signed root. Or takes it back (`confirm=False` is `reopen`)."""
    check = mine(db, check_id, user_id)
    if check.state != "sealing":
        raise Conflict("not_sealing", "封存尚未由另一名执法人员提出", "nobody asked to seal")
    if check.seal_asked_by == user_id:
        raise Forbidden("same_officer", "须由另一名执法人员确认封存", "the other officer confirms the seal")
    quizzes = [w.chain for w in db.scalars(select(SpotWorker).where(SpotWorker.check_id == check.id))]
    sealing.seal(
        db, chain=check.chain, covers=[check.chain, *quizzes], action="spotcheck.sealed", actor=actor, payload={}
    )
    check.state = "sealed"
    return check


def reopen(db: Session, *, check_id: int, user_id: int, actor: Actor) -> SpotCheck:
    check = mine(db, check_id, user_id)
    if check.state != "sealing":
        raise Conflict("not_sealing", "封存尚未提出", "nobody asked to seal")
    check.state, check.seal_asked_by = "open", None
    record(db, chain=check.chain, action="spotcheck.seal_withdrawn", subject=check.chain, actor=actor, payload={})
    return check


@dataclass(frozen=True)
class Verified:
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(db: Session, check_id: int) -> Verified:
    """The sealed check: its chains intact under the signed seal, and every quiz's items,
    answers and score derived again from its chain and found as the tables hold them."""
    check = check_of(db, check_id)
    problems = sealing.verify(db, check.chain, action="spotcheck.sealed")
    for worker in db.scalars(select(SpotWorker).where(SpotWorker.check_id == check.id).order_by(SpotWorker.id)):
        problems += differences(db, worker)
    return Verified(problems)
