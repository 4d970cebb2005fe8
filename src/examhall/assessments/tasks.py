"""The practical task bank (实操题库): tasks of a 工种 and subject (K1-K4), versioned like items
(an edit makes a new version; versions never change), every change traced on the bank's chain;
and the draw of one task at random for a candidate's practical subject."""

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.assessments.models import Assessment, AssessmentEntry, PracticalTask, PracticalTaskVersion, TaskDraw
from examhall.assessments.plans import PART_KINDS, PRACTICAL_SUBJECTS, Part
from examhall.errors import Conflict, Problem, invalid, not_found
from examhall.trace.chain import canonical_json
from examhall.trace.service import Actor, record

CHAIN = "practical-tasks"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class TaskText:
    title: str
    instructions: str
    equipment: str = ""
    minutes: int = 15

    def content(self) -> dict[str, object]:
        return {
            "title": self.title.strip(),
            "instructions": self.instructions.strip(),
            "equipment": self.equipment.strip(),
            "minutes": self.minutes,
        }

    def content_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.content()).encode()).hexdigest()


def _problems(text: TaskText) -> list[Problem]:
    problems = []
    if not text.title.strip() or len(text.title.strip()) > 200:
        problems.append(Problem("bad_title", "任务名称应为1-200个字", "a title is 1-200 characters", "title"))
    if not text.instructions.strip():
        problems.append(Problem("empty_instructions", "任务要求为空", "the task has no instructions", "instructions"))
    if not 1 <= text.minutes <= 240:
        problems.append(Problem("bad_minutes", "限时应为1-240分钟", "the time allowed is 1-240 minutes", "minutes"))
    return problems


def _version(task: PracticalTask, number: int, text: TaskText, actor: Actor) -> PracticalTaskVersion:
    content = text.content()
    return PracticalTaskVersion(
        task_id=task.id,
        version=number,
        title=content["title"],
        instructions=content["instructions"],
        equipment=content["equipment"],
        minutes=text.minutes,
        content_hash=text.content_hash(),
        created_at=clock.now(),
        created_by=actor.name,
    )


def add_task(db: Session, *, code: str, category: str, subject: str, text: TaskText, actor: Actor) -> PracticalTask:
    problems = _problems(text)
    if not CODE.match(code):
        problems.append(
            Problem("bad_code", "编号须为1-40位字母、数字、- 或 _", "a code is 1-40 letters or digits", "code")
        )
    elif db.scalar(select(PracticalTask.id).where(PracticalTask.code == code)):
        problems.append(Problem("code_taken", f"编号{code}已存在", f"code {code} exists", "code"))
    if not category.strip():
        problems.append(Problem("empty_category", "工种为空", "the task has no category", "category"))
    if subject not in PRACTICAL_SUBJECTS:
        problems.append(Problem("bad_subject", "科目应为K1、K2、K3或K4", "the subject is K1-K4", "subject"))
    if problems:
        raise invalid(problems)
    task = PracticalTask(
        code=code, category=category.strip(), subject=subject, current_version=1, created_at=clock.now()
    )
    db.add(task)
    db.flush()
    version = _version(task, 1, text, actor)
    db.add(version)
    db.flush()
    record(
        db,
        chain=CHAIN,
        action="task.added",
        subject=f"task:{task.code}",
        actor=actor,
        payload={"category": task.category, "subject": subject, "version": 1, **text.content()},
    )
    return task


def get_task(db: Session, task_id: int) -> PracticalTask:
    task = db.get(PracticalTask, task_id)
    if task is None:
        raise not_found("实操任务", "practical task")
    return task


def current(db: Session, task: PracticalTask) -> PracticalTaskVersion:
    found = db.scalar(
        select(PracticalTaskVersion).where(
            PracticalTaskVersion.task_id == task.id, PracticalTaskVersion.version == task.current_version
        )
    )
    assert found is not None
    return found


def revise_task(db: Session, *, task_id: int, text: TaskText, actor: Actor) -> PracticalTaskVersion:
    """A changed task is a new version; the versions drawn before stay as they were."""
    task = get_task(db, task_id)
    if task.retired_at is not None:
        raise Conflict("retired", "任务已停用", "the task is retired")
    if problems := _problems(text):
        raise invalid(problems)
    latest = current(db, task)
    if latest.content_hash == text.content_hash():
        return latest
    task.current_version += 1
    version = _version(task, task.current_version, text, actor)
    db.add(version)
    db.flush()
    record(
        db,
        chain=CHAIN,
        action="task.revised",
        subject=f"task:{task.code}",
        actor=actor,
        payload={"version": task.current_version, **text.content()},
    )
    return version


def retire_task(db: Session, *, task_id: int, actor: Actor) -> PracticalTask:
    task = get_task(db, task_id)
    if task.retired_at is not None:
        raise Conflict("retired", "任务已停用", "the task is retired")
    task.retired_at = clock.now()
    record(db, chain=CHAIN, action="task.retired", subject=f"task:{task.code}", actor=actor)
    return task


def list_tasks(db: Session) -> list[tuple[PracticalTask, PracticalTaskVersion]]:
    return [
        (t, v)
        for t, v in db.execute(
            select(PracticalTask, PracticalTaskVersion)
            .join(
                PracticalTaskVersion,
                (PracticalTaskVersion.task_id == PracticalTask.id)
                & (PracticalTaskVersion.version == PracticalTask.current_version),
            )
            .order_by(PracticalTask.category, PracticalTask.subject, PracticalTask.code)
        )
    ]


def in_force(db: Session, *, category: str, subject: str) -> list[PracticalTaskVersion]:
    return [v for t, v in list_tasks(db) if t.category == category and t.subject == subject and t.retired_at is None]


def draw_task(
    db: Session, *, assessment: Assessment, category: str, entry: AssessmentEntry, part: Part, actor: Actor
) -> TaskDraw:
    """One task at random from the tasks in force of the 工种 and subject, for this candidate;
    a draw is final."""
    if not part.practical:
        raise Conflict("not_practical", "只有实操科目（K1-K4）需要抽取任务", "only K1-K4 subjects draw a task")
    if db.scalar(select(TaskDraw.id).where(TaskDraw.entry_id == entry.id, TaskDraw.part == part.key)):
        raise Conflict("drawn", "该考生本科目已抽取任务", "a task was drawn for this candidate's subject already")
    choices = in_force(db, category=category, subject=part.kind)
    if not choices:
        raise Conflict(
            "no_tasks",
            f"实操题库中没有“{category}”{part.kind} {PART_KINDS[part.kind]}的任务",
            f"the task bank has no {part.kind} task of {category}",
        )
    version = secrets.choice(choices)
    task = db.get(PracticalTask, version.task_id)
    assert task is not None
    made = TaskDraw(
        assessment_id=assessment.id,
        entry_id=entry.id,
        part=part.key,
        version_id=version.id,
        pool_size=len(choices),
        drawn_by=actor.name,
        drawn_at=clock.now(),
    )
    db.add(made)
    db.flush()
    record(
        db,
        chain=assessment.chain,
        action="task.drawn",
        subject=f"entry:{entry.id}",
        actor=actor,
        payload={
            "part": part.key,
            "task": task.code,
            "version": version.version,
            "content_hash": version.content_hash,
            "from": sorted(v.id for v in choices),
        },
    )
    return made


def drawn(db: Session, assessment_id: int) -> dict[tuple[int, str], tuple[PracticalTask, PracticalTaskVersion]]:
    """Every task drawn in the assessment, by (entry, part)."""
    return {
        (d.entry_id, d.part): (t, v)
        for d, v, t in db.execute(
            select(TaskDraw, PracticalTaskVersion, PracticalTask)
            .join(PracticalTaskVersion, TaskDraw.version_id == PracticalTaskVersion.id)
            .join(PracticalTask, PracticalTaskVersion.task_id == PracticalTask.id)
            .where(TaskDraw.assessment_id == assessment_id)
        )
    }
