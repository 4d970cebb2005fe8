"""JSON API for assessments: an assessment's roster, chief examiner, panel and opening (admins);
its day (the chief examiner); scoring (the judges on its panel, who see nobody else's score
before all have submitted); results, the seal and its verification. The registers (plans, judges,
tasks, the teacher pool) are in registers.py, included here."""

from typing import Annotated, Any

from fastapi import APIRouter, Request

from examhall.accounts.permissions import Principal, allow
from examhall.assessments import access, judging, plans, registers, sealing, service, sheets
from examhall.assessments.board import Board, board
from examhall.assessments.registers import zone
from examhall.assessments.schemas import (
    AssessmentIn,
    AssessmentOut,
    CandidateIn,
    MarksIn,
    ReasonIn,
    ResolutionIn,
    UserIn,
)
from examhall.assessments.sheets import JudgeCell
from examhall.db import DbSession, Id

api = APIRouter(prefix="/api/v1/assessments", tags=["assessments"])
Admin = Annotated[Principal, allow("admin")]
Chief = Annotated[Principal, allow("chief_examiner")]
Staff = Annotated[Principal, allow("admin", "chief_examiner")]
JudgeUser = Annotated[Principal, allow("judge")]


# --- scoring (judges) -------------------------------------------------------------------------------


def cell_out(cell: JudgeCell) -> dict[str, Any]:
    """What a judge is shown of one part of one candidate: never another judge's score before
    every judge of it has submitted."""
    task = cell.task
    return {
        "entry": cell.entry_id,
        "candidate": cell.candidate,
        "part": cell.part.key,
        "part_name": cell.part.name,
        "max": str(cell.part.max),
        "criteria": [
            {"key": c.key, "name": c.name, "max": str(c.max), "descriptor": c.descriptor} for c in cell.part.criteria
        ],
        "task": (
            {
                "code": task[0].code,
                "version": task[1].version,
                "title": task[1].title,
                "instructions": task[1].instructions,
                "equipment": task[1].equipment,
                "minutes": task[1].minutes,
            }
            if task
            else None
        ),
        "mine": (
            {
                "id": cell.mine.id,
                "marks": cell.mine.marks,
                "total": str(cell.mine.total),
                "state": cell.mine.state,
                "reopen_reason": cell.mine.reopen_reason,
            }
            if cell.mine
            else None
        ),
        "may_judge": cell.may_judge,
        "absent": cell.absent,
        "submitted": cell.submitted,
        "judges": cell.judges,
        "complete": cell.complete,
        "panel": [{"judge": name, "total": str(total)} for name, total in cell.panel],
        "score": None if cell.score is None else str(cell.score),
        "flag": cell.flag,
    }


def _assessment_brief(state: Board) -> dict[str, Any]:
    a = state.assessment
    return {"id": a.id, "name": a.name, "plan": state.plan.name, "held_on": a.held_on.isoformat(), "state": a.state}


@api.get("/judging")
def my_panels(db: DbSession, me: JudgeUser) -> list[dict[str, Any]]:
    return [
        {"id": a.id, "name": a.name, "held_on": a.held_on.isoformat(), "venue": a.venue, "state": a.state}
        for a in sheets.my_panels(db, me.id)
    ]


@api.get("/judging/{assessment_id}")
def my_sheet(assessment_id: Id, db: DbSession, me: JudgeUser) -> dict[str, Any]:
    state, cells = sheets.judge_cells(db, assessment_id=assessment_id, user_id=me.id)
    return {"assessment": _assessment_brief(state), "cells": [cell_out(c) for c in cells]}


@api.get("/judging/{assessment_id}/entries/{entry_id}/parts/{part}")
def my_cell(assessment_id: Id, entry_id: Id, part: str, db: DbSession, me: JudgeUser) -> dict[str, Any]:
    _, cell = sheets.judge_cell(db, assessment_id=assessment_id, entry_id=entry_id, part_key=part, user_id=me.id)
    return cell_out(cell)


@api.post("/judging/{assessment_id}/entries/{entry_id}/parts/{part}")
def submit(assessment_id: Id, entry_id: Id, part: str, body: MarksIn, db: DbSession, me: JudgeUser) -> dict[str, Any]:
    made = judging.submit(
        db,
        assessment_id=assessment_id,
        entry_id=entry_id,
        part_key=part,
        marks=body.marks,
        user_id=me.id,
        actor=me.actor,
    )
    return {"id": made.id, "marks": made.marks, "total": str(made.total), "state": made.state}


@api.post("/{assessment_id}/scores/{score_id}/reopen")
def reopen(
    assessment_id: Id,
    score_id: Id,
    body: ReasonIn,
    db: DbSession,
    me: Annotated[Principal, allow("judge", "chief_examiner")],
) -> dict[str, Any]:
    made = judging.reopen(
        db,
        assessment_id=assessment_id,
        score_id=score_id,
        reason=body.reason,
        user_id=me.id,
        role=me.role,
        actor=me.actor,
    )
    return {"id": made.id, "state": made.state}


# --- assessments (admins and chief examiners) ---------------------------------------------------------


def assessment_out(db: DbSession, a: Any) -> AssessmentOut:
    plan = plans.get_plan(db, a.plan_id)
    return AssessmentOut(
        id=a.id,
        plan_id=a.plan_id,
        plan=plan.name,
        name=a.name,
        held_on=a.held_on,
        venue=a.venue,
        state=a.state,
        chief_id=a.chief_id,
        panel_size=a.panel_size,
    )


@api.get("", response_model=list[AssessmentOut])
def list_assessments(db: DbSession, me: Staff) -> list[AssessmentOut]:
    return [assessment_out(db, a) for a, _ in service.listed(db, user_id=me.id, role=me.role)]


@api.post("", response_model=AssessmentOut, status_code=201)
def create(body: AssessmentIn, request: Request, db: DbSession, admin: Admin) -> AssessmentOut:
    made = service.create(
        db,
        plan_id=body.plan_id,
        name=body.name,
        held_on=body.held_on,
        venue=body.venue,
        panel_size=body.panel_size,
        actor=admin.actor,
        timezone=zone(request),
    )
    return assessment_out(db, made)


def board_out(db: DbSession, state: Board) -> dict[str, Any]:
    """The assessment as its admins and chief examiner see it; judges' totals, as everywhere,
    only for parts every judge has submitted."""
    return {
        "assessment": assessment_out(db, state.assessment).model_dump(mode="json"),
        "panel": [{"user_id": u.id, "username": u.username, "name": u.display_name} for _, u in state.panel],
        "entries": [
            {"id": e.id, "name": c.name, "id_number": c.id_number, "absent": e.absent, "passed": e.passed}
            for e, c in state.entries
        ],
        "cells": [
            {
                "entry": cell.entry.id,
                "part": cell.part.key,
                "submitted": len(cell.submitted),
                "judges": len(cell.judges),
                "complete": cell.complete,
                "totals": {str(j): str(t) for j, t in cell.totals.items()},
                "score": None if cell.score is None else str(cell.score),
                "spread": None if cell.spread is None else str(cell.spread),
                "disagreement": "open" if cell.needs_resolution else "accepted" if cell.flagged else "",
                "task": cell.task[0].code if cell.task else None,
                "scores": {str(j): s.id for j, s in cell.submitted.items()} if cell.complete else {},
            }
            for cell in state.cells.values()
        ],
    }


@api.get("/{assessment_id}")
def detail(assessment_id: Id, db: DbSession, me: Staff) -> dict[str, Any]:
    assessment = access.staff_assessment(db, assessment_id, user_id=me.id, role=me.role)
    return board_out(db, board(db, assessment))


@api.post("/{assessment_id}/chief", status_code=204)
def assign_chief(assessment_id: Id, body: UserIn, db: DbSession, admin: Admin) -> None:
    service.assign_chief(db, assessment_id=assessment_id, user_id=body.user_id, actor=admin.actor)


@api.post("/{assessment_id}/candidates", status_code=201)
def add_candidate(
    assessment_id: Id, body: CandidateIn, request: Request, db: DbSession, admin: Admin
) -> dict[str, int]:
    made = service.add_candidate(
        db,
        assessment_id=assessment_id,
        id_number=body.id_number,
        institution_name=body.institution,
        actor=admin.actor,
        timezone=zone(request),
    )
    return {"id": made.id}


@api.post("/{assessment_id}/panel/draw")
def draw_panel(assessment_id: Id, db: DbSession, admin: Admin) -> dict[str, list[int]]:
    made = service.draw_panel(db, assessment_id=assessment_id, actor=admin.actor)
    return {"drawn": [m.user_id for m in made]}


@api.post("/{assessment_id}/panel/{user_id}/recusal", status_code=204)
def recuse(assessment_id: Id, user_id: Id, body: ReasonIn, db: DbSession, admin: Admin) -> None:
    judging.recuse(db, assessment_id=assessment_id, user_id=user_id, reason=body.reason, actor=admin.actor)


@api.post("/{assessment_id}/open", status_code=204)
def open_assessment(assessment_id: Id, db: DbSession, admin: Admin) -> None:
    service.open_assessment(db, assessment_id=assessment_id, actor=admin.actor)


@api.post("/{assessment_id}/entries/{entry_id}/parts/{part}/task")
def draw_task(assessment_id: Id, entry_id: Id, part: str, db: DbSession, me: Chief) -> dict[str, Any]:
    made = service.draw_task(
        db, assessment_id=assessment_id, entry_id=entry_id, part_key=part, user_id=me.id, actor=me.actor
    )
    return {"id": made.id, "version_id": made.version_id, "from": made.pool_size}


@api.post("/{assessment_id}/entries/{entry_id}/absent", status_code=204)
def mark_absent(assessment_id: Id, entry_id: Id, db: DbSession, me: Chief) -> None:
    service.mark_absent(db, assessment_id=assessment_id, entry_id=entry_id, user_id=me.id, actor=me.actor)


@api.post("/{assessment_id}/entries/{entry_id}/parts/{part}/resolution")
def resolve(assessment_id: Id, entry_id: Id, part: str, body: ResolutionIn, db: DbSession, me: Chief) -> dict[str, Any]:
    made = judging.resolve(
        db,
        assessment_id=assessment_id,
        entry_id=entry_id,
        part_key=part,
        action=body.action,
        note=body.note,
        user_id=me.id,
        actor=me.actor,
    )
    return {"id": made.id, "state": made.state}


@api.get("/{assessment_id}/results")
def results(assessment_id: Id, request: Request, db: DbSession, me: Staff) -> dict[str, Any]:
    assessment = access.staff_assessment(db, assessment_id, user_id=me.id, role=me.role)
    return {
        "final": assessment.state == "sealed",
        "results": service.results_json(db, assessment=assessment, timezone=zone(request)),
    }


@api.post("/{assessment_id}/seal")
def seal(assessment_id: Id, request: Request, db: DbSession, me: Chief) -> dict[str, Any]:
    made = sealing.seal(db, assessment_id=assessment_id, user_id=me.id, actor=me.actor, timezone=zone(request))
    return {"root": made.root, "position": made.position, "chains": len(made.leaves)}


@api.get("/{assessment_id}/verify")
def verify(
    assessment_id: Id, db: DbSession, me: Annotated[Principal, allow("admin", "chief_examiner", "inspector")]
) -> dict[str, Any]:
    if me.role == "chief_examiner":
        access.chief_assessment(db, assessment_id, me.id)
    problems = sealing.verify(db, assessment_id)
    return {"intact": not problems, "problems": problems}


router = APIRouter()
router.include_router(registers.router)  # first: "/{assessment_id}" would take "/plans" too
router.include_router(api)
