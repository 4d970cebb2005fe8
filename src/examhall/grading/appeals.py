"""Appeals (复核): a candidate contests a published result; an admin regrades it from the trace and
proposes the outcome; the chief examiner, a second person, confirms it or sends it back. Every
step is an event on the sealed sitting's chain, signed like the seal. A confirmed change replaces
the candidate's final score; the graded score, sealed with the sitting, stays as it was."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.service import Throttle
from examhall.delivery.models import Attempt
from examhall.delivery.replay import replay
from examhall.errors import Conflict, Forbidden, Invalid, not_found
from examhall.grading.access import exam_of, require_chief, sitting_of
from examhall.grading.models import Appeal
from examhall.grading.results import corrections
from examhall.grading.service import look_up
from examhall.papers import service as papers
from examhall.sittings.models import Assignment, Candidate, Exam, ExamRecord, Registration, Sitting
from examhall.trace import service as trace
from examhall.trace.sealing import record_after_seal
from examhall.trace.service import Actor


def _text(score: Decimal | None) -> str:
    return "" if score is None else str(score)


def file_appeal(db: Session, *, ticket: str, id_number: str, reason: str, client: str, throttle: Throttle) -> Appeal:
    found = look_up(db, ticket=ticket, id_number=id_number, client=client, throttle=throttle)
    attempt = found.result.attempt
    if attempt is None or attempt.started_at is None:
        raise Conflict("no_attempt", "缺考的考生没有可复核的成绩", "there is no attempt to review")
    if found.appeal is not None and found.appeal.state != "decided":
        raise Conflict("appeal_open", "已有正在处理的复核申请", "an appeal is already being handled")
    if len(reason.strip()) < 4:
        raise Invalid("reason_required", "请写明复核理由（至少4个字）", "give a reason (4 characters or more)")
    contested = corrections(db, found.sitting.id).get(attempt.id, attempt.score)
    appeal = Appeal(
        attempt_id=attempt.id, reason=reason.strip(), filed_at=clock.now(), state="filed", original_score=contested
    )
    db.add(appeal)
    db.flush()
    record_after_seal(
        db,
        chain=found.sitting.chain,
        action="appeal.filed",
        subject=attempt.chain,
        actor=Actor(ticket, "candidate", client),
        payload={"appeal": appeal.id, "reason": appeal.reason, "original": _text(contested)},
    )
    return appeal


def regrade(db: Session, *, appeal_id: int, actor: Actor) -> Appeal:
    """Score the attempt again from its events (after checking its chain is intact)."""
    appeal, attempt, sitting = _appeal(db, appeal_id)
    if appeal.state != "filed":
        raise Conflict("not_filed", "该复核申请已重新评分", "the appeal has been regraded already")
    report = trace.verify_database(db, chains=[attempt.chain])
    if not report.intact:
        raise Conflict(
            "trace_broken",
            f"考生的留痕记录已被改动（{report.breaks[0].reason_zh}），不能据此复核",
            f"the attempt's trace is broken ({report.breaks[0]})",
        )
    answered = replay(trace.rows(db, [attempt.chain])).responses()
    score, marks = papers.mark_paper(papers.paper_view(db, attempt.paper_id), answered)
    appeal.regraded_score, appeal.state = score, "regraded"
    record_after_seal(
        db,
        chain=sitting.chain,
        action="appeal.regraded",
        subject=attempt.chain,
        actor=actor,
        payload={
            "appeal": appeal.id,
            "original": _text(appeal.original_score),
            "regraded": str(score),
            "marks": [m.as_dict() for m in marks],
        },
    )
    return appeal


def propose(db: Session, *, appeal_id: int, score: Decimal | None, note: str, actor: Actor) -> Appeal:
    """An admin proposes the outcome: a new score (a regrade that differs), or the score kept."""
    appeal, attempt, sitting = _appeal(db, appeal_id)
    if appeal.state != "regraded":
        raise Conflict("not_regraded", "请先重新评分", "regrade first")
    if not note.strip():
        raise Invalid("note_required", "请写明复核意见", "write the finding")
    appeal.proposed_score = score if score is not None else appeal.original_score
    appeal.proposed_by, appeal.note, appeal.state = actor.name, note.strip(), "proposed"
    record_after_seal(
        db,
        chain=sitting.chain,
        action="appeal.proposed",
        subject=attempt.chain,
        actor=actor,
        payload={"appeal": appeal.id, "score": _text(appeal.proposed_score), "note": appeal.note},
    )
    return appeal


def decide(db: Session, *, appeal_id: int, confirm: bool, actor: Actor, user_id: int) -> Appeal:
    """The chief examiner (a second person) confirms the proposal, or sends it back. A confirmed
    change of score is a correction recorded after the seal: the candidate's final score, and
    their exam history, follow it."""
    appeal, attempt, sitting = _appeal(db, appeal_id)
    if appeal.state != "proposed":
        raise Conflict("not_proposed", "没有待确认的复核结论", "no proposal awaits a decision")
    require_chief(db, sitting, user_id)
    if actor.name == appeal.proposed_by:
        raise Forbidden("same_person", "提出人与确认人不能是同一人", "the proposer cannot also confirm")
    if not confirm:
        appeal.state = "regraded"
        record_after_seal(
            db,
            chain=sitting.chain,
            action="appeal.returned",
            subject=attempt.chain,
            actor=actor,
            payload={"appeal": appeal.id},
        )
        return appeal
    changed = appeal.proposed_score != appeal.original_score
    appeal.state, appeal.decided_by, appeal.decided_at = "decided", actor.name, clock.now()
    appeal.outcome = (
        f"复核后成绩由{appeal.original_score}分更正为{appeal.proposed_score}分：{appeal.note}"
        if changed
        else f"复核后维持原成绩{appeal.original_score}分：{appeal.note}"
    )
    record_after_seal(
        db,
        chain=sitting.chain,
        action="appeal.decided",
        subject=attempt.chain,
        actor=actor,
        payload={"appeal": appeal.id, "changed": changed, "score": _text(appeal.proposed_score)},
    )
    if changed:
        _correct_history(db, sitting, attempt, appeal.proposed_score)
    return appeal


def _correct_history(db: Session, sitting: Sitting, attempt: Attempt, score: Decimal | None) -> None:
    registration = db.get(Registration, attempt.registration_id)
    assert registration is not None
    passed = score is not None and not attempt.voided and score >= exam_of(db, sitting).pass_mark
    for past in db.scalars(
        select(ExamRecord).where(
            ExamRecord.sitting_id == sitting.id, ExamRecord.candidate_id == registration.candidate_id
        )
    ):
        past.passed = passed


def _appeal(db: Session, appeal_id: int) -> tuple[Appeal, Attempt, Sitting]:
    appeal = db.get(Appeal, appeal_id)
    if appeal is None:
        raise not_found("复核申请", "appeal")
    attempt = db.get(Attempt, appeal.attempt_id)
    assert attempt is not None
    return appeal, attempt, sitting_of(db, attempt.sitting_id)


def appeals(db: Session, sitting_id: int) -> list[Appeal]:
    return list(
        db.scalars(
            select(Appeal)
            .join(Attempt, Appeal.attempt_id == Attempt.id)
            .where(Attempt.sitting_id == sitting_id)
            .order_by(Appeal.id)
        )
    )


@dataclass(frozen=True)
class Waiting:
    appeal: Appeal
    sitting: Sitting
    exam: str
    ticket: str
    name: str


def pending(db: Session, *, user_id: int, role: str) -> list[Waiting]:
    """Appeals waiting for this person: an admin regrades and proposes; a chief examiner decides
    the proposals of the sittings they answer for."""
    states = ("proposed",) if role == "chief_examiner" else ("filed", "regraded")
    query = (
        select(Appeal, Sitting, Exam.name, Registration.ticket, Candidate.name)
        .join(Attempt, Appeal.attempt_id == Attempt.id)
        .join(Sitting, Attempt.sitting_id == Sitting.id)
        .join(Exam, Sitting.exam_id == Exam.id)
        .join(Registration, Attempt.registration_id == Registration.id)
        .join(Candidate, Registration.candidate_id == Candidate.id)
        .where(Appeal.state.in_(states))
        .order_by(Appeal.filed_at)
    )
    if role == "chief_examiner":
        query = query.join(Assignment, Assignment.sitting_id == Sitting.id).where(
            Assignment.user_id == user_id, Assignment.role == "chief_examiner"
        )
    return [Waiting(a, s, exam, ticket or "", name) for a, s, exam, ticket, name in db.execute(query)]
