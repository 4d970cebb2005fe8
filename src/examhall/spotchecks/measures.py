"""The measures a check decides: proposed by one officer, confirmed by the other, before the
seal; followed up when the deadline comes (after the seal too: a signed event on the sealed
chain). A confirmed proposal to suspend a worker's certificate goes to the certificate's
administrators as a suspension proposal, for another person to decide."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.certificates import decisions
from examhall.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from examhall.spotchecks.checks import mine, require_open
from examhall.spotchecks.models import Measure, SpotWorker
from examhall.trace.sealing import record_after_seal
from examhall.trace.service import Actor, record

KINDS = {
    "rectify": "责令限期整改",
    "retrain": "停止作业、重新培训",
    "interview": "约谈",
    "suspend_certificate": "暂扣证书（提请发证机关）",
    "fine": "罚款",
}


def measures_of(db: Session, check_id: int) -> list[Measure]:
    return list(db.scalars(select(Measure).where(Measure.check_id == check_id).order_by(Measure.id)))


def propose(
    db: Session,
    *,
    check_id: int,
    kind: str,
    detail: str,
    deadline: date | None,
    worker_id: int | None,
    user_id: int,
    actor: Actor,
) -> Measure:
    check = mine(db, check_id, user_id)
    require_open(check)
    problems = []
    if kind not in KINDS:
        problems.append(Problem("bad_kind", "请选择措施", "pick a measure", where="措施"))
    if not detail.strip():
        problems.append(Problem("no_detail", "请写明内容和依据", "the detail is empty", where="内容"))
    if kind in ("rectify", "retrain") and deadline is None:
        problems.append(Problem("no_deadline", "整改和重新培训须定期限", "a deadline is needed", where="期限"))
    worker = db.get(SpotWorker, worker_id) if worker_id is not None else None
    if worker_id is not None and (worker is None or worker.check_id != check.id):
        problems.append(Problem("bad_worker", "没有这名受检人员", "no such worker in this check", where="人员"))
    if kind == "suspend_certificate" and (worker is None or worker.certificate_id is None):
        problems.append(
            Problem(
                "no_certificate", "暂扣证书须针对持证的受检人员", "pick a worker who holds a certificate", where="人员"
            )
        )
    if problems:
        raise Invalid("measure_invalid", "措施填写有误", "the measure is not valid", problems)
    measure = Measure(
        check_id=check.id,
        worker_id=worker_id,
        kind=kind,
        detail=detail.strip(),
        deadline=deadline,
        proposed_by=user_id,
        follow_up="",
        created_at=clock.now(),
    )
    db.add(measure)
    db.flush()
    record(
        db,
        chain=check.chain,
        action="spotcheck.measure_proposed",
        subject=check.chain,
        actor=actor,
        payload={
            "measure": measure.id,
            "kind": kind,
            "detail": measure.detail,
            "deadline": deadline.isoformat() if deadline else None,
            "worker": worker_id,
        },
    )
    return measure


def _measure(db: Session, measure_id: int, check_id: int) -> Measure:
    measure = db.get(Measure, measure_id)
    if measure is None or measure.check_id != check_id:
        raise NotFound("no_measure", "没有这项措施", f"no measure {measure_id}")
    return measure


def confirm(db: Session, *, check_id: int, measure_id: int, user_id: int, actor: Actor) -> Measure:
    check = mine(db, check_id, user_id)
    require_open(check)
    measure = _measure(db, measure_id, check.id)
    if measure.confirmed_by is not None:
        raise Conflict("confirmed", "这项措施已确认", "the measure is already confirmed")
    if measure.proposed_by == user_id:
        raise Forbidden("same_officer", "措施须由另一名执法人员确认", "the other officer confirms")
    measure.confirmed_by = user_id
    record(
        db,
        chain=check.chain,
        action="spotcheck.measure_confirmed",
        subject=check.chain,
        actor=actor,
        payload={"measure": measure.id},
    )
    if measure.kind == "suspend_certificate" and measure.worker_id is not None:
        worker = db.get(SpotWorker, measure.worker_id)
        if worker is not None and worker.certificate_id is not None:
            decisions.propose(
                db,
                certificate_id=worker.certificate_id,
                action="suspend",
                reason=measure.detail,
                basis=f"现场抽考记录第{check.id}号，执法人员两人确认",
                actor=actor,
            )
    return measure


def follow_up(db: Session, *, check_id: int, measure_id: int, text: str, user_id: int, actor: Actor) -> Measure:
    """What was found when the deadline came; on a sealed check, a signed event after its seal."""
    check = mine(db, check_id, user_id)
    measure = _measure(db, measure_id, check.id)
    if measure.confirmed_by is None:
        raise Conflict("not_confirmed", "措施尚未确认", "the measure is not confirmed")
    if measure.deadline is not None and clock.now().date() < measure.deadline:
        raise Conflict(
            "deadline_ahead",
            f"期限（{measure.deadline.isoformat()}）届满后再记录复查情况",
            f"the follow-up is recorded once the deadline ({measure.deadline}) comes",
        )
    if not text.strip():
        raise Invalid(
            "no_text",
            "请写明复查情况",
            "the follow-up is empty",
            [Problem("no_text", "请填写", "empty", where="复查情况")],
        )
    measure.follow_up, measure.followed_up_on = text.strip(), clock.now().date()
    payload = {"measure": measure.id, "follow_up": measure.follow_up}
    if check.state == "sealed":
        record_after_seal(
            db, chain=check.chain, action="spotcheck.followed_up", subject=check.chain, actor=actor, payload=payload
        )
    else:
        record(db, chain=check.chain, action="spotcheck.followed_up", subject=check.chain, actor=actor, payload=payload)
    return measure
