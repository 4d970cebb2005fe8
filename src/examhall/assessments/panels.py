"""Judges (评委库) and their panels: the pool with each judge's institution and declared
conflicts, recusal (回避), and panels of 3 to 7 drawn at random. A judge who belongs to, or
declared a conflict with, an institution of a candidate (their own, or one that trained them),
or who declared a conflict with a candidate, is never drawn."""

import secrets
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import User
from examhall.assessments.models import Assessment, AssessmentEntry, AssessmentPlan, Judge, JudgeConflict, PanelMember
from examhall.assessments.plans import parts_of
from examhall.errors import Conflict, Invalid, Problem, invalid, not_found
from examhall.sittings.identity import IdNumber, parse_id_number
from examhall.sittings.models import Candidate, Exam, Institution, Registration, Sitting, StaffMember, Training
from examhall.sittings.service import RECORDS, institution
from examhall.sittings.staffing import Reason
from examhall.trace.service import Actor, record


def add_judge(db: Session, *, user_id: int, institution_name: str, actor: Actor) -> Judge:
    """Put a judge account in the pool (again, to change the institution)."""
    user = db.get(User, user_id)
    if user is None:
        raise not_found("用户", "user")
    if user.role != "judge":
        raise Invalid("not_judge", "只有评委账号可以进入评委库", "only judge accounts join the judge pool")
    found = db.get(Judge, user.id) or Judge(user_id=user.id, added_at=clock.now())
    name = institution_name.strip()
    found.institution_id = institution(db, name, actor=actor).id if name else None
    db.add(found)
    db.flush()
    record(
        db,
        chain=RECORDS,
        action="judge.pooled",
        subject=f"user:{user.id}",
        actor=actor,
        payload={"user": user.username, "institution": name},
    )
    return found


def declare_conflict(
    db: Session, *, user_id: int, institution_name: str, id_number: str, reason: str, actor: Actor
) -> JudgeConflict:
    """回避申报: a judge (or an admin for them) declares a conflict with an institution or with a
    person, by ID number. It is never deleted."""
    if db.get(Judge, user_id) is None:
        raise not_found("评委", "judge")
    problems = []
    name, number = institution_name.strip(), id_number.strip()
    if bool(name) == bool(number):
        problems.append(
            Problem(
                "one_subject",
                "请填写回避的机构或人员身份证号（二选一）",
                "give an institution or an ID number",
                "institution",
            )
        )
    if number:
        parsed = parse_id_number(number, today=clock.now().date())
        if isinstance(parsed, IdNumber):
            number = parsed.value
        else:
            problems.append(Problem(parsed.code, parsed.zh, parsed.en, "id_number"))
    if len(reason.strip()) < 2:
        problems.append(Problem("reason_required", "请写明回避理由", "give the reason", "reason"))
    if problems:
        raise invalid(problems)
    made = JudgeConflict(
        user_id=user_id,
        institution_id=institution(db, name, actor=actor).id if name else None,
        id_number=number,
        reason=reason.strip(),
        declared_by=actor.name,
        declared_at=clock.now(),
    )
    db.add(made)
    db.flush()
    record(
        db,
        chain=RECORDS,
        action="judge.conflict_declared",
        subject=f"user:{user_id}",
        actor=actor,
        payload={"institution": name, "id_number": number, "reason": made.reason},
    )
    return made


def pool(db: Session) -> list[tuple[User, Judge, Institution | None, list[JudgeConflict]]]:
    conflicts = defaultdict(list)
    for conflict in db.scalars(select(JudgeConflict).order_by(JudgeConflict.id)):
        conflicts[conflict.user_id].append(conflict)
    return [
        (user, judge, found, conflicts[user.id])
        for user, judge, found in db.execute(
            select(User, Judge, Institution)
            .join(Judge, Judge.user_id == User.id)
            .outerjoin(Institution, Judge.institution_id == Institution.id)
            .order_by(User.id)
        )
    ]


@dataclass(frozen=True)
class Examinee:
    """What recusal needs to know of a candidate of an assessment."""

    entry_id: int
    name: str
    id_number: str
    institutions: frozenset[int]


def examinees(db: Session, assessment: Assessment, plan: AssessmentPlan) -> list[Examinee]:
    """Each candidate with their institutions: their own, those that trained them in the plan's
    category (or a computer exam's), and those named on their rosters for the computer exams."""
    exams = [p.exam_id for p in parts_of(plan) if p.exam_id is not None]
    categories = {plan.category, *db.scalars(select(Exam.category).where(Exam.id.in_(exams)))}
    found = []
    for entry, candidate in db.execute(
        select(AssessmentEntry, Candidate)
        .join(Candidate, AssessmentEntry.candidate_id == Candidate.id)
        .where(AssessmentEntry.assessment_id == assessment.id)
        .order_by(AssessmentEntry.id)
    ):
        trained = db.scalars(
            select(Training.institution_id).where(
                Training.candidate_id == candidate.id, Training.category.in_(categories)
            )
        )
        named = db.scalars(
            select(Registration.institution_id)
            .join(Sitting, Registration.sitting_id == Sitting.id)
            .where(Registration.candidate_id == candidate.id, Sitting.exam_id.in_(exams))
        )
        ids = {i for i in (entry.institution_id, *trained, *named) if i is not None}
        found.append(Examinee(entry.id, candidate.name, candidate.id_number, frozenset(ids)))
    return found


@dataclass(frozen=True)
class JudgeFacts:
    user: User
    institution_id: int | None
    conflicts: tuple[JudgeConflict, ...]
    pooled: bool


def judge_facts(db: Session, user: User) -> JudgeFacts:
    judge = db.get(Judge, user.id)
    conflicts = tuple(db.scalars(select(JudgeConflict).where(JudgeConflict.user_id == user.id)))
    return JudgeFacts(user, judge.institution_id if judge else None, conflicts, judge is not None)


def reasons_against(facts: JudgeFacts, examinee: Examinee) -> list[Reason]:
    """Why this judge may not judge this candidate; empty when they may."""
    found = []
    if facts.institution_id is not None and facts.institution_id in examinee.institutions:
        found.append(
            Reason(
                "same_institution",
                f"与考生{examinee.name}同属或培训过该考生的机构",
                f"of an institution of candidate {examinee.name}",
            )
        )
    for conflict in facts.conflicts:
        if conflict.institution_id is not None and conflict.institution_id in examinee.institutions:
            found.append(
                Reason(
                    "declared_institution",
                    f"申报回避的机构与考生{examinee.name}有关",
                    f"declared a conflict with an institution of candidate {examinee.name}",
                )
            )
        if conflict.id_number and conflict.id_number == examinee.id_number:
            found.append(
                Reason(
                    "declared_person",
                    f"申报与考生{examinee.name}回避",
                    f"declared a conflict with candidate {examinee.name}",
                )
            )
    return found


def judge_reasons(*, facts: JudgeFacts, examinees: list[Examinee]) -> list[Reason]:
    """Why this person may not sit on the panel of an assessment with these candidates."""
    found = []
    if facts.user.disabled:
        found.append(Reason("disabled", "账号已停用", "the account is disabled"))
    if facts.user.role != "judge":
        found.append(Reason("wrong_role", "此人的角色不是评委", "this person is not a judge"))
    if not facts.pooled:
        found.append(Reason("not_in_pool", "此人不在评委库中", "this person is not in the judge pool"))
    for examinee in examinees:
        found += reasons_against(facts, examinee)
    return found


def chief_reasons(db: Session, *, user: User, examinees: list[Examinee]) -> list[Reason]:
    """Why this person may not be the assessment's chief examiner (教考分离, as for a sitting)."""
    found = []
    if user.disabled:
        found.append(Reason("disabled", "账号已停用", "the account is disabled"))
    if user.role != "chief_examiner":
        found.append(Reason("wrong_role", "此人的角色不是主考官", "this person is not a chief examiner"))
    member = db.get(StaffMember, user.id)
    if member is not None and member.trainer:
        found.append(Reason("trainer", "此人是培训教师，不得主持考核（教考分离）", "a trainer may not examine"))
    if member is not None and member.institution_id is not None:
        for examinee in examinees:
            if member.institution_id in examinee.institutions:
                found.append(
                    Reason(
                        "same_institution",
                        f"与考生{examinee.name}同属或培训过该考生的机构（教考分离）",
                        f"of an institution of candidate {examinee.name}",
                    )
                )
    return found


def members(db: Session, assessment_id: int) -> list[tuple[PanelMember, User]]:
    """The panel as it stands (judges recused from the whole panel left out)."""
    return [
        (m, u)
        for m, u in db.execute(
            select(PanelMember, User)
            .join(User, PanelMember.user_id == User.id)
            .where(PanelMember.assessment_id == assessment_id, PanelMember.removed_at.is_(None))
            .order_by(PanelMember.id)
        )
    ]


def draw(db: Session, *, assessment: Assessment, plan: AssessmentPlan, actor: Actor) -> list[PanelMember]:
    """Fill the panel to its size at random from the judges who may judge every candidate. A
    judge once on this panel (and recused) is not drawn again."""
    people = examinees(db, assessment, plan)
    if not people:
        raise Conflict(
            "no_candidates",
            "请先添加考生，再抽取评委（以便回避）",
            "add the candidates first, so that recusal can apply",
        )
    missing = assessment.panel_size - len(members(db, assessment.id))
    if missing <= 0:
        raise Conflict("panel_full", "评委组已满", "the panel is full")
    taken = set(db.scalars(select(PanelMember.user_id).where(PanelMember.assessment_id == assessment.id)))
    eligible: list[User] = []
    excluded: dict[str, list[str]] = {}
    for user in db.scalars(select(User).join(Judge, Judge.user_id == User.id).order_by(User.id)):
        if user.id in taken:
            continue
        reasons = judge_reasons(facts=judge_facts(db, user), examinees=people)
        if reasons:
            excluded[user.username] = sorted({r.code for r in reasons})
        else:
            eligible.append(user)
    if len(eligible) < missing:
        raise Conflict(
            "pool_short",
            f"评委库中没有足够的评委可抽取：需要{missing}人，无回避关系的只有{len(eligible)}人",
            f"the pool has {len(eligible)} eligible judges, {missing} needed",
        )
    chosen = secrets.SystemRandom().sample(eligible, missing)
    made = [PanelMember(assessment_id=assessment.id, user_id=user.id, drawn_at=clock.now()) for user in chosen]
    db.add_all(made)
    db.flush()
    record(
        db,
        chain=assessment.chain,
        action="panel.drawn",
        subject=f"assessment:{assessment.id}",
        actor=actor,
        payload={
            "drawn": sorted(user.username for user in chosen),
            "eligible": [user.username for user in eligible],
            "excluded": excluded,
            "panel_size": assessment.panel_size,
        },
    )
    return made
