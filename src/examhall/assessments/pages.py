"""Pages of assessments: plans and assessments, the judge pool, the practical task bank and the
teacher pool for admins; one assessment's page for its admins and chief examiner, with the task
card to show the candidate. The judges' own pages are in judge_pages."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from examhall import clock
from examhall.accounts.models import User
from examhall.accounts.permissions import Principal, allow
from examhall.assessments import access, judge_pages, judging, panels, plans, sealing, service, tasks
from examhall.assessments.board import board
from examhall.assessments.plans import PART_KINDS, PLAN_KINDS, parts_of
from examhall.assessments.registers import XLSX, today, zone
from examhall.assessments.scoring import AGGREGATIONS
from examhall.db import DbSession, Id
from examhall.errors import ExamhallError, Invalid
from examhall.sittings.models import Candidate, Exam
from examhall.trace.sealing import seal_of
from examhall.web.pages import actor_names, flash, redirect, refusal, render

router = APIRouter(include_in_schema=False)
router.include_router(judge_pages.router)
Admin = Annotated[Principal, allow("admin")]
Staff = Annotated[Principal, allow("admin", "chief_examiner")]
STATES = {"scheduled": "准备中", "open": "进行中", "sealed": "已封存"}


def _users(db: DbSession, role: str) -> list[User]:
    return list(db.scalars(select(User).where(User.role == role, User.disabled.is_(False)).order_by(User.username)))


# --- plans and assessments ------------------------------------------------------------------------


def _admin_page(request: Request, db: DbSession, me: Principal, **context: Any) -> HTMLResponse:
    return render(
        request,
        "assessments/admin.html",
        assessments=service.listed(db, user_id=me.id, role=me.role),
        plans=plans.list_plans(db),
        exams=list(db.scalars(select(Exam).order_by(Exam.id.desc()))),
        states=STATES,
        plan_kinds=PLAN_KINDS,
        aggregations=AGGREGATIONS,
        parts_of=parts_of,
        today=today(request),
        typed=context.pop("typed", {}),
        **context,
    )


@router.get("/admin/assessments", response_class=HTMLResponse)
def admin_page(request: Request, db: DbSession, me: Admin) -> Response:
    return _admin_page(request, db, me)


@router.post("/admin/assessments/plans", response_class=HTMLResponse)
def create_plan(
    request: Request,
    db: DbSession,
    me: Admin,
    preset: Annotated[str, Form(max_length=30)],
    name: Annotated[str, Form(max_length=200)],
    category: Annotated[str, Form(max_length=100)],
    exam_id: Annotated[Id, Form()],
    rubric: Annotated[str, Form(max_length=20)] = "lecture",
) -> Response:
    try:
        draft = plans.preset(preset, plan_name=name, category=category, exam_id=exam_id, rubric=rubric)
        plan = plans.create_plan(db, draft=draft, actor=me.actor)
    except ExamhallError as error:
        typed = {"form": "plan", "preset": preset, "name": name, "category": category, "exam_id": exam_id}
        return _admin_page(request, db, me, typed={**typed, "rubric": rubric}, **refusal(db, error))
    flash(request, f"已新建考核方案“{plan.name}”（{PLAN_KINDS.get(plan.kind, plan.kind)}，{plan.category}）")
    return redirect("/admin/assessments")


@router.post("/admin/assessments", response_class=HTMLResponse)
def create_assessment(
    request: Request,
    db: DbSession,
    me: Admin,
    plan_id: Annotated[Id, Form()],
    name: Annotated[str, Form(max_length=200)],
    held_on: Annotated[date, Form()],
    panel_size: Annotated[int, Form()],
    venue: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        made = service.create(
            db,
            plan_id=plan_id,
            name=name,
            held_on=held_on,
            venue=venue,
            panel_size=panel_size,
            actor=me.actor,
            timezone=zone(request),
        )
    except ExamhallError as error:
        typed = {"form": "assessment", "plan_id": plan_id, "name": name, "held_on": str(held_on), "venue": venue}
        return _admin_page(request, db, me, typed={**typed, "panel_size": panel_size}, **refusal(db, error))
    flash(request, f"已新建考核“{made.name}”。下一步：加入考生、安排主考官、抽取评委")
    return redirect(f"/assessments/{made.id}")


@router.get("/assessments", response_class=HTMLResponse)
def mine(request: Request, db: DbSession, me: Staff) -> Response:
    if me.role == "admin":
        return redirect("/admin/assessments")
    return render(
        request, "assessments/mine.html", assessments=service.listed(db, user_id=me.id, role=me.role), states=STATES
    )


# --- one assessment ----------------------------------------------------------------------------------


def _assessment_page(request: Request, db: DbSession, assessment_id: Id, me: Principal, **context: Any) -> HTMLResponse:
    assessment = access.staff_assessment(db, assessment_id, user_id=me.id, role=me.role)
    state = board(db, assessment)
    names = {u.id: u.display_name for _, u in state.panel}
    return render(
        request,
        "assessments/assessment.html",
        assessment=assessment,
        state=state,
        plan=state.plan,
        parts=parts_of(state.plan),
        names=names,
        scored={key[0] for key, cell in state.cells.items() if cell.submitted},
        chief=db.get(User, assessment.chief_id) if assessment.chief_id else None,
        chiefs=_users(db, "chief_examiner"),
        results=service.results_json(db, assessment=assessment, timezone=zone(request)),
        seal=(seal := seal_of(db, assessment.chain)),
        sealed_by=actor_names(db, [seal.sealed_by]).get(seal.sealed_by, "") if seal else "",
        states=STATES,
        part_kinds=PART_KINDS,
        aggregations=AGGREGATIONS,
        typed=context.pop("typed", {}),
        **context,
    )


@router.get("/assessments/{assessment_id}", response_class=HTMLResponse)
def assessment_page(request: Request, assessment_id: Id, db: DbSession, me: Staff) -> Response:
    return _assessment_page(request, db, assessment_id, me)


def _name(db: DbSession, user_id: int | None) -> str:
    user = db.get(User, user_id) if user_id else None
    return user.display_name or user.username if user else ""


def _act(
    db: DbSession,
    request: Request,
    me: Principal,
    assessment_id: Id,
    action: str,
    fields: dict[str, Any],
) -> str:
    """What the admin (arranging) and the chief examiner (on the day) do from the page; says
    what was done."""
    actor = me.actor
    if me.role == "admin":
        access.assessment_of(db, assessment_id)
        if action == "chief":
            service.assign_chief(db, assessment_id=assessment_id, user_id=fields["user_id"] or 0, actor=actor)
            return f"已安排{_name(db, fields['user_id'])}为本考核的主考官"
        if action == "candidate":
            added = service.add_candidate(
                db,
                assessment_id=assessment_id,
                id_number=fields["id_number"],
                institution_name=fields["institution"],
                actor=actor,
                timezone=zone(request),
            )
            candidate = db.get(Candidate, added.candidate_id)
            return f"已将{candidate.name if candidate else ''}加入考核名单"
        if action == "draw":
            drawn = service.draw_panel(db, assessment_id=assessment_id, actor=actor)
            names = "、".join(_name(db, m.user_id) for m in drawn)
            return f"已随机抽取评委{len(drawn)}名：{names}" if drawn else "评委组已满，无需抽取"
        if action == "recuse":
            judging.recuse(
                db, assessment_id=assessment_id, user_id=fields["user_id"] or 0, reason=fields["reason"], actor=actor
            )
            return f"{_name(db, fields['user_id'])}已回避，不再参加本考核的评分"
        if action == "open":
            service.open_assessment(db, assessment_id=assessment_id, actor=actor)
            return "考核已开始，评委现在可以评分"
        raise Invalid("bad_action", "不能进行此操作", "not an action you may take here")
    access.chief_assessment(db, assessment_id, me.id)
    entry, part = fields["entry_id"] or 0, fields["part"]
    if action == "task":
        service.draw_task(db, assessment_id=assessment_id, entry_id=entry, part_key=part, user_id=me.id, actor=actor)
        return "已抽取实操任务"
    if action == "absent":
        service.mark_absent(db, assessment_id=assessment_id, entry_id=entry, user_id=me.id, actor=actor)
        return "已记为缺考"
    if action in ("accept", "rescore"):
        judging.resolve(
            db,
            assessment_id=assessment_id,
            entry_id=entry,
            part_key=part,
            action=action,
            note=fields["note"],
            user_id=me.id,
            actor=actor,
        )
        return "已认可评委组的成绩" if action == "accept" else "已要求评委重新评分"
    if action == "reopen":
        judging.reopen(
            db,
            assessment_id=assessment_id,
            score_id=fields["score_id"] or 0,
            reason=fields["reason"],
            user_id=me.id,
            role=me.role,
            actor=actor,
        )
        return "已重新打开该评委的评分"
    if action == "seal":
        sealing.seal(db, assessment_id=assessment_id, user_id=me.id, actor=actor, timezone=zone(request))
        return "考核已封存：成绩确定，合格的教师已进入师资库"
    raise Invalid("bad_action", "不能进行此操作", "not an action you may take here")


@router.post("/assessments/{assessment_id}", response_class=HTMLResponse)
def act(
    request: Request,
    assessment_id: Id,
    db: DbSession,
    me: Staff,
    action: Annotated[str, Form(max_length=20)],
    user_id: Annotated[Id | None, Form()] = None,
    entry_id: Annotated[Id | None, Form()] = None,
    score_id: Annotated[Id | None, Form()] = None,
    part: Annotated[str, Form(max_length=30)] = "",
    id_number: Annotated[str, Form(max_length=30)] = "",
    institution: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    fields = {
        "user_id": user_id,
        "entry_id": entry_id,
        "score_id": score_id,
        "part": part,
        "id_number": id_number,
        "institution": institution,
        "reason": reason,
        "note": note,
    }
    try:
        done = _act(db, request, me, assessment_id, action, fields)
    except ExamhallError as error:
        typed = {"action": action, **fields}
        return _assessment_page(request, db, assessment_id, me, typed=typed, **refusal(db, error))
    flash(request, done)
    return redirect(f"/assessments/{assessment_id}")


@router.get("/assessments/{assessment_id}/entries/{entry_id}/parts/{part}/task", response_class=HTMLResponse)
def task_card(request: Request, assessment_id: Id, entry_id: Id, part: str, db: DbSession, me: Staff) -> Response:
    """The drawn task in large print, to show the candidate (on a screen, or printed)."""
    assessment = access.staff_assessment(db, assessment_id, user_id=me.id, role=me.role)
    state = board(db, assessment)
    _, candidate = state.entry(entry_id)
    cell = state.cell(entry_id, part)
    if cell.task is None:
        raise Invalid("no_task", "尚未抽取任务", "no task has been drawn")
    return render(request, "assessments/task_card.html", assessment=assessment, candidate=candidate, cell=cell)


# --- the judge pool -------------------------------------------------------------------------------------


def _judges_page(request: Request, db: DbSession, **context: Any) -> HTMLResponse:
    typed = context.pop("typed", {})
    return render(
        request, "assessments/judges.html", pool=panels.pool(db), users=_users(db, "judge"), typed=typed, **context
    )


@router.get("/admin/judges", response_class=HTMLResponse)
def judges_page(request: Request, db: DbSession, _: Admin) -> Response:
    return _judges_page(request, db)


@router.post("/admin/judges", response_class=HTMLResponse)
def judges_act(
    request: Request,
    db: DbSession,
    me: Admin,
    action: Annotated[str, Form(max_length=20)],
    user_id: Annotated[Id, Form()],
    institution: Annotated[str, Form(max_length=200)] = "",
    id_number: Annotated[str, Form(max_length=30)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        if action == "add":
            panels.add_judge(db, user_id=user_id, institution_name=institution, actor=me.actor)
            where = f"（所属机构：{institution.strip()}）" if institution.strip() else ""
            done = f"已将{_name(db, user_id)}加入评委库{where}"
        elif action == "conflict":
            panels.declare_conflict(
                db, user_id=user_id, institution_name=institution, id_number=id_number, reason=reason, actor=me.actor
            )
            done = f"已为{_name(db, user_id)}登记回避申报，今后抽取评委时回避"
        else:
            raise Invalid("bad_action", "不能进行此操作", "not an action you may take here")
    except ExamhallError as error:
        typed = {"action": action, "user_id": user_id, "institution": institution, "id_number": id_number}
        return _judges_page(request, db, typed={**typed, "reason": reason}, **refusal(db, error))
    flash(request, done)
    return redirect("/admin/judges")


# --- the practical task bank -----------------------------------------------------------------------------


def _tasks_page(request: Request, db: DbSession, **context: Any) -> HTMLResponse:
    return render(
        request,
        "assessments/tasks.html",
        tasks=tasks.list_tasks(db),
        subjects={k: PART_KINDS[k] for k in plans.PRACTICAL_SUBJECTS},
        typed=context.pop("typed", {}),
        **context,
    )


@router.get("/admin/tasks", response_class=HTMLResponse)
def tasks_page(request: Request, db: DbSession, _: Admin) -> Response:
    return _tasks_page(request, db)


@router.post("/admin/tasks", response_class=HTMLResponse)
def tasks_act(
    request: Request,
    db: DbSession,
    me: Admin,
    action: Annotated[str, Form(max_length=20)],
    task_id: Annotated[Id | None, Form()] = None,
    code: Annotated[str, Form(max_length=40)] = "",
    category: Annotated[str, Form(max_length=100)] = "",
    subject: Annotated[str, Form(max_length=4)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    instructions: Annotated[str, Form(max_length=10_000)] = "",
    equipment: Annotated[str, Form(max_length=4000)] = "",
    minutes: Annotated[int, Form()] = 15,
) -> Response:
    text = tasks.TaskText(title, instructions, equipment, minutes)
    try:
        if action == "add":
            tasks.add_task(db, code=code.strip(), category=category, subject=subject, text=text, actor=me.actor)
            done = f"已新增实操任务“{title.strip()}”（{subject} {PART_KINDS.get(subject, '')}，{category.strip()}）"
        elif action == "revise":
            version = tasks.revise_task(db, task_id=task_id or 0, text=text, actor=me.actor)
            done = f"已保存“{version.title}”的第 {version.version} 版；已抽取的旧版本不变"
        elif action == "retire":
            task = tasks.retire_task(db, task_id=task_id or 0, actor=me.actor)
            done = f"已停用实操任务{task.code}，今后不会再被抽取"
        else:
            raise Invalid("bad_action", "不能进行此操作", "not an action you may take here")
    except ExamhallError as error:
        typed = {"action": action, "task_id": task_id, "code": code, "category": category, "subject": subject}
        typed |= {"title": title, "instructions": instructions, "equipment": equipment, "minutes": minutes}
        return _tasks_page(request, db, typed=typed, **refusal(db, error))
    flash(request, done)
    return redirect("/admin/tasks")


# --- the teacher pool --------------------------------------------------------------------------------------


@router.get("/teacher-pool", response_class=HTMLResponse)
def pool_page(request: Request, db: DbSession, _: Admin, current: bool = False, subject: str = "") -> Response:
    day = clock.local_date(clock.now(), zone(request))
    return render(
        request,
        "assessments/pool.html",
        rows=sealing.pool(db, today=day, subject=subject.strip(), current_only=current),
        current=current,
        subject=subject.strip(),
        today=day,
        xlsx=XLSX,
    )
