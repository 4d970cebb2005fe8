"""The end of an assessment: the chief examiner's seal, which fixes every candidate's result and
puts the teachers who passed in the teacher pool (师资库); its verification; the pool itself."""

import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.assessments import access, service, tasks
from examhall.assessments.models import PoolEntry, TaskDraw
from examhall.assessments.scoring import last_valid_day
from examhall.errors import Conflict
from examhall.sittings.models import Candidate, Institution
from examhall.trace import sealing
from examhall.trace.models import Seal
from examhall.trace.service import Actor, record

ACTION = "assessment.sealed"


def seal(db: Session, *, assessment_id: int, user_id: int, actor: Actor, timezone: str) -> Seal:
    """Once every candidate's judged parts are complete (or the candidate absent) and no
    disagreement is left open, the chief examiner seals the assessment: the results are fixed
    (and recorded), teachers who passed join the pool, and a Merkle root over the heads of the
    assessment's chain and the chains its results drew on (the computer exams' sittings, the
    task bank) is recorded as the last event. Nothing of the assessment changes afterwards."""
    assessment = access.chief_assessment(db, assessment_id, user_id)
    access.must_be_open(db, assessment)
    state, found = service.results(db, assessment_id=assessment.id, timezone=timezone)
    unresolved = [c for c in state.cells.values() if c.needs_resolution]
    if unresolved:
        raise Conflict(
            "disagreements_open",
            f"还有{len(unresolved)}项分差超过阈值，待主考官处理",
            f"{len(unresolved)} disagreements await a decision",
        )
    incomplete = [c for c in state.cells.values() if not c.entry.absent and not c.complete]
    if incomplete:
        raise Conflict(
            "scoring_incomplete",
            f"还有{len(incomplete)}项评分未完成（或考生未记缺考）",
            f"{len(incomplete)} judged parts are not complete",
        )
    plan = state.plan
    for result in found:
        entry = result.entry
        entry.score, entry.passed = result.verdict.score, result.verdict.passed
        entry.reason = "缺考" if entry.absent else result.verdict.reason
        entry.part_scores = result.parts_json()
    record(
        db,
        chain=assessment.chain,
        action="results.final",
        subject=f"assessment:{assessment.id}",
        actor=actor,
        payload={"results": [r.as_json() for r in found]},
    )
    if plan.pool_years:
        until = last_valid_day(assessment.held_on, plan.pool_years * 12)
        for result in found:
            if not result.verdict.passed or result.verdict.score is None:
                continue
            joined = PoolEntry(
                candidate_id=result.candidate.id,
                assessment_id=assessment.id,
                institution_id=result.entry.institution_id,
                subject=plan.category,
                score=result.verdict.score,
                part_scores=result.parts_json(),
                passed_on=assessment.held_on,
                valid_until=until,
                joined_at=clock.now(),
            )
            db.add(joined)
            record(
                db,
                chain=assessment.chain,
                action="pool.joined",
                subject=f"entry:{result.entry.id}",
                actor=actor,
                payload={
                    "candidate": result.candidate.id_number,
                    "subject": plan.category,
                    "score": str(result.verdict.score),
                    "valid_until": until.isoformat(),
                },
            )
    db.flush()
    covers = [f"sitting:{s}" for r in found for s in r.sittings]
    if db.scalar(select(TaskDraw.id).where(TaskDraw.assessment_id == assessment.id)):
        covers.append(tasks.CHAIN)
    made = sealing.seal(db, chain=assessment.chain, covers=covers, action=ACTION, actor=actor, payload={})
    assessment.state = "sealed"
    return made


def verify(db: Session, assessment_id: int) -> list[str]:
    """Check a sealed assessment against its seal: every sealed chain intact, each sealed head
    still the event it was, the seal and every later event signed. Empty when it holds."""
    assessment = access.assessment_of(db, assessment_id)
    return sealing.verify(db, assessment.chain, action=ACTION)


# --- the teacher pool ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolRow:
    entry: PoolEntry
    candidate: Candidate
    institution: str
    valid: bool


def pool(db: Session, *, today: date, subject: str = "", current_only: bool = False) -> list[PoolRow]:
    """Teachers who passed, newest first; each with whether their place is still valid today."""
    rows = []
    query = (
        select(PoolEntry, Candidate, Institution)
        .join(Candidate, PoolEntry.candidate_id == Candidate.id)
        .outerjoin(Institution, PoolEntry.institution_id == Institution.id)
        .order_by(PoolEntry.subject, PoolEntry.passed_on.desc(), PoolEntry.id.desc())
    )
    if subject:
        query = query.where(PoolEntry.subject == subject)
    for entry, candidate, found in db.execute(query):
        valid = entry.valid_until >= today
        if valid or not current_only:
            rows.append(PoolRow(entry, candidate, found.name if found else "", valid))
    return rows


def pool_xlsx(db: Session, *, today: date) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("师资库")
    sheet.append(
        ["姓名", "身份证号", "所属机构", "学科", "综合成绩", "各科成绩", "考核编号", "合格日期", "有效期至", "状态"]
    )
    for row in pool(db, today=today):
        parts = "；".join(f"{value['name']} {value['score']}" for value in row.entry.part_scores.values())
        sheet.append(
            [
                row.candidate.name,
                row.candidate.id_number,
                row.institution,
                row.entry.subject,
                float(row.entry.score),
                parts,
                row.entry.assessment_id,
                row.entry.passed_on,
                row.entry.valid_until,
                "有效" if row.valid else "已过期",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
