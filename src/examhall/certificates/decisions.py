"""Suspension (暂扣), revocation (撤销) and reinstatement of a certificate: one administrator
proposes, with the reason and its legal basis; another confirms or rejects. Each step is on the
certificate's chain, and only a confirmation changes its state."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.certificates import ledger
from examhall.certificates.models import StateDecision
from examhall.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from examhall.sittings.models import Certificate
from examhall.trace.service import Actor

ACTIONS = {"suspend": "暂扣", "revoke": "撤销", "reinstate": "恢复"}
# The state each action leads to, and the states it may start from.
LEADS_TO = {"suspend": "suspended", "revoke": "revoked", "reinstate": "valid"}
STARTS_FROM = {"suspend": {"valid"}, "revoke": {"valid", "suspended"}, "reinstate": {"suspended", "revoked"}}
STATES = {"valid": "有效", "suspended": "暂扣", "revoked": "撤销"}


def certificate_of(db: Session, certificate_id: int) -> Certificate:
    certificate = db.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound("no_certificate", "没有这本证书", f"no certificate {certificate_id}")
    return certificate


def pending(db: Session, certificate_id: int | None = None) -> list[StateDecision]:
    query = select(StateDecision).where(StateDecision.state == "proposed").order_by(StateDecision.id)
    if certificate_id is not None:
        query = query.where(StateDecision.certificate_id == certificate_id)
    return list(db.scalars(query))


def propose(db: Session, *, certificate_id: int, action: str, reason: str, basis: str, actor: Actor) -> StateDecision:
    certificate = certificate_of(db, certificate_id)
    problems = []
    if action not in ACTIONS:
        problems.append(
            Problem("bad_action", "请选择暂扣、撤销或恢复", "action is suspend, revoke or reinstate", where="处理")
        )
    if not reason.strip():
        problems.append(Problem("no_reason", "请写明理由", "a reason is required", where="理由"))
    if not basis.strip():
        problems.append(Problem("no_basis", "请写明依据（法规条款）", "the legal basis is required", where="依据"))
    if problems:
        raise Invalid("decision_invalid", "处理意见填写不完整", "the proposal is incomplete", problems)
    if certificate.state not in STARTS_FROM[action]:
        raise Conflict(
            "wrong_state",
            f"证书当前为“{STATES[certificate.state]}”，不能{ACTIONS[action]}",
            f"the certificate is {certificate.state}; it cannot be {action}d",
        )
    if pending(db, certificate.id):
        raise Conflict("pending", "这本证书已有待确认的处理意见", "a proposal on this certificate awaits confirmation")
    decision = StateDecision(
        certificate_id=certificate.id,
        action=action,
        reason=reason.strip(),
        basis=basis.strip(),
        proposed_by=actor.name,
        proposed_at=clock.now(),
        state="proposed",
        decided_by="",
    )
    db.add(decision)
    db.flush()
    ledger.note(
        db,
        certificate,
        action=f"certificate.{action}_proposed",
        actor=actor,
        payload={"decision": decision.id, "reason": decision.reason, "basis": decision.basis},
    )
    return decision


def decide(db: Session, *, decision_id: int, confirm: bool, actor: Actor) -> StateDecision:
    """Confirm or reject a proposal; never by the one who proposed it."""
    decision = db.get(StateDecision, decision_id)
    if decision is None:
        raise NotFound("no_decision", "没有这条处理意见", f"no proposal {decision_id}")
    if decision.state != "proposed":
        raise Conflict("decided", "这条处理意见已经处理过", "the proposal is already decided")
    if decision.proposed_by == actor.name:
        raise Forbidden(
            "same_person",
            "提出处理意见的人不能自己确认，须由另一名管理员确认",
            "the one who proposed it cannot decide it; another administrator must",
        )
    certificate = certificate_of(db, decision.certificate_id)
    decision.state = "confirmed" if confirm else "rejected"
    decision.decided_by = actor.name
    decision.decided_at = clock.now()
    if not confirm:
        ledger.note(
            db, certificate, action="certificate.proposal_rejected", actor=actor, payload={"decision": decision.id}
        )
        return decision
    if certificate.state not in STARTS_FROM[decision.action]:
        raise Conflict(
            "wrong_state", "证书状态已经变化，请重新提出", "the certificate's state changed since the proposal"
        )
    ledger.change(
        db,
        certificate,
        action=f"certificate.{LEADS_TO[decision.action]}",
        actor=actor,
        changes={"state": LEADS_TO[decision.action], "revision": certificate.revision + 1},
        note={"decision": decision.id, "proposed_by": decision.proposed_by, "basis": decision.basis},
    )
    return decision


def violations(db: Session, certificate_id: int) -> int:
    """Confirmed suspensions and revocations: what stands against a longer review period."""
    return len(
        list(
            db.scalars(
                select(StateDecision.id).where(
                    StateDecision.certificate_id == certificate_id,
                    StateDecision.state == "confirmed",
                    StateDecision.action.in_(("suspend", "revoke")),
                )
            )
        )
    )
