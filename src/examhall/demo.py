"""Demo data for trying examhall out: loaded by `examhall demo`, idempotent. Staff logins, the
shipped banks, and a sitting of the special-operations exam starting now, open with its papers
drawn, whose candidates can log in at /exam."""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock, demo_certificates, demo_oversight, demo_spotchecks
from examhall import demo_history as history
from examhall.accounts import service as accounts
from examhall.accounts.models import ROLE_NAMES_ZH, User
from examhall.assessments import panels
from examhall.assessments.models import Judge
from examhall.banks import service as banks
from examhall.sittings import service as sittings
from examhall.sittings import staffing
from examhall.sittings.identity import check_character
from examhall.sittings.models import Exam, Room, Site, Sitting, StaffMember
from examhall.trace.service import Actor


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str
    display_name: str


STAFF = [
    Login("admin", "admin-demo", "admin", "王管理"),
    Login("admin2", "admin2-demo", "admin", "周复核"),  # the second of the two a certificate decision takes
    Login("chief", "chief-demo", "chief_examiner", "李主考"),
    Login("proctor1", "proctor1-demo", "proctor", "张监考"),
    Login("proctor2", "proctor2-demo", "proctor", "赵监考"),
    Login("inspector", "inspector-demo", "inspector", "刘巡考"),
    Login("judge1", "judge1-demo", "judge", "陈评委"),
    Login("judge2", "judge2-demo", "judge", "韩评委"),
    Login("judge3", "judge3-demo", "judge", "杨评委"),
    Login("trainer", "trainer-demo", "trainer", "孙老师"),
    Login("officer1", "officer1-demo", "officer", "钱执法"),
    Login("officer2", "officer2-demo", "officer", "孙执法"),
]
EXAM = "煤矿安全检查作业 安全技术理论考试（演示）"
CANDIDATES = [
    ("赵大山", date(1985, 3, 12), True),
    ("钱小梅", date(1992, 7, 3), False),
    ("孙建国", date(1978, 11, 30), True),
    ("李红英", date(1990, 1, 25), False),
    ("周铁柱", date(1988, 6, 18), True),
    ("吴春生", date(1995, 9, 9), True),
]


def demo_id_number(born: date, order: int, male: bool) -> str:
    first17 = f"140105{born:%Y%m%d}{order * 2 + (1 if male else 0):03d}"
    return first17 + check_character(first17)


@dataclass(frozen=True)
class Seated:
    ticket: str
    id_number: str
    name: str


def load(db: Session, *, actor: Actor, timezone: str) -> tuple[list[Login], int, list[Seated]]:
    """Add whatever of the demo is missing; return the logins, the demo sitting and its candidates."""
    for login in STAFF:
        if db.scalar(select(User.id).where(User.username == login.username)) is None:
            accounts.add_user(
                db,
                username=login.username,
                role=login.role,
                password=login.password,
                display_name=login.display_name,
                actor=actor,
            )
    for path in sorted(banks.shipped_dir().glob("*.yaml")):
        data = path.read_bytes()
        check = banks.import_file(db, code=path.stem, filename=path.name, data=data, actor=actor, dry_run=True)
        if check.added or check.versioned:
            banks.import_file(db, code=path.stem, filename=path.name, data=data, actor=actor)
    sitting = _sitting(db, actor=actor, timezone=timezone)
    _history(db, sitting, actor=actor, timezone=timezone)
    seated = [Seated(r.ticket or "", c.id_number, c.name) for r, c in sittings.roster(db, sitting.id) if r.ticket]
    return STAFF, sitting.id, seated


def _history(db: Session, today: Sitting, *, actor: Actor, timezone: str) -> None:
    """What the demo did before today and what comes next: every state a page can show."""
    exam, room = db.get(Exam, today.exam_id), db.get(Room, today.room_id)
    assert exam is not None and room is not None
    larger = db.scalar(select(Room).where(Room.site_id == room.site_id, Room.name == history.ROOM_60))
    if larger is None:
        larger = sittings.add_room(db, site_id=room.site_id, name=history.ROOM_60, seats=60, columns=10, actor=actor)
    for login in STAFF:
        user = db.scalar(select(User).where(User.username == login.username))
        if user is not None and user.role == "judge" and db.get(Judge, user.id) is None:
            panels.add_judge(db, user_id=user.id, institution_name="山西省煤矿安全专家库", actor=actor)
    history.held_sitting(db, exam=exam, room=room, actor=actor, timezone=timezone)
    history.next_sitting(db, exam=exam, room=larger, actor=actor, timezone=timezone)
    history.assessment_being_scored(db, exam=exam, actor=actor, timezone=timezone)
    demo_oversight.load(db, site_id=today.site_id, actor=actor, timezone=timezone)
    demo_certificates.load(db, actor=actor, timezone=timezone)
    demo_spotchecks.load(db, actor=actor, timezone=timezone)  # quizzes holders of the certificates above


def _sitting(db: Session, *, actor: Actor, timezone: str) -> Sitting:
    """Today's demo sitting, arranged and opened when there is none yet."""
    site = db.scalar(select(Site).where(Site.area_code == "140105", Site.code == "01")) or sittings.add_site(
        db, area_code="140105", code="01", name="太原市安全培训考试中心", address="太原市小店区", actor=actor
    )
    room = db.scalar(select(Room).where(Room.site_id == site.id)) or sittings.add_room(
        db, site_id=site.id, name="第一考场", seats=30, columns=6, actor=actor
    )
    exam = db.scalar(select(Exam).where(Exam.name == EXAM)) or sittings.add_exam(
        db,
        name=EXAM,
        category="煤矿安全检查作业",
        blueprint_name="special_operations",
        bank_codes=["coal-safety-check"],
        required_hours=Decimal(72),
        actor=actor,
    )
    today = clock.local_date(clock.now(), timezone)
    latest = db.scalar(
        select(Sitting).where(Sitting.exam_id == exam.id, Sitting.room_id == room.id).order_by(Sitting.starts_at.desc())
    )
    if latest is not None and clock.local_date(latest.starts_at, timezone) >= today:
        return latest
    sitting = sittings.schedule(
        db,
        exam_id=exam.id,
        room_id=room.id,
        starts_at=clock.now() + timedelta(seconds=5),
        actor=actor,
        timezone=timezone,
    )
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["姓名", "身份证号", "性别", "企业", "培训机构", "工种/类别", "手机", "培训学时"])
    for order, (name, born, male) in enumerate(CANDIDATES, 1):
        writer.writerow(
            [
                name,
                demo_id_number(born, order, male),
                "男" if male else "女",
                "晋能控股煤业集团",
                "晋安安全培训学校",
                "煤矿安全检查作业",
                f"1380351{order:04d}",
                72 if order < 6 else 40,
            ]
        )
    sittings.import_roster(
        db,
        sitting_id=sitting.id,
        filename="演示名单.csv",
        data=rows.getvalue().encode(),
        actor=actor,
        timezone=timezone,
    )
    sittings.assign_seats(db, sitting_id=sitting.id, mode="ordered", actor=actor)
    centre = sittings.institution(db, "太原市安全培训考试中心", actor=actor)
    for login in STAFF:
        user = db.scalar(select(User).where(User.username == login.username))
        if user is not None and user.role in staffing.STAFF_ROLES and db.get(StaffMember, user.id) is None:
            staffing.add_to_pool(db, user_id=user.id, institution_id=centre.id, trainer=False, actor=actor)
    for username, role in (("chief", "chief_examiner"), ("proctor1", "proctor"), ("proctor2", "proctor")):
        user = db.scalar(select(User).where(User.username == username))
        assert user is not None
        staffing.assign(db, sitting_id=sitting.id, user_id=user.id, role=role, actor=actor)
    sittings.open_sitting(db, sitting_id=sitting.id, actor=actor, timezone=timezone)
    return sitting


def describe(logins: list[Login], sitting_id: int, seated: list[Seated]) -> str:
    lines = ["Demo logins (staff at http://127.0.0.1:8000/login):"]
    for login in logins:
        lines.append(f"  {login.username:<10} {login.password:<16} {login.role} ({ROLE_NAMES_ZH[login.role]})")
    lines.append(
        f"Demo sitting {sitting_id}: proctors authorize candidates at "
        f"http://127.0.0.1:8000/proctor/sittings/{sitting_id}"
    )
    lines.append("Demo candidates (log in at http://127.0.0.1:8000/exam with ticket number and ID number):")
    for person in seated:
        lines.append(f"  {person.ticket}  {person.id_number}  {person.name}")
    return "\n".join(lines)
