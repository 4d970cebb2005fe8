"""The sitting record (考场记录): who sat where and how it ended, the incidents, misconduct
decisions and patrols, the staff, the proctors' remarks, and the deadline to publish results."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import User
from examhall.delivery import supervision
from examhall.delivery.models import Attempt
from examhall.grading.access import ends_at, not_sealed, sitting_of
from examhall.grading.models import Publication, SittingRecord
from examhall.proctoring import service as proctoring
from examhall.proctoring.models import Incident, Inspection, MisconductCase
from examhall.sittings.models import Assignment, Exam, Room, Site, Sitting
from examhall.trace.models import Seal
from examhall.trace.sealing import seal_of
from examhall.trace.service import Actor, record

WORKING_DAYS_TO_PUBLISH = 10


@dataclass
class Present:
    seat: int
    ticket: str
    name: str
    attempt: Attempt | None
    over: bool  # the sitting's time is over (or it is sealed): whoever has not started is absent

    @property
    def absent(self) -> bool:
        return self.over and (self.attempt is None or self.attempt.started_at is None)

    @property
    def status(self) -> str:
        attempt = self.attempt
        if attempt is None or attempt.logged_in_at is None:
            return "缺考" if self.over else "未到考"
        if attempt.state in ("waiting", "authorized"):
            if self.over:
                return "缺考（已登录，未开考）"
            return "已登录，待监考员授权" if attempt.state == "waiting" else "已授权，待开考"
        if attempt.state == "in_progress":
            return "答题中"
        if attempt.state == "ended":
            return "经主考官确认违纪终止，成绩无效"
        return "已交卷（时间到自动交卷）" if attempt.submitted_by == "time_up" else "已交卷"


@dataclass
class RecordView:
    sitting: Sitting
    exam: Exam
    room: Room
    site: Site
    candidates: list[Present]
    incidents: list[Incident]
    cases: list[MisconductCase]
    inspections: list[Inspection]
    staff: list[tuple[str, str]]  # role, name
    record: SittingRecord | None
    seal: Seal | None
    publication: Publication | None
    deadline: date
    deadline_state: str  # ok, near, past, published
    over: bool
    seats: dict[int, tuple[int, str]]  # attempt id: seat and name, to say whom an incident concerns

    @property
    def absent(self) -> int:
        return sum(1 for c in self.candidates if c.absent)

    def count(self, *states: str) -> int:
        return sum(1 for c in self.candidates if c.attempt is not None and c.attempt.state in states)

    @property
    def waited(self) -> int:
        """Logged in but never started: absent, once the sitting is over."""
        return self.count("waiting", "authorized")


def publish_by(held: date) -> date:
    """10 working days after the sitting (weekends skipped; public holidays are not known here)."""
    day, left = held, WORKING_DAYS_TO_PUBLISH
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def record_of(db: Session, sitting_id: int, *, timezone: str) -> RecordView:
    sitting = sitting_of(db, sitting_id)
    exam, room, site = db.get(Exam, sitting.exam_id), db.get(Room, sitting.room_id), db.get(Site, sitting.site_id)
    assert exam is not None and room is not None and site is not None
    staff = [
        (role, name)
        for role, name in db.execute(
            select(Assignment.role, User.display_name)
            .join(User, Assignment.user_id == User.id)
            .where(Assignment.sitting_id == sitting.id)
            .order_by(Assignment.role)
        )
    ]
    publication = db.get(Publication, sitting.id)
    deadline = publish_by(clock.local_date(sitting.starts_at, timezone))
    today = clock.local_date(clock.now(), timezone)
    state = (
        "published" if publication else "past" if today > deadline else "near" if (deadline - today).days <= 3 else "ok"
    )
    over = sitting.state == "sealed" or clock.now() >= ends_at(db, sitting)
    seated = supervision.room_attempts(db, sitting.id)
    return RecordView(
        sitting,
        exam,
        room,
        site,
        [Present(r.seat or 0, r.ticket or "", c.name, a, over) for r, c, a in seated],
        proctoring.incidents(db, sitting.id),
        proctoring.cases(db, sitting.id),
        proctoring.inspections(db, sitting.id),
        staff,
        db.get(SittingRecord, sitting.id),
        seal_of(db, sitting.chain),
        publication,
        deadline,
        state,
        over,
        {a.id: (r.seat or 0, c.name) for r, c, a in seated if a is not None},
    )


def file_record(db: Session, *, sitting_id: int, remarks: str, actor: Actor) -> SittingRecord:
    """Proctors write the sitting record's remarks (again, until it is sealed)."""
    sitting = sitting_of(db, sitting_id)
    not_sealed(sitting)
    found = db.get(SittingRecord, sitting.id) or SittingRecord(sitting_id=sitting.id)
    found.remarks, found.filed_by, found.filed_at = remarks.strip(), actor.name, clock.now()
    found.reviewed_by, found.reviewed_at = "", None
    db.add(found)
    record(
        db,
        chain=sitting.chain,
        action="record.filed",
        subject=f"sitting:{sitting.id}",
        actor=actor,
        payload={"remarks": found.remarks},
    )
    return found
