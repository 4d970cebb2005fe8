"""The demo's past and future, so that every page has something to show: a sitting held three
days ago (candidates answered, one was warned, one ended for misconduct, one was absent; sealed,
published, and an appeal waiting for the chief examiner's confirmation), a sitting tomorrow that
waits to be opened, and a teacher assessment being scored by its judges. Each is made through the
services, with the clock set to when it happened, and only when it is missing."""

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import User
from examhall.accounts.service import Throttle
from examhall.assessments import judging, plans
from examhall.assessments import service as assessments
from examhall.assessments.models import Assessment, AssessmentEntry
from examhall.banks.items import LABELS
from examhall.delivery import admission, answering, submitting, supervision
from examhall.delivery import service as delivery
from examhall.grading import appeals, record, sealing
from examhall.grading import service as grading
from examhall.papers import service as papers
from examhall.papers.scoring import shown_key
from examhall.proctoring import service as proctoring
from examhall.sittings import service as sittings
from examhall.sittings import staffing
from examhall.sittings.identity import check_character
from examhall.sittings.models import Candidate, Exam, Registration, Room, Sitting
from examhall.trace.service import Actor

HELD = [  # name, birth date, male, share of items answered right
    ("郑晓东", date(1983, 4, 2), True, 0.95),
    ("王丽华", date(1991, 8, 15), False, 0.62),
    ("冯志强", date(1987, 2, 20), True, 0.88),
    ("陈秀兰", date(1993, 12, 1), False, 0.9),
    ("褚明亮", date(1980, 5, 5), True, 0.0),  # never comes
]
NEXT = [("卫国平", date(1986, 10, 8), True), ("蒋桂芳", date(1994, 3, 27), False), ("沈建军", date(1979, 7, 14), True)]
TEACHER_PLAN = "师资考核（试讲，演示）"
ROOM_60 = "第二考场"


def _person_id(born: date, order: int, male: bool) -> str:
    first17 = f"140106{born:%Y%m%d}{order * 2 + (1 if male else 0):03d}"
    return first17 + check_character(first17)


def _roster(people: list[tuple[str, date, bool]], first: int) -> bytes:
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["姓名", "身份证号", "性别", "企业", "培训机构", "工种/类别", "手机", "培训学时"])
    for order, (name, born, male) in enumerate(people, first):
        number = _person_id(born, order, male)
        writer.writerow(
            [name, number, "男" if male else "女", "潞安化工集团", "晋安安全培训学校", "煤矿安全检查作业", "", 72]
        )
    return rows.getvalue().encode()


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """The clock at `moment` for a while, then as it was (running, or pinned by a test)."""
    before = clock.frozen()
    clock.freeze(moment)
    try:
        yield
    finally:
        clock.freeze(before)


def _user(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return user


def _staffed(db: Session, sitting: Sitting, actor: Actor) -> None:
    for username, role in (("chief", "chief_examiner"), ("proctor1", "proctor"), ("proctor2", "proctor")):
        staffing.assign(db, sitting_id=sitting.id, user_id=_user(db, username).id, role=role, actor=actor)


def _id_number(db: Session, registration: Registration) -> str:
    candidate = db.get(Candidate, registration.candidate_id)
    assert candidate is not None
    return candidate.id_number


def _as(db: Session, username: str) -> Actor:
    user = _user(db, username)
    return Actor(user.username, user.role, "10.0.0.2")


def _response(view: papers.PaperView, n: int, right: bool) -> Any:
    version, _, order = view.choices[n - 1]
    if version.type == "true_false":
        return bool(version.answer) if right else not version.answer
    key = sorted(shown_key(version.answer, order))
    if version.type in ("single_choice", "multiple_choice"):
        wrong = [i for i in range(len(version.options)) if i not in key][:1]
        return "".join(LABELS[i] for i in (key if right else wrong))
    return [str(accepted[0]) if right else "" for accepted in version.answer]


def held_sitting(db: Session, *, exam: Exam, room: Room, actor: Actor, timezone: str) -> Sitting:
    """Three days ago, 09:00: held, sealed, published; an appeal proposed, waiting for the chief."""
    zone = ZoneInfo(timezone)
    day = clock.local_date(clock.now(), timezone) - timedelta(days=3)
    starts = datetime.combine(day, time(9, 0), zone)
    found = db.scalar(select(Sitting).where(Sitting.exam_id == exam.id, Sitting.starts_at == starts))
    if found is not None:
        return found
    with _at(starts - timedelta(hours=20)):
        sitting = sittings.schedule(
            db, exam_id=exam.id, room_id=room.id, starts_at=starts, actor=actor, timezone=timezone
        )
        people = [(name, born, male) for name, born, male, _ in HELD]
        data = _roster(people, 1)
        sittings.import_roster(
            db, sitting_id=sitting.id, filename="演示名单（已考）.csv", data=data, actor=actor, timezone=timezone
        )
        sittings.assign_seats(db, sitting_id=sitting.id, mode="ordered", actor=actor)
        _staffed(db, sitting, actor)
        sittings.open_sitting(db, sitting_id=sitting.id, actor=actor, timezone=timezone)
    seated = list(
        db.scalars(select(Registration).where(Registration.sitting_id == sitting.id).order_by(Registration.seat))
    )
    proctor, chief = _as(db, "proctor1"), _as(db, "chief")
    attempts = []
    with _at(starts - timedelta(minutes=10)):
        for registration, (_, _, _, share) in zip(seated, HELD, strict=True):
            if share == 0:
                continue
            login = admission.log_in(
                db,
                ticket=registration.ticket or "",
                id_number=_id_number(db, registration),
                code="",
                client="10.0.1.9",
                throttle=Throttle(),
            )
            attempts.append((login.attempt, share, registration.ticket or ""))
        supervision.authorize(db, sitting=sitting, attempt_ids=None, actor=proctor)
    for k, (attempt, _, ticket) in enumerate(attempts):
        with _at(starts + timedelta(minutes=k)):
            delivery.start(db, attempt=attempt, actor=Actor(ticket, "candidate", f"10.0.1.{10 + k}"))
    for k, (attempt, share, ticket) in enumerate(attempts):
        view = papers.paper_view(db, attempt.paper_id)
        candidate = Actor(ticket, "candidate", f"10.0.1.{10 + k}")
        for n in range(1, len(view.items) + 1):
            with _at(starts + timedelta(minutes=5 + n // 2, seconds=k)):
                right = (n * 37 + k * 11) % 100 < share * 100
                entry = answering.Entry(seq=n, n=n, response=_response(view, n, right), has_response=True)
                answering.save(
                    db,
                    attempt_id=attempt.id,
                    registration_id=attempt.registration_id,
                    generation=attempt.generation,
                    entries=[entry],
                    actor=candidate,
                )
    warned, ended = attempts[1][0], attempts[3][0]
    with _at(starts + timedelta(minutes=40)):
        proctoring.warn(db, sitting=sitting, attempt_id=warned.id, note="东张西望，已口头警告", actor=proctor)
        case = proctoring.propose_misconduct(
            db, sitting=sitting, attempt_id=ended.id, facts="考试中使用手机查阅资料，已暂扣手机", actor=proctor
        )
    with _at(starts + timedelta(minutes=44)):
        proctoring.decide_misconduct(
            db,
            sitting=sitting,
            case_id=case.id,
            confirm=True,
            note="事实清楚，终止考试",
            actor=chief,
            user_id=_user(db, "chief").id,
        )
    with _at(starts + timedelta(minutes=95)):
        submitting.submit(
            db, attempt=attempts[0][0], by="candidate", actor=Actor(attempts[0][2], "candidate", "10.0.1.10")
        )
    with _at(starts + timedelta(minutes=125)):  # every deadline passed: the others are submitted by time-up
        submitting.sweep(db)
        proctoring.inspect(db, sitting_id=sitting.id, note="考场秩序良好，监考到位", actor=_as(db, "inspector"))
    with _at(starts + timedelta(minutes=130)):
        record.file_record(
            db, sitting_id=sitting.id, remarks="考试按时进行；一名考生违纪，已按规定处理。", actor=proctor
        )
        sealing.seal(db, sitting_id=sitting.id, actor=chief, user_id=_user(db, "chief").id)
    with _at(starts + timedelta(days=1, hours=1)):
        grading.publish(db, sitting_id=sitting.id, actor=_as(db, "admin"), timezone=timezone)
    appellant = seated[1]
    with _at(starts + timedelta(days=2)):
        appeal = appeals.file_appeal(
            db,
            ticket=appellant.ticket or "",
            id_number=_id_number(db, appellant),
            reason="对判断题第12题的评分有异议，申请复核",
            client="10.0.9.1",
            throttle=Throttle(),
        )
        appeals.regrade(db, appeal_id=appeal.id, actor=_as(db, "admin"))
        appeals.propose(
            db, appeal_id=appeal.id, score=None, note="经按留痕重新评分，成绩无误，维持原成绩", actor=_as(db, "admin")
        )
    return sitting


def next_sitting(db: Session, *, exam: Exam, room: Room, actor: Actor, timezone: str) -> Sitting:
    """Tomorrow at 09:00 in the 60-seat room: roster, seats and staff done, waiting to be opened."""
    zone = ZoneInfo(timezone)
    starts = datetime.combine(clock.local_date(clock.now(), timezone) + timedelta(days=1), time(9, 0), zone)
    found = db.scalar(select(Sitting).where(Sitting.exam_id == exam.id, Sitting.starts_at == starts))
    if found is not None:
        return found
    sitting = sittings.schedule(db, exam_id=exam.id, room_id=room.id, starts_at=starts, actor=actor, timezone=timezone)
    sittings.import_roster(
        db,
        sitting_id=sitting.id,
        filename="演示名单（明日）.csv",
        data=_roster(NEXT, 11),
        actor=actor,
        timezone=timezone,
    )
    sittings.assign_seats(db, sitting_id=sitting.id, mode="random", actor=actor)
    _staffed(db, sitting, actor)
    return sitting


def assessment_being_scored(db: Session, *, exam: Exam, actor: Actor, timezone: str) -> Assessment:
    """A teacher assessment today: two teachers, a panel of three judges; one judge has scored."""
    found = db.scalar(select(Assessment).where(Assessment.name == TEACHER_PLAN))
    if found is not None:
        return found
    plan = plans.create_plan(
        db,
        draft=plans.preset("teacher", plan_name=TEACHER_PLAN, category="煤矿安全培训", exam_id=exam.id),
        actor=actor,
    )
    made = assessments.create(
        db,
        plan_id=plan.id,
        name=TEACHER_PLAN,
        held_on=clock.local_date(clock.now(), timezone),
        venue="太原市安全培训考试中心 第三会议室",
        panel_size=3,
        actor=actor,
        timezone=timezone,
    )
    for (_, born, male, _), order in zip(HELD[:2], (1, 2), strict=True):
        assessments.add_candidate(
            db,
            assessment_id=made.id,
            id_number=_person_id(born, order, male),
            institution_name="晋安安全培训学校",
            actor=actor,
            timezone=timezone,
        )
    assessments.assign_chief(db, assessment_id=made.id, user_id=_user(db, "chief").id, actor=actor)
    assessments.draw_panel(db, assessment_id=made.id, actor=actor)
    assessments.open_assessment(db, assessment_id=made.id, actor=actor)
    judge = _user(db, "judge1")
    marks = {"accuracy": "26", "practice": "17", "cases": "16", "delivery": "17", "timing": "9"}
    entry_id = db.scalar(
        select(AssessmentEntry.id).where(AssessmentEntry.assessment_id == made.id).order_by(AssessmentEntry.id)
    )
    assert entry_id is not None
    judging.submit(
        db,
        assessment_id=made.id,
        entry_id=entry_id,
        part_key="lecture",
        marks={k: Decimal(v) for k, v in marks.items()},
        user_id=judge.id,
        actor=Actor(judge.username, judge.role, "10.0.2.1"),
    )
    return made
