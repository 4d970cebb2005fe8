"""Assessments (考核): an admin schedules one of a plan, adds its candidates, assigns its chief
examiner and draws its judge panel, then opens it; on the day the chief examiner draws the
practical tasks, records the absent and resolves disagreements. A computer part's score is the
candidate's published result of its exam, valid for the part's months. Every change is an event
on the assessment's chain."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import User
from examhall.assessments import access, panels, tasks
from examhall.assessments.board import Board, board
from examhall.assessments.models import Assessment, AssessmentEntry, AssessmentPlan, JudgeScore, PanelMember, TaskDraw
from examhall.assessments.plans import MAX_PANEL, MIN_PANEL, Part, get_plan, part_of, parts_of
from examhall.assessments.scoring import PartScore, Verdict, add_months, composite, valid_on
from examhall.errors import Conflict, Problem, invalid, not_found
from examhall.grading import results as grading
from examhall.grading.models import Publication
from examhall.sittings.identity import IdNumber, parse_id_number
from examhall.sittings.models import Candidate, Registration, Sitting
from examhall.sittings.service import institution
from examhall.sittings.staffing import Reason
from examhall.trace.service import Actor, record


def create(
    db: Session,
    *,
    plan_id: int,
    name: str,
    held_on: date,
    venue: str,
    panel_size: int,
    actor: Actor,
    timezone: str,
) -> Assessment:
    plan = get_plan(db, plan_id)
    problems = []
    if not name.strip():
        problems.append(Problem("empty_name", "考核名称为空", "the assessment has no name", "name"))
    if held_on < clock.local_date(clock.now(), timezone):
        problems.append(Problem("in_the_past", "考核日期已过", "the date has passed", "held_on"))
    if not MIN_PANEL <= panel_size <= MAX_PANEL:
        problems.append(Problem("bad_panel_size", "评委组应为3-7人", "a panel has 3 to 7 judges", "panel_size"))
    if problems:
        raise invalid(problems)
    made = Assessment(
        plan_id=plan.id,
        name=name.strip(),
        held_on=held_on,
        venue=venue.strip(),
        state="scheduled",
        panel_size=panel_size,
        created_at=clock.now(),
    )
    db.add(made)
    db.flush()
    record(
        db,
        chain=made.chain,
        action="assessment.created",
        subject=f"assessment:{made.id}",
        actor=actor,
        payload={"plan": plan.id, "name": made.name, "held_on": held_on.isoformat(), "panel_size": panel_size},
    )
    return made


def _editable(db: Session, assessment: Assessment) -> None:
    access.not_sealed(db, assessment)
    if assessment.state != "scheduled":
        raise Conflict(
            "assessment_open", "考核已开始，考生名单和主考官不能再改", "the assessment is open; its roster is fixed"
        )


def _plan(db: Session, assessment: Assessment) -> AssessmentPlan:
    return get_plan(db, assessment.plan_id)


def _refuse(reasons: list[Reason], who: str, *, zh: str, en: str) -> None:
    if reasons:
        raise invalid([Problem(r.code, r.zh, r.en, who) for r in reasons], zh=zh, en=en)


def assign_chief(db: Session, *, assessment_id: int, user_id: int, actor: Actor) -> Assessment:
    """The chief examiner (主考官) of the assessment, refused under the same rules as a sitting's."""
    assessment = access.assessment_of(db, assessment_id)
    _editable(db, assessment)
    user = db.get(User, user_id)
    if user is None:
        raise not_found("用户", "user")
    people = panels.examinees(db, assessment, _plan(db, assessment))
    _refuse(
        panels.chief_reasons(db, user=user, examinees=people),
        user.username,
        zh=f"不能安排{user.username}任主考官",
        en=f"{user.username} cannot be the chief examiner",
    )
    assessment.chief_id = user.id
    record(
        db,
        chain=assessment.chain,
        action="chief.assigned",
        subject=f"assessment:{assessment.id}",
        actor=actor,
        payload={"user": user.username},
    )
    return assessment


@dataclass(frozen=True)
class ComputerResult:
    """A candidate's result of a computer part: the published result that counts, or why none does."""

    score: Decimal | None
    sat_on: date | None = None
    sitting_id: int | None = None
    status: str = ""
    note: str = ""


def computer_result(
    db: Session, *, candidate: Candidate, part: Part, on: date, timezone: str, before_only: bool
) -> ComputerResult:
    """The candidate's published result in a sitting of the part's exam that is still valid on
    `on` (held before it, when `before_only`): the latest that reaches the part's pass mark, or
    else the latest. Results count only once their sitting is sealed and published."""
    found = []
    for sitting in db.scalars(
        select(Sitting)
        .join(Registration, Registration.sitting_id == Sitting.id)
        .join(Publication, Publication.sitting_id == Sitting.id)
        .where(Registration.candidate_id == candidate.id, Sitting.exam_id == part.exam_id)
    ):
        result = next((r for r in grading.results(db, sitting.id) if r.id_number == candidate.id_number), None)
        if result is not None:
            found.append((clock.local_date(sitting.starts_at, timezone), sitting.id, result))
    usable = [f for f in found if not before_only or f[0] <= on]
    valid = [f for f in usable if valid_on(f[0], part.valid_months, on)]
    gate = part.pass_mark if part.pass_mark is not None else Decimal(0)
    passed = [f for f in valid if f[2].score is not None and f[2].score >= gate]
    pick = max(passed or valid, key=lambda f: (f[0], f[1]), default=None)
    if pick is None:
        if usable:
            latest = max(f[0] for f in usable)
            ends = add_months(latest, part.valid_months)
            return ComputerResult(None, note=f"{latest}的考试成绩已超过{part.valid_months}个月有效期（{ends}起失效）")
        return ComputerResult(None, note="没有已发布的考试成绩")
    sat_on, sitting_id, result = pick
    note = f"{sat_on}考试，{result.status}"
    return ComputerResult(result.score, sat_on, sitting_id, result.status, note)


def add_candidate(
    db: Session, *, assessment_id: int, id_number: str, institution_name: str, actor: Actor, timezone: str
) -> AssessmentEntry:
    """A candidate of the assessment, known by ID number from the rosters of earlier exams, with
    the institution they belong to (a teacher's own). Under a plan whose judged parts come only
    after the computer exam, a candidate without a valid pass is refused, with the reason."""
    assessment = access.assessment_of(db, assessment_id)
    _editable(db, assessment)
    plan = _plan(db, assessment)
    parsed = parse_id_number(id_number, today=clock.now().date())
    if not isinstance(parsed, IdNumber):
        raise invalid([Problem(parsed.code, parsed.zh, parsed.en, "id_number")])
    candidate = db.scalar(select(Candidate).where(Candidate.id_number == parsed.value))
    if candidate is None:
        raise not_found("该身份证号的考生（须先通过考试名单登记）", "a candidate with that ID number")
    if db.scalar(
        select(AssessmentEntry.id).where(
            AssessmentEntry.assessment_id == assessment.id, AssessmentEntry.candidate_id == candidate.id
        )
    ):
        raise Conflict("already_added", f"{candidate.name}已在本次考核名单中", "the candidate is on the roster already")
    if plan.sequential:
        problems = []
        for part in parts_of(plan):
            if part.kind != "computer":
                continue
            found = computer_result(
                db, candidate=candidate, part=part, on=assessment.held_on, timezone=timezone, before_only=True
            )
            gate = part.pass_mark if part.pass_mark is not None else Decimal(0)
            if found.score is None or found.score < gate:
                problems.append(
                    Problem(
                        "exam_not_passed",
                        f"{part.name}没有{assessment.held_on}仍有效的合格成绩（{found.note}），不能参加{plan.name}的实际操作考试",
                        f"no pass of {part.key} valid on {assessment.held_on}",
                        part.key,
                    )
                )
        if problems:
            raise invalid(
                problems, zh=f"{candidate.name}不能参加本次考核", en="the candidate may not take this assessment"
            )
    name = institution_name.strip()
    entry = AssessmentEntry(
        assessment_id=assessment.id,
        candidate_id=candidate.id,
        institution_id=institution(db, name, actor=actor).id if name else None,
        added_at=clock.now(),
        absent=False,
    )
    db.add(entry)
    db.flush()
    people = [p for p in panels.examinees(db, assessment, plan) if p.entry_id == entry.id]
    conflicted = [
        (user.username, reasons)
        for _, user in panels.members(db, assessment.id)
        if (reasons := panels.reasons_against(panels.judge_facts(db, user), people[0]))
    ]
    if assessment.chief_id is not None:
        chief = db.get(User, assessment.chief_id)
        assert chief is not None
        if reasons := panels.chief_reasons(db, user=chief, examinees=people):
            conflicted.append((chief.username, reasons))
    if conflicted:
        raise invalid(
            [Problem(r.code, r.zh, r.en, who) for who, reasons in conflicted for r in reasons],
            zh=f"{candidate.name}与已抽取的评委或主考官存在回避关系，请先办理回避",
            en="the candidate conflicts with a judge or the chief examiner already assigned",
        )
    record(
        db,
        chain=assessment.chain,
        action="candidate.added",
        subject=f"entry:{entry.id}",
        actor=actor,
        payload={"candidate": candidate.id_number, "name": candidate.name, "institution": name},
    )
    return entry


def draw_panel(db: Session, *, assessment_id: int, actor: Actor) -> list[PanelMember]:
    """Fill the judge panel at random; once scoring has started nobody joins (they did not see
    the candidates before them)."""
    assessment = access.assessment_of(db, assessment_id)
    access.not_sealed(db, assessment)
    if db.scalar(select(JudgeScore.id).where(JudgeScore.assessment_id == assessment.id)):
        raise Conflict("scoring_started", "评分已开始，不能再补抽评委", "scoring has started; no judge joins now")
    return panels.draw(db, assessment=assessment, plan=_plan(db, assessment), actor=actor)


def open_assessment(db: Session, *, assessment_id: int, actor: Actor) -> Assessment:
    """Start scoring: the candidates, the chief examiner and a full panel are in place, and
    nobody on it has a conflict (declared since the draw, too)."""
    assessment = access.assessment_of(db, assessment_id)
    _editable(db, assessment)
    plan = _plan(db, assessment)
    people = panels.examinees(db, assessment, plan)
    if not people:
        raise Conflict("no_candidates", "考核名单为空", "the assessment has no candidates")
    if assessment.chief_id is None:
        raise Conflict("no_chief", "考核还没有主考官", "the assessment has no chief examiner")
    panel = panels.members(db, assessment.id)
    if len(panel) < assessment.panel_size:
        raise Conflict(
            "panel_short",
            f"评委组应有{assessment.panel_size}人，现有{len(panel)}人，请抽取评委",
            "the panel is not full",
        )
    conflicted = [
        Problem(r.code, r.zh, r.en, user.username)
        for _, user in panel
        for r in panels.judge_reasons(facts=panels.judge_facts(db, user), examinees=people)
    ]
    if conflicted:
        raise invalid(conflicted, zh="评委组中有须回避的评委，请先办理回避", en="a judge on the panel must recuse")
    assessment.state = "open"
    record(
        db,
        chain=assessment.chain,
        action="assessment.opened",
        subject=f"assessment:{assessment.id}",
        actor=actor,
        payload={"candidates": len(people), "panel": [user.username for _, user in panel]},
    )
    return assessment


def _entry(db: Session, assessment: Assessment, entry_id: int) -> AssessmentEntry:
    entry = db.get(AssessmentEntry, entry_id)
    if entry is None or entry.assessment_id != assessment.id:
        raise not_found("考生", "candidate")
    return entry


def draw_task(db: Session, *, assessment_id: int, entry_id: int, part_key: str, user_id: int, actor: Actor) -> TaskDraw:
    """The chief examiner draws the candidate's task for a practical subject when they come up."""
    assessment = access.chief_assessment(db, assessment_id, user_id)
    access.must_be_open(db, assessment)
    entry = _entry(db, assessment, entry_id)
    if entry.absent:
        raise Conflict("absent", "该考生已记为缺考", "the candidate is recorded absent")
    plan = _plan(db, assessment)
    return tasks.draw_task(
        db, assessment=assessment, category=plan.category, entry=entry, part=part_of(plan, part_key), actor=actor
    )


def mark_absent(db: Session, *, assessment_id: int, entry_id: int, user_id: int, actor: Actor) -> AssessmentEntry:
    """缺考: the chief examiner records a candidate who did not come; refused once anyone scored them."""
    assessment = access.chief_assessment(db, assessment_id, user_id)
    access.must_be_open(db, assessment)
    entry = _entry(db, assessment, entry_id)
    if entry.absent:
        raise Conflict("absent", "该考生已记为缺考", "the candidate is recorded absent")
    if db.scalar(select(JudgeScore.id).where(JudgeScore.entry_id == entry.id)):
        raise Conflict("scored", "已有评委为该考生评分，不能记为缺考", "judges have scored this candidate")
    entry.absent = True
    record(db, chain=assessment.chain, action="candidate.absent", subject=f"entry:{entry.id}", actor=actor)
    return entry


# --- results ----------------------------------------------------------------------------------------


@dataclass
class EntryResult:
    entry: AssessmentEntry
    candidate: Candidate
    parts: list[PartScore]
    verdict: Verdict
    sittings: list[int]  # the sittings whose results counted
    pending: list[str]  # what is still to be done before the result is final

    def parts_json(self) -> dict[str, Any]:
        return {
            p.key: {"name": p.name, "score": None if p.score is None else str(p.score), "note": p.note}
            for p in self.parts
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry.id,
            "candidate": self.candidate.id_number,
            "name": self.candidate.name,
            "score": None if self.verdict.score is None else str(self.verdict.score),
            "passed": self.verdict.passed,
            "reason": "缺考" if self.entry.absent else self.verdict.reason,
            "parts": self.parts_json(),
        }


def results(db: Session, *, assessment_id: int, timezone: str) -> tuple[Board, list[EntryResult]]:
    """Every candidate's parts, composite and verdict as things stand; final once sealed."""
    assessment = access.assessment_of(db, assessment_id)
    state = board(db, assessment)
    plan = state.plan
    found = []
    for entry, candidate in state.entries:
        scores, used, pending = [], [], []
        for part in parts_of(plan):
            if part.kind == "computer":
                got = computer_result(
                    db,
                    candidate=candidate,
                    part=part,
                    on=assessment.held_on,
                    timezone=timezone,
                    before_only=plan.sequential,
                )
                scores.append(
                    PartScore(part.key, part.name, part.max, part.weight, part.pass_mark, got.score, got.note)
                )
                used += [got.sitting_id] if got.sitting_id is not None else []
                continue
            cell = state.cells[(entry.id, part.key)]
            note = "缺考" if entry.absent else "" if cell.complete else "评分未完成"
            if cell.needs_resolution:
                note = "分差超过阈值，待主考官处理"
            if not entry.absent and (not cell.complete or cell.needs_resolution):
                pending.append(f"{part.name}：{note}")
            scores.append(PartScore(part.key, part.name, part.max, part.weight, part.pass_mark, cell.score, note))
        verdict = Verdict(None, False, ["缺考"]) if entry.absent else composite(scores, pass_mark=plan.pass_mark)
        found.append(EntryResult(entry, candidate, scores, verdict, used, pending))
    return state, found


def results_json(db: Session, *, assessment: Assessment, timezone: str) -> list[dict[str, Any]]:
    """The results as fixed by the seal, or as things stand before it (with what is pending)."""
    if assessment.state != "sealed":
        _, found = results(db, assessment_id=assessment.id, timezone=timezone)
        return [{**r.as_json(), "pending": r.pending} for r in found]
    return [
        {
            "entry": entry.id,
            "candidate": candidate.id_number,
            "name": candidate.name,
            "score": None if entry.score is None else str(entry.score),
            "passed": bool(entry.passed),
            "reason": entry.reason,
            "parts": entry.part_scores or {},
            "pending": [],
        }
        for entry, candidate in db.execute(
            select(AssessmentEntry, Candidate)
            .join(Candidate, AssessmentEntry.candidate_id == Candidate.id)
            .where(AssessmentEntry.assessment_id == assessment.id)
            .order_by(AssessmentEntry.id)
        )
    ]


def listed(db: Session, *, user_id: int, role: str) -> list[tuple[Assessment, AssessmentPlan]]:
    query = select(Assessment, AssessmentPlan).join(AssessmentPlan, Assessment.plan_id == AssessmentPlan.id)
    if role != "admin":
        query = query.where(Assessment.chief_id == user_id)
    return [(a, p) for a, p in db.execute(query.order_by(Assessment.held_on.desc(), Assessment.id.desc()))]
