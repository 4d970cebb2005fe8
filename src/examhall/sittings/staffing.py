"""Exam staff under 教考分离: a pool of proctors and chief examiners, drawn at random per sitting,
never a trainer and never anyone from an institution that trained a candidate of the sitting.
An admin assigning by hand is refused for the same reasons; a draw that cannot be filled says
who was left out and why. A sitting that has ended (or is sealed) keeps no one busy. Staff see
an assignment only from the day of its sitting."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import User
from examhall.errors import Conflict, Invalid, Problem, invalid
from examhall.sittings.models import (
    Assignment,
    Exam,
    Institution,
    Registration,
    Room,
    Sitting,
    StaffMember,
    Training,
)
from examhall.sittings.service import RECORDS, editable, get
from examhall.trace.service import Actor, record

STAFF_ROLES = {"proctor": "监考员", "chief_examiner": "主考官"}
PROCTORS_PER_ROOM = 2
# A sitting in these states is over: its staff are free for another one at the same time.
OVER = ("ended", "sealed")
# How a draw's refusal counts the people it left out, one reason each, the first that applies.
EXCLUDED_ZH = {
    "disabled": ("账号已停用", "the account is disabled"),
    "trainer": ("是培训教师（教考分离）", "trainers (教考分离)"),
    "own_trainees": ("所在培训机构与本场考生的培训机构相同（教考分离）", "from an institution that trained candidates"),
    "busy": ("同一时间在其他场次任职", "serving another sitting at the same time"),
    "not_in_pool": ("有账号但未加入考务人员库", "accounts not in the staff pool"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str


def add_to_pool(db: Session, *, user_id: int, institution_id: int | None, trainer: bool, actor: Actor) -> StaffMember:
    user = get(db, User, user_id, "用户", "user")
    if user.role not in STAFF_ROLES:
        raise Invalid(
            "not_staff_role",
            "只有监考员和主考官可以进入考务人员库",
            "only proctors and chief examiners join the staff pool",
        )
    if institution_id is not None:
        get(db, Institution, institution_id, "培训机构", "institution")
    member = db.get(StaffMember, user_id) or StaffMember(user_id=user_id)
    member.institution_id, member.trainer = institution_id, trainer
    db.add(member)
    db.flush()
    record(
        db,
        chain=RECORDS,
        action="staff.pooled",
        subject=f"user:{user_id}",
        actor=actor,
        payload={"institution": institution_id, "trainer": trainer},
    )
    return member


def _window(db: Session, sitting: Sitting) -> tuple[object, object]:
    exam = get(db, Exam, sitting.exam_id, "考试", "exam")
    return sitting.starts_at, sitting.starts_at + timedelta(minutes=exam.duration_minutes + 60)


def training_institutions(db: Session, sitting: Sitting) -> set[int]:
    """Institutions that trained any candidate of the sitting (in its category)."""
    exam = get(db, Exam, sitting.exam_id, "考试", "exam")
    roster = select(Registration.candidate_id).where(Registration.sitting_id == sitting.id)
    named = db.scalars(select(Registration.institution_id).where(Registration.sitting_id == sitting.id))
    trained = db.scalars(
        select(Training.institution_id).where(Training.candidate_id.in_(roster), Training.category == exam.category)
    )
    return {i for i in (*named, *trained) if i is not None}


def conflicts(db: Session, *, sitting: Sitting, user: User, role: str) -> list[Reason]:
    """Why this person may not serve this sitting in this role; empty when they may."""
    found = []
    member = db.get(StaffMember, user.id)
    if user.disabled:
        found.append(Reason("disabled", "账号已停用", "the account is disabled"))
    if user.role != role:
        found.append(Reason("wrong_role", f"此人的角色不是{STAFF_ROLES[role]}", f"this person is not a {role}"))
    if member is None:
        found.append(Reason("not_in_pool", "此人不在考务人员库中", "this person is not in the staff pool"))
    elif member.trainer:
        found.append(
            Reason(
                "trainer",
                "此人是培训教师，不得参与考试工作（教考分离）",
                "this person is a trainer and may not examine (教考分离)",
            )
        )
    elif member.institution_id is not None and member.institution_id in training_institutions(db, sitting):
        name = db.get(Institution, member.institution_id)
        found.append(
            Reason(
                "own_trainees",
                f"此人所在的培训机构“{name.name if name else ''}”培训了本场考生（教考分离）",
                "this person's institution trained candidates of this sitting (教考分离)",
            )
        )
    start, end = _window(db, sitting)
    for other in db.scalars(
        select(Sitting)
        .join(Assignment, Assignment.sitting_id == Sitting.id)
        .where(Assignment.user_id == user.id, Sitting.id != sitting.id, Sitting.state.not_in(OVER))
    ):
        other_start, other_end = _window(db, other)
        if other_start < end and start < other_end:  # type: ignore[operator]
            found.append(
                Reason(
                    "busy",
                    f"此人同一时间已在{sitting_name(db, other)}任职",
                    f"already serving sitting {other.id} then",
                )
            )
    return found


def sitting_name(db: Session, sitting: Sitting) -> str:
    """A sitting as an admin knows it: its exam and room, not its number."""
    exam, room = db.get(Exam, sitting.exam_id), db.get(Room, sitting.room_id)
    return f"“{exam.name if exam else ''}（{room.name if room else ''}）”场次"


def _add(db: Session, sitting: Sitting, user: User, role: str, by: str, actor: Actor) -> Assignment:
    assignment = Assignment(sitting_id=sitting.id, user_id=user.id, role=role, assigned_by=by, created_at=clock.now())
    db.add(assignment)
    db.flush()
    record(
        db,
        chain=sitting.chain,
        action="staff.assigned",
        subject=f"user:{user.id}",
        actor=actor,
        payload={"user": user.username, "role": role, "by": by},
    )
    return assignment


def assign(db: Session, *, sitting_id: int, user_id: int, role: str, actor: Actor) -> Assignment:
    """An admin assigns someone by hand; a conflicted assignment is refused with its reasons."""
    sitting = get(db, Sitting, sitting_id, "场次", "sitting")
    editable(sitting)
    user = get(db, User, user_id, "用户", "user")
    if role not in STAFF_ROLES:
        raise Invalid("bad_role", "角色应为监考员或主考官", "the role is proctor or chief_examiner")
    if db.scalar(select(Assignment.id).where(Assignment.sitting_id == sitting.id, Assignment.user_id == user.id)):
        raise Conflict("already_assigned", "此人已在本场次任职", "already assigned to this sitting")
    if role == "chief_examiner" and _assigned(db, sitting, role):
        raise Conflict("has_chief", "本场次已有主考官", "the sitting has a chief examiner")
    if reasons := conflicts(db, sitting=sitting, user=user, role=role):
        raise invalid(
            [Problem(r.code, r.zh, r.en, user.display_name or user.username) for r in reasons],
            zh=f"不能安排{user.display_name or user.username}",
            en=f"{user.username} cannot be assigned",
        )
    return _add(db, sitting, user, role, actor.name, actor)


def _assigned(db: Session, sitting: Sitting, role: str) -> list[Assignment]:
    return list(db.scalars(select(Assignment).where(Assignment.sitting_id == sitting.id, Assignment.role == role)))


def draw(db: Session, *, sitting_id: int, actor: Actor) -> list[Assignment]:
    """Fill the sitting's staff at random from the pool: 2 proctors and 1 chief examiner. When
    the pool cannot fill a role, nothing is drawn and the refusal counts who was left out, by
    reason, with their names."""
    sitting = get(db, Sitting, sitting_id, "场次", "sitting")
    editable(sitting)
    pick = secrets.SystemRandom()
    made = []
    for role, wanted in (("chief_examiner", 1), ("proctor", PROCTORS_PER_ROOM)):
        missing = wanted - len(_assigned(db, sitting, role))
        if missing <= 0:
            continue
        taken = set(db.scalars(select(Assignment.user_id).where(Assignment.sitting_id == sitting.id)))
        candidates: list[User] = []
        left_out: dict[str, list[User]] = {code: [] for code in EXCLUDED_ZH}
        for user in db.scalars(select(User).where(User.role == role).order_by(User.id)):
            if user.id in taken:
                continue
            reasons = conflicts(db, sitting=sitting, user=user, role=role)
            if reasons:
                left_out[reasons[0].code].append(user)
            else:
                candidates.append(user)
        if len(candidates) < missing:
            raise _short(role, missing, candidates, left_out)
        made += [_add(db, sitting, user, role, "draw", actor) for user in pick.sample(candidates, missing)]
    return made


def _short(role: str, missing: int, candidates: list[User], left_out: dict[str, list[User]]) -> Conflict:
    name = STAFF_ROLES[role]
    problems = [
        Problem(
            code,
            f"{EXCLUDED_ZH[code][0]}：{len(users)}人（{'、'.join(u.display_name or u.username for u in users)}）",
            f"{EXCLUDED_ZH[code][1]}: {len(users)}",
            name,
        )
        for code, users in left_out.items()
        if users
    ]
    if not problems:
        problems.append(
            Problem("pool_empty", "人员库中没有此角色的人员，请先在考务人员库中加入", "no one of this role", name)
        )
    return Conflict(
        "pool_short",
        f"考务人员库中没有足够的{name}可抽取：需要{missing}人，符合条件的只有{len(candidates)}人。"
        "以下人员未参加抽取（按原因计），本次未抽取任何人",
        f"the pool has {len(candidates)} eligible {role}s, {missing} needed",
        problems,
    )


def staff_of(db: Session, sitting_id: int) -> list[tuple[Assignment, User]]:
    return [
        (a, u)
        for a, u in db.execute(
            select(Assignment, User)
            .join(User, Assignment.user_id == User.id)
            .where(Assignment.sitting_id == sitting_id)
            .order_by(Assignment.role)
        )
    ]


def my_sittings(db: Session, *, user_id: int, today: date, timezone: str) -> list[tuple[Sitting, str]]:
    """The sittings a staff member serves, each with the role, shown only from the sitting's day."""
    rows = db.execute(
        select(Sitting, Assignment.role)
        .join(Assignment, Assignment.sitting_id == Sitting.id)
        .where(Assignment.user_id == user_id)
        .order_by(Sitting.starts_at)
    )
    return [(s, role) for s, role in rows if clock.local_date(s.starts_at, timezone) <= today]
