"""JSON API of the registers assessments draw on, for admins: plans, the judge pool and its
declared conflicts, the practical task bank, and the teacher pool (师资库)."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from examhall import clock
from examhall.accounts.permissions import Principal, allow
from examhall.assessments import panels, plans, sealing, tasks
from examhall.assessments.models import AssessmentPlan
from examhall.assessments.schemas import ConflictIn, JudgeIn, PlanIn, PlanOut, PresetIn, TaskIn, TaskTextIn
from examhall.assessments.scoring import Criterion
from examhall.db import DbSession, Id
from examhall.errors import not_found

router = APIRouter(prefix="/api/v1/assessments", tags=["assessments"])
Admin = Annotated[Principal, allow("admin")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def zone(request: Request) -> str:
    value: str = request.app.state.settings.timezone
    return value


def today(request: Request) -> date:
    return clock.local_date(clock.now(), zone(request))


def plan_out(plan: AssessmentPlan) -> PlanOut:
    return PlanOut(
        id=plan.id,
        name=plan.name,
        kind=plan.kind,
        category=plan.category,
        parts=plan.parts,
        aggregation=plan.aggregation,
        spread_threshold=plan.spread_threshold,
        pass_mark=plan.pass_mark,
        sequential=plan.sequential,
        pool_years=plan.pool_years,
    )


# --- plans ---------------------------------------------------------------------------------------


@router.get("/plans", response_model=list[PlanOut])
def list_plans(db: DbSession, _: Admin) -> list[PlanOut]:
    return [plan_out(p) for p in plans.list_plans(db)]


@router.post("/plans", response_model=PlanOut, status_code=201)
def create_plan(body: PlanIn, db: DbSession, admin: Admin) -> PlanOut:
    draft = plans.PlanDraft(
        name=body.name,
        kind=body.kind,
        category=body.category,
        parts=[
            plans.Part(
                key=p.key,
                kind=p.kind,
                name=p.name or plans.PART_KINDS.get(p.kind, ""),
                weight=p.weight,
                pass_mark=p.pass_mark,
                exam_id=p.exam_id,
                valid_months=p.valid_months,
                minutes=p.minutes,
                criteria=tuple(Criterion(c.key, c.name, c.max, c.descriptor) for c in p.criteria),
            )
            for p in body.parts
        ],
        aggregation=body.aggregation,
        spread_threshold=body.spread_threshold,
        pass_mark=body.pass_mark,
        sequential=body.sequential,
        pool_years=body.pool_years,
    )
    return plan_out(plans.create_plan(db, draft=draft, actor=admin.actor))


@router.post("/plans/presets", response_model=PlanOut, status_code=201)
def create_from_preset(body: PresetIn, db: DbSession, admin: Admin) -> PlanOut:
    draft = plans.preset(
        body.preset, plan_name=body.name, category=body.category, exam_id=body.exam_id, rubric=body.rubric
    )
    return plan_out(plans.create_plan(db, draft=draft, actor=admin.actor))


@router.get("/plans/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: Id, db: DbSession, _: Admin) -> PlanOut:
    return plan_out(plans.get_plan(db, plan_id))


# --- the judge pool ------------------------------------------------------------------------------


@router.get("/judges")
def judge_pool(db: DbSession, _: Admin) -> list[dict[str, Any]]:
    return [
        {
            "user_id": user.id,
            "username": user.username,
            "name": user.display_name,
            "institution": found.name if found else "",
            "conflicts": [
                {"institution_id": c.institution_id, "id_number": c.id_number, "reason": c.reason} for c in conflicts
            ],
        }
        for user, _, found, conflicts in panels.pool(db)
    ]


@router.post("/judges", status_code=204)
def add_judge(body: JudgeIn, db: DbSession, admin: Admin) -> None:
    panels.add_judge(db, user_id=body.user_id, institution_name=body.institution, actor=admin.actor)


@router.post("/judges/{user_id}/conflicts", status_code=201)
def declare_conflict(
    user_id: Id, body: ConflictIn, db: DbSession, me: Annotated[Principal, allow("admin", "judge")]
) -> dict[str, int]:
    if me.role == "judge" and me.id != user_id:
        raise not_found("评委", "judge")
    made = panels.declare_conflict(
        db,
        user_id=user_id,
        institution_name=body.institution,
        id_number=body.id_number,
        reason=body.reason,
        actor=me.actor,
    )
    return {"id": made.id}


# --- the practical task bank --------------------------------------------------------------------------


@router.get("/tasks")
def list_tasks(db: DbSession, _: Admin) -> list[dict[str, Any]]:
    return [
        {
            "id": t.id,
            "code": t.code,
            "category": t.category,
            "subject": t.subject,
            "version": v.version,
            "title": v.title,
            "instructions": v.instructions,
            "equipment": v.equipment,
            "minutes": v.minutes,
            "retired": t.retired_at is not None,
        }
        for t, v in tasks.list_tasks(db)
    ]


def _text(body: TaskTextIn) -> tasks.TaskText:
    return tasks.TaskText(body.title, body.instructions, body.equipment, body.minutes)


@router.post("/tasks", status_code=201)
def add_task(body: TaskIn, db: DbSession, admin: Admin) -> dict[str, int]:
    made = tasks.add_task(
        db, code=body.code, category=body.category, subject=body.subject, text=_text(body), actor=admin.actor
    )
    return {"id": made.id, "version": made.current_version}


@router.post("/tasks/{task_id}/versions")
def revise_task(task_id: Id, body: TaskTextIn, db: DbSession, admin: Admin) -> dict[str, int]:
    made = tasks.revise_task(db, task_id=task_id, text=_text(body), actor=admin.actor)
    return {"id": task_id, "version": made.version}


@router.post("/tasks/{task_id}/retire", status_code=204)
def retire_task(task_id: Id, db: DbSession, admin: Admin) -> None:
    tasks.retire_task(db, task_id=task_id, actor=admin.actor)


# --- the teacher pool -----------------------------------------------------------------------------


@router.get("/pool")
def teacher_pool(request: Request, db: DbSession, _: Admin, current: bool = False) -> list[dict[str, Any]]:
    return [
        {
            "name": row.candidate.name,
            "id_number": row.candidate.id_number,
            "institution": row.institution,
            "subject": row.entry.subject,
            "score": str(row.entry.score),
            "parts": row.entry.part_scores,
            "assessment": row.entry.assessment_id,
            "passed_on": row.entry.passed_on.isoformat(),
            "valid_until": row.entry.valid_until.isoformat(),
            "valid": row.valid,
        }
        for row in sealing.pool(db, today=today(request), current_only=current)
    ]


@router.get("/pool.xlsx")
def teacher_pool_xlsx(request: Request, db: DbSession, _: Admin) -> Response:
    return Response(
        sealing.pool_xlsx(db, today=today(request)),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="teacher-pool.xlsx"'},
    )
