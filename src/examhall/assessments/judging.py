"""Scoring by the panel. Each judge marks every criterion of a part for a candidate on their own;
nobody on the panel sees another judge's score until every judge of that candidate's part has
submitted. A submitted score changes only by reopening it with a reason. A complete part gets
its score from the judges' totals, and a disagreement when they spread too far apart, which the
chief examiner accepts or sends back for rescoring."""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import User
from examhall.assessments import access
from examhall.assessments.board import Cell, board, snapshot, usernames
from examhall.assessments.models import Assessment, Disagreement, JudgeScore, PanelMember
from examhall.assessments.plans import MIN_PANEL
from examhall.assessments.scoring import read_marks, total
from examhall.errors import Conflict, Forbidden, Problem, invalid, not_found
from examhall.trace.service import Actor, record


def _chain(cell: Cell) -> str:
    return f"assessment:{cell.entry.assessment_id}"


def _raise(db: Session, cell: Cell, actor: Actor) -> Disagreement:
    """The cell's open disagreement, made or brought up to date with the totals as they are."""
    assert cell.complete and cell.spread is not None
    flag = cell.open_flag
    if flag is None:
        flag = Disagreement(
            assessment_id=cell.entry.assessment_id,
            entry_id=cell.entry.id,
            part=cell.part.key,
            threshold=cell.threshold,
            state="open",
            raised_at=clock.now(),
        )
        db.add(flag)
    flag.spread, flag.totals = cell.spread, snapshot(cell.totals)
    db.flush()
    cell.open_flag = flag
    names = usernames(db, cell.judges)
    record(
        db,
        chain=_chain(cell),
        action="disagreement.raised",
        subject=f"entry:{cell.entry.id}",
        actor=actor,
        payload={
            "disagreement": flag.id,
            "part": cell.part.key,
            "spread": str(flag.spread),
            "threshold": str(flag.threshold),
            "totals": {names[j]: str(t) for j, t in cell.totals.items()},
        },
    )
    return flag


def settle(db: Session, cell: Cell, actor: Actor) -> None:
    """Record a part that has just become complete, and raise (or clear) its disagreement."""
    if not cell.complete:
        return
    names = usernames(db, cell.judges)
    record(
        db,
        chain=_chain(cell),
        action="part.completed",
        subject=f"entry:{cell.entry.id}",
        actor=actor,
        payload={
            "part": cell.part.key,
            "totals": {names[j]: str(t) for j, t in cell.totals.items()},
            "score": str(cell.score),
            "spread": str(cell.spread),
        },
    )
    if cell.needs_resolution:
        _raise(db, cell, actor)
    elif cell.open_flag is not None:
        flag = cell.open_flag
        flag.state, flag.resolved_at, flag.note = "cleared", clock.now(), "重新评分后分差未超过阈值"
        cell.open_flag = None
        record(
            db,
            chain=_chain(cell),
            action="disagreement.cleared",
            subject=f"entry:{cell.entry.id}",
            actor=actor,
            payload={"disagreement": flag.id, "part": cell.part.key, "spread": str(cell.spread)},
        )


def submit(
    db: Session,
    *,
    assessment_id: int,
    entry_id: int,
    part_key: str,
    marks: Mapping[str, object],
    user_id: int,
    actor: Actor,
) -> JudgeScore:
    """A judge submits their marks for one part of one candidate: every criterion, from 0 to its
    maximum in halves."""
    assessment = access.judged_assessment(db, assessment_id, user_id)
    access.must_be_open(db, assessment)
    state = board(db, assessment)
    entry, candidate = state.entry(entry_id)
    cell = state.cell(entry_id, part_key)
    part = cell.part
    if entry.absent:
        raise Conflict("absent", "该考生已记为缺考", "the candidate is recorded absent")
    if user_id not in cell.judges:
        raise Forbidden(
            "must_recuse",
            "您与该考生存在回避关系，不能评分",
            "you have a conflict with this candidate and may not score them",
        )
    if part.practical and cell.task is None:
        raise Conflict("no_task", "主考官尚未为该考生抽取实操任务", "the chief examiner has not drawn the task yet")
    found = db.scalar(
        select(JudgeScore).where(
            JudgeScore.entry_id == entry.id, JudgeScore.part == part.key, JudgeScore.judge_id == user_id
        )
    )
    if found is not None and found.state == "submitted":
        raise Conflict(
            "submitted",
            "您已提交该项评分；如需修改，须说明理由重新打开",
            "you have submitted this score; reopen it with a reason to change it",
        )
    values, problems = read_marks(part.criteria, marks)
    if problems:
        raise invalid(problems, zh="评分有误，未提交", en="the marks have problems; nothing was submitted")
    score = found or JudgeScore(assessment_id=assessment.id, entry_id=entry.id, part=part.key, judge_id=user_id)
    score.marks = {key: str(value) for key, value in values.items()}
    score.total = total(values)
    score.state, score.submitted_at = "submitted", clock.now()
    db.add(score)
    db.flush()
    record(
        db,
        chain=assessment.chain,
        action="score.submitted",
        subject=f"entry:{entry.id}",
        actor=actor,
        payload={
            "part": part.key,
            "candidate": candidate.id_number,
            "marks": score.marks,
            "total": str(score.total),
            "resubmitted": found is not None,
        },
    )
    settle(db, board(db, assessment).cell(entry.id, part.key), actor)
    return score


def _reason(reason: str) -> str:
    if len(reason.strip()) < 4:
        raise invalid(
            [
                Problem(
                    "reason_required",
                    "须写明重新打开的理由（至少4个字）",
                    "give a reason (4 characters or more)",
                    "reason",
                )
            ]
        )
    return reason.strip()


def _reopen(db: Session, assessment: Assessment, score: JudgeScore, reason: str, actor: Actor) -> None:
    before = score.total
    score.state, score.reopen_reason = "reopened", reason
    judge = db.get(User, score.judge_id)
    record(
        db,
        chain=assessment.chain,
        action="score.reopened",
        subject=f"entry:{score.entry_id}",
        actor=actor,
        payload={"part": score.part, "judge": judge.username if judge else "", "total": str(before), "reason": reason},
    )


def reopen(
    db: Session, *, assessment_id: int, score_id: int, reason: str, user_id: int, role: str, actor: Actor
) -> JudgeScore:
    """Reopen a submitted score, with a reason. A judge may reopen their own until every judge of
    that part has submitted (until then they have seen no other score); after that only the
    chief examiner may."""
    if role == "judge":
        assessment = access.judged_assessment(db, assessment_id, user_id)
    else:
        assessment = access.chief_assessment(db, assessment_id, user_id)
    score = db.get(JudgeScore, score_id)
    if score is None or score.assessment_id != assessment.id or (role == "judge" and score.judge_id != user_id):
        raise not_found("评分", "score")
    access.must_be_open(db, assessment)
    if score.state != "submitted":
        raise Conflict("not_submitted", "该评分已重新打开，等待重新提交", "the score is reopened already")
    if role == "judge" and board(db, assessment).cell(score.entry_id, score.part).complete:
        raise Forbidden(
            "panel_complete",
            "全部评委已提交，修改评分须由主考官说明理由重新打开",
            "every judge has submitted; only the chief examiner may reopen now",
        )
    _reopen(db, assessment, score, _reason(reason), actor)
    return score


def resolve(
    db: Session, *, assessment_id: int, entry_id: int, part_key: str, action: str, note: str, user_id: int, actor: Actor
) -> Disagreement:
    """The chief examiner resolves a disagreement: accept the scores as they are, or rescore
    (every judge's score of that part reopened, to be submitted again)."""
    assessment = access.chief_assessment(db, assessment_id, user_id)
    access.must_be_open(db, assessment)
    cell = board(db, assessment).cell(entry_id, part_key)
    if not cell.needs_resolution:
        raise Conflict("nothing_to_resolve", "该项没有待处理的分差", "there is no disagreement to resolve here")
    if action not in ("accept", "rescore"):
        raise invalid([Problem("bad_action", "处理方式应为认可或重新评分", "accept or rescore", "action")])
    if len(note.strip()) < 2:
        raise invalid([Problem("note_required", "请写明处理意见", "write the decision", "note")])
    flag = cell.open_flag
    if flag is None or flag.totals != snapshot(cell.totals):
        flag = _raise(db, cell, actor)
    flag.state = "accepted" if action == "accept" else "rescored"
    flag.resolved_by, flag.resolved_at, flag.note = actor.name, clock.now(), note.strip()
    record(
        db,
        chain=assessment.chain,
        action=f"disagreement.{flag.state}",
        subject=f"entry:{entry_id}",
        actor=actor,
        payload={"disagreement": flag.id, "part": cell.part.key, "spread": str(flag.spread), "note": flag.note},
    )
    if action == "rescore":
        for score in cell.submitted.values():
            _reopen(db, assessment, score, f"分差超过阈值，主考官要求重新评分：{flag.note}", actor)
    return flag


def recuse(db: Session, *, assessment_id: int, user_id: int, reason: str, actor: Actor) -> PanelMember:
    """An admin takes a judge off the whole panel, with a reason, before they have scored anyone.
    Once scoring has started at least 3 judges must remain; parts the others have all scored
    become complete."""
    assessment = access.assessment_of(db, assessment_id)
    access.not_sealed(db, assessment)
    member = db.scalar(
        select(PanelMember).where(
            PanelMember.assessment_id == assessment.id,
            PanelMember.user_id == user_id,
            PanelMember.removed_at.is_(None),
        )
    )
    if member is None:
        raise not_found("评委组成员", "panel member")
    text = _reason(reason)
    if db.scalar(
        select(JudgeScore.id).where(JudgeScore.assessment_id == assessment.id, JudgeScore.judge_id == user_id)
    ):
        raise Conflict(
            "has_scores",
            "该评委已有评分，不能退出评委组；与个别考生的回避请通过回避申报办理",
            "the judge has scored already; declare a conflict with the candidate instead",
        )
    before = board(db, assessment)
    if before.started and len(before.panel) - 1 < MIN_PANEL:
        raise Conflict("panel_too_small", "评分已开始，评委不能少于3人", "scoring has started; 3 judges must remain")
    member.removed_at, member.removed_reason = clock.now(), text
    judge = db.get(User, user_id)
    record(
        db,
        chain=assessment.chain,
        action="judge.recused",
        subject=f"assessment:{assessment.id}",
        actor=actor,
        payload={"judge": judge.username if judge else "", "reason": text},
    )
    after = board(db, assessment)
    for key, cell in after.cells.items():
        if cell.complete and not before.cells[key].complete:
            settle(db, cell, actor)
    return member
