"""Sites, rooms, exams and sittings; eligibility review with overrides; seats and admission
tickets; opening a sitting (its papers drawn before candidates arrive). Every change is traced:
a sitting's on its own chain, the exam body's records on the "records" chain."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.errors import Conflict, Invalid, Problem, invalid, not_found
from examhall.papers import service as papers
from examhall.papers.models import Paper
from examhall.sittings.eligibility import Facts, refusals
from examhall.sittings.identity import PROVINCES
from examhall.sittings.models import (
    Assignment,
    Ban,
    Candidate,
    Certificate,
    Enterprise,
    Exam,
    ExamRecord,
    Institution,
    Registration,
    Room,
    Site,
    Sitting,
    Training,
)
from examhall.trace.service import Actor, record

T = TypeVar("T")
RECORDS = "records"  # the trace chain of sites, rooms, institutions, enterprises, exams and staff


def _need(problems: list[Problem]) -> None:
    if problems:
        raise invalid(problems)


# --- sites and rooms ------------------------------------------------------------------------------


def add_site(db: Session, *, area_code: str, code: str, name: str, actor: Actor, address: str = "") -> Site:
    problems = []
    if not re.fullmatch(r"\d{6}", area_code) or area_code[:2] not in PROVINCES:
        problems.append(
            Problem("bad_area", "地区代码应为6位行政区划代码", "the area code is a 6-digit division code", "area_code")
        )
    if not re.fullmatch(r"\d{2}", code) or code == "00":
        problems.append(
            Problem("bad_site_code", "考点代码应为01-99的两位数字", "a site code is two digits, 01-99", "code")
        )
    if not name.strip():
        problems.append(Problem("empty_name", "考点名称为空", "the site's name is empty", "name"))
    _need(problems)
    if db.scalar(select(Site.id).where(Site.area_code == area_code, Site.code == code)):
        raise Conflict("site_exists", f"地区{area_code}已有考点代码{code}", f"area {area_code} has site {code} already")
    site = Site(area_code=area_code, code=code, name=name.strip(), address=address.strip())
    db.add(site)
    db.flush()
    record(
        db,
        chain=RECORDS,
        action="site.added",
        subject=f"site:{site.id}",
        actor=actor,
        payload={"area_code": area_code, "code": code, "name": site.name},
    )
    return site


def add_room(db: Session, *, site_id: int, name: str, seats: int, columns: int, actor: Actor) -> Room:
    site = get(db, Site, site_id, "考点", "site")
    problems = []
    if not 1 <= seats <= 500:
        problems.append(Problem("bad_seats", "座位数应为1-500", "a room has 1-500 seats", "seats"))
    if not 1 <= columns <= max(seats, 1):
        problems.append(
            Problem("bad_columns", "每排座位数应为1到座位数之间", "seats per row must be 1 to the seats", "columns")
        )
    if not name.strip():
        problems.append(Problem("empty_name", "考场名称为空", "the room's name is empty", "name"))
    _need(problems)
    if db.scalar(select(Room.id).where(Room.site_id == site.id, Room.name == name.strip())):
        raise Conflict(
            "room_exists", f"考点已有名为“{name.strip()}”的考场", f"the site has a room {name.strip()!r} already"
        )
    room = Room(site_id=site.id, name=name.strip(), seats=seats, columns=columns)
    db.add(room)
    db.flush()
    record(
        db,
        chain=RECORDS,
        action="room.added",
        subject=f"room:{room.id}",
        actor=actor,
        payload={"site": site.id, "name": room.name, "seats": seats, "columns": columns},
    )
    return room


def get(db: Session, model: type[T], id_: int, what_zh: str, what_en: str) -> T:
    found = db.get(model, id_)
    if found is None:
        raise not_found(what_zh, what_en)
    return found


def institution(db: Session, name: str, *, actor: Actor) -> Institution:
    """The training institution of that name, added when new."""
    found = db.scalar(select(Institution).where(Institution.name == name))
    if found is None:
        found = Institution(name=name)
        db.add(found)
        db.flush()
        record(
            db,
            chain=RECORDS,
            action="institution.added",
            subject=f"institution:{found.id}",
            actor=actor,
            payload={"name": name},
        )
    return found


# --- exams and sittings ---------------------------------------------------------------------------


def add_exam(
    db: Session,
    *,
    name: str,
    category: str,
    blueprint_name: str,
    bank_codes: list[str],
    required_hours: Decimal,
    actor: Actor,
    requires_code: bool = False,
    show_score: bool = True,
) -> Exam:
    """An exam: its category, blueprint and banks. The banks must be able to fill the blueprint."""
    blueprint = papers.get_blueprint(db, blueprint_name)
    if not name.strip() or not category.strip():
        raise invalid([Problem("empty_name", "考试名称和类别不能为空", "an exam needs a name and a category", "name")])
    if problems := papers.check_feasible(db, blueprint=blueprint, bank_codes=bank_codes, on=clock.now().date()):
        raise papers.refuse_infeasible(problems)
    exam = Exam(
        name=name.strip(),
        category=category.strip(),
        blueprint_name=blueprint.name,
        bank_codes=bank_codes,
        duration_minutes=blueprint.duration_minutes,
        pass_mark=blueprint.pass_mark,
        required_hours=required_hours,
        requires_code=requires_code,
        show_score=show_score,
        created_at=clock.now(),
    )
    db.add(exam)
    db.flush()
    record(
        db,
        chain=RECORDS,
        action="exam.added",
        subject=f"exam:{exam.id}",
        actor=actor,
        payload={
            "name": exam.name,
            "category": exam.category,
            "blueprint": blueprint.name,
            "banks": bank_codes,
            "required_hours": str(required_hours),
        },
    )
    return exam


def schedule(db: Session, *, exam_id: int, room_id: int, starts_at: datetime, actor: Actor, timezone: str) -> Sitting:
    """A sitting of an exam in a room. It takes the next free 考场号 of its site for the year, so
    that admission ticket numbers never repeat."""
    exam = get(db, Exam, exam_id, "考试", "exam")
    room = get(db, Room, room_id, "考场", "room")
    if starts_at <= clock.now():
        raise Invalid("in_the_past", "开考时间已过", "the start time has passed")
    year = clock.local_date(starts_at, timezone).year
    # Schedulers of one site take turns (the site's row is locked), so two sittings scheduled at
    # the same moment never pick the same number; the unique constraint stands behind that.
    db.execute(select(Site.id).where(Site.id == room.site_id).with_for_update())
    taken = set(db.scalars(select(Sitting.ticket_room).where(Sitting.site_id == room.site_id, Sitting.year == year)))
    free = next((f"{n:02d}" for n in range(1, 100) if f"{n:02d}" not in taken), None)
    if free is None:
        raise Conflict(
            "no_ticket_room",
            f"该考点{year}年的考场号（01-99）已用完",
            f"the site has used all room numbers (01-99) for {year}",
        )
    sitting = Sitting(
        exam_id=exam.id,
        room_id=room.id,
        site_id=room.site_id,
        year=year,
        ticket_room=free,
        starts_at=starts_at,
        state="scheduled",
        created_at=clock.now(),
    )
    db.add(sitting)
    db.flush()
    record(
        db,
        chain=sitting.chain,
        action="sitting.scheduled",
        subject=f"sitting:{sitting.id}",
        actor=actor,
        payload={"exam": exam.id, "room": room.id, "starts_at": starts_at.isoformat(), "ticket_room": free},
    )
    return sitting


def get_sitting(db: Session, sitting_id: int) -> Sitting:
    return get(db, Sitting, sitting_id, "场次", "sitting")


def editable(sitting: Sitting) -> None:
    if sitting.state == "sealed":
        raise Conflict(
            "sealed",
            "场次已由主考官封存，名单、座位和人员不能再改",
            "the sitting is sealed; its roster, seats and staff are fixed",
        )
    if sitting.state != "scheduled":
        raise Conflict(
            "sitting_open",
            "场次已开考准备（试卷已生成），名单、座位和人员不能再改",
            "the sitting is open (papers drawn); its roster, seats and staff are fixed",
        )


# --- eligibility ---------------------------------------------------------------------------------


def facts(db: Session, *, candidate: Candidate, exam: Exam, on: date) -> Facts:
    trainings = list(
        db.scalars(
            select(Training)
            .where(Training.candidate_id == candidate.id, Training.category == exam.category)
            .order_by(Training.completed_on, Training.id)
        )
    )
    latest = trainings[-1] if trainings else None
    fails = (
        db.scalar(
            select(func.count())
            .select_from(ExamRecord)
            .where(
                ExamRecord.candidate_id == candidate.id,
                ExamRecord.category == exam.category,
                ExamRecord.passed.is_(False),
                *([ExamRecord.sat_on >= latest.completed_on] if latest else []),
            )
        )
        or 0
    )
    held = db.scalar(
        select(Certificate)
        .where(
            Certificate.candidate_id == candidate.id,
            Certificate.category == exam.category,
            Certificate.state != "revoked",
        )
        .order_by(Certificate.valid_until.desc())
    )
    banned = db.scalar(select(func.max(Ban.until)).where(Ban.candidate_id == candidate.id))
    return Facts(
        exam_date=on,
        birth_date=candidate.birth_date,
        category=exam.category,
        required_hours=exam.required_hours,
        training_hours=latest.hours if latest else Decimal(0),
        certified_until=held.valid_until if held else None,
        review_due=held.next_review_on if held else None,
        certificate_suspended=held is not None and held.state == "suspended",
        fails_since_training=fails,
        banned_until=banned,
    )


def review(db: Session, registration: Registration, *, exam: Exam, sitting: Sitting, timezone: str) -> None:
    """Evaluate (again) a registration's eligibility; an override stands."""
    candidate = db.get(Candidate, registration.candidate_id)
    assert candidate is not None
    found = refusals(facts(db, candidate=candidate, exam=exam, on=clock.local_date(sitting.starts_at, timezone)))
    registration.refusals = [r.as_dict() for r in found]
    registration.eligible = not found or bool(registration.override_reason)


def override(
    db: Session, *, registration_id: int, reason: str, actor: Actor, sitting_id: int | None = None
) -> Registration:
    """An admin lets a refused candidate sit, with a written reason, traced."""
    registration = get(db, Registration, registration_id, "报名记录", "registration")
    if sitting_id is not None and registration.sitting_id != sitting_id:
        raise not_found("报名记录", "registration")
    sitting = get(db, Sitting, registration.sitting_id, "场次", "sitting")
    editable(sitting)
    if len(reason.strip()) < 4:
        raise invalid(
            [
                Problem(
                    "reason_required",
                    "须写明放行理由（至少4个字）",
                    "a written reason is required (4 characters or more)",
                    "reason",
                )
            ]
        )
    if not registration.refusals:
        raise Conflict("not_refused", "该考生资格审查已通过，无需放行", "the candidate was not refused")
    registration.override_reason = reason.strip()
    registration.eligible = True
    record(
        db,
        chain=sitting.chain,
        action="eligibility.overridden",
        subject=f"registration:{registration.id}",
        actor=actor,
        payload={
            "candidate": registration.candidate_id,
            "refusals": registration.refusals,
            "reason": registration.override_reason,
        },
    )
    return registration


# --- seats and admission tickets -----------------------------------------------------------------


def ticket_number(*, year: int, site: Site, ticket_room: str, seat: int) -> str:
    """准考证号: year(2) + area code(6) + site(2) + room(2) + seat(2)."""
    return f"{year % 100:02d}{site.area_code}{site.code}{ticket_room}{seat:02d}"


def assign_seats(db: Session, *, sitting_id: int, mode: str, actor: Actor) -> list[Registration]:
    """Seats for the eligible candidates, at random or in roster order, with their tickets."""
    sitting = get(db, Sitting, sitting_id, "场次", "sitting")
    editable(sitting)
    room = get(db, Room, sitting.room_id, "考场", "room")
    site = get(db, Site, sitting.site_id, "考点", "site")
    if mode not in ("random", "ordered"):
        raise Invalid("bad_mode", "排座方式应为随机或按名单顺序", "seating is random or ordered")
    rows = list(
        db.scalars(select(Registration).where(Registration.sitting_id == sitting.id).order_by(Registration.row))
    )
    seated = [r for r in rows if r.eligible]
    if len(seated) > room.seats:
        raise Conflict(
            "room_full",
            f"通过审查的考生{len(seated)}人，超过考场座位数{room.seats}",
            f"{len(seated)} eligible candidates, the room has {room.seats} seats",
        )
    if len(seated) > 99:
        raise Conflict("too_many", "一个场次最多99名考生（准考证号座位号为两位）", "a sitting seats at most 99")
    numbers = list(range(1, len(seated) + 1))
    if mode == "random":
        secrets.SystemRandom().shuffle(numbers)
    for registration in rows:
        registration.seat = registration.ticket = None
    db.flush()
    for registration, seat in zip(seated, numbers, strict=True):
        registration.seat = seat
        registration.ticket = ticket_number(year=sitting.year, site=site, ticket_room=sitting.ticket_room, seat=seat)
    db.flush()
    record(
        db,
        chain=sitting.chain,
        action="seats.assigned",
        subject=f"sitting:{sitting.id}",
        actor=actor,
        payload={"mode": mode, "seats": {str(r.id): r.seat for r in seated}},
    )
    return seated


def neighbours(seats: list[int], columns: int) -> list[list[int]]:
    """For each seat (in the order given), the indexes of the seats beside, in front and behind."""
    index = {seat: i for i, seat in enumerate(seats)}
    found = []
    for seat in seats:
        column = (seat - 1) % columns
        around = [seat - columns, seat + columns]
        around += [seat - 1] if column > 0 else []
        around += [seat + 1] if column < columns - 1 else []
        found.append(sorted(index[s] for s in around if s in index))
    return found


# --- opening a sitting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    sitting: Sitting
    papers: int


def open_sitting(db: Session, *, sitting_id: int, actor: Actor, timezone: str, seed: int | None = None) -> Opened:
    """Draw every seated candidate's paper now, before they arrive, so that a room pressing
    start at once costs no assembly. The banks are checked first; when they cannot fill the
    blueprint nothing is drawn and the report says what is missing."""
    sitting = get(db, Sitting, sitting_id, "场次", "sitting")
    editable(sitting)
    exam = get(db, Exam, sitting.exam_id, "考试", "exam")
    room = get(db, Room, sitting.room_id, "考场", "room")
    require_staff(db, sitting)
    seated = list(
        db.scalars(
            select(Registration)
            .where(Registration.sitting_id == sitting.id, Registration.seat.is_not(None))
            .order_by(Registration.seat)
        )
    )
    if not seated:
        raise Conflict("no_seats", "还没有排座的考生，请先排座", "no candidate is seated yet; assign seats first")
    blueprint = papers.get_blueprint(db, exam.blueprint_name)
    on = clock.local_date(sitting.starts_at, timezone)
    if problems := papers.check_feasible(db, blueprint=blueprint, bank_codes=exam.bank_codes, on=on):
        raise papers.refuse_infeasible(problems)
    seats = [
        papers.Seat(neighbours=n, seen=seen_before(db, r.candidate_id))
        for r, n in zip(seated, neighbours([r.seat or 0 for r in seated], room.columns), strict=True)
    ]
    draw, made = papers.draw_papers(db, blueprint=blueprint, bank_codes=exam.bank_codes, on=on, seats=seats, seed=seed)
    for registration, paper in zip(seated, made, strict=True):
        registration.paper_id = paper.id
    sitting.draw_id = draw.id
    sitting.state = "open"
    record(
        db,
        chain=sitting.chain,
        action="sitting.opened",
        subject=f"sitting:{sitting.id}",
        actor=actor,
        payload={
            "draw": draw.id,
            "blueprint": blueprint.name,
            "papers": {str(r.id): p.id for r, p in zip(seated, made, strict=True)},
        },
    )
    return Opened(sitting, len(made))


def require_staff(db: Session, sitting: Sitting) -> None:
    """主考官负责制: a sitting opens only with its chief examiner and a proctor assigned."""
    roles = set(db.scalars(select(Assignment.role).where(Assignment.sitting_id == sitting.id)))
    if "chief_examiner" not in roles:
        raise Conflict("no_chief", "场次还没有主考官（主考官负责制）", "the sitting has no chief examiner")
    if "proctor" not in roles:
        raise Conflict("no_proctor", "场次还没有监考员", "the sitting has no proctor")


def seen_before(db: Session, candidate_id: int) -> set[int]:
    """The item versions on the candidate's earlier papers, which a re-sit avoids."""
    earlier = db.scalars(
        select(Paper.choices)
        .join(Registration, Registration.paper_id == Paper.id)
        .where(Registration.candidate_id == candidate_id)
    )
    return {version for choices in earlier for version, _, _ in choices}


# --- rosters ---------------------------------------------------------------------------------------


@dataclass
class RosterReport:
    candidates: int
    eligible: int
    refused: int


def import_roster(
    db: Session, *, sitting_id: int, filename: str, data: bytes, actor: Actor, timezone: str
) -> RosterReport:
    """Put a roster file's candidates on the sitting, all or nothing, each reviewed for
    eligibility. The file's training hours are recorded as the candidates' training."""
    from examhall.sittings.roster import read_roster

    sitting = get(db, Sitting, sitting_id, "场次", "sitting")
    editable(sitting)
    exam = get(db, Exam, sitting.exam_id, "考试", "exam")
    today = clock.local_date(clock.now(), timezone)
    roster = read_roster(filename, data, today=today, category=exam.category)
    if roster.problems:
        raise invalid(
            roster.problems,
            zh=f"名单有{len(roster.problems)}处问题，未导入任何考生",
            en=f"the roster has {len(roster.problems)} problems; nobody was imported",
        )
    room = get(db, Room, sitting.room_id, "考场", "room")
    existing = {
        r.candidate_id: r for r in db.scalars(select(Registration).where(Registration.sitting_id == sitting.id))
    }
    if len(roster.rows) > room.seats * 2:
        raise Conflict(
            "roster_too_long",
            f"名单{len(roster.rows)}人，远超考场座位数{room.seats}",
            f"{len(roster.rows)} candidates for {room.seats} seats",
        )
    for row in roster.rows:
        candidate = db.scalar(select(Candidate).where(Candidate.id_number == row.id_number.value))
        if candidate is None:
            candidate = Candidate(
                id_number=row.id_number.value,
                name=row.name,
                gender=row.id_number.gender,
                birth_date=row.id_number.birth_date,
                phone=row.phone,
            )
            db.add(candidate)
        elif candidate.name != row.name:
            raise invalid(
                [
                    Problem(
                        "name_mismatch",
                        f"身份证号已登记的姓名为“{candidate.name}”，名单中为“{row.name}”",
                        f"the ID number is registered as '{candidate.name}', the roster says '{row.name}'",
                        f"{filename}，第{row.row}行",
                        where_en=f"{filename}, row {row.row}",
                    )
                ]
            )
        candidate.phone = row.phone or candidate.phone
        if row.enterprise:
            candidate.enterprise_id = _named(db, Enterprise, row.enterprise).id
        db.flush()
        trained_by = institution(db, row.institution, actor=actor).id if row.institution else None
        if row.training_hours:
            _record_training(
                db, candidate.id, exam.category, row.training_hours, trained_by, row.training_completed or today
            )
        registration = existing.get(candidate.id) or Registration(
            sitting_id=sitting.id,
            candidate_id=candidate.id,
            row=row.row,
            eligible=False,
            refusals=[],
            created_at=clock.now(),
        )
        registration.institution_id, registration.row = trained_by, row.row
        db.add(registration)
        review(db, registration, exam=exam, sitting=sitting, timezone=timezone)
    db.flush()
    rows = list(db.scalars(select(Registration).where(Registration.sitting_id == sitting.id)))
    report = RosterReport(len(rows), sum(r.eligible for r in rows), sum(not r.eligible for r in rows))
    record(
        db,
        chain=sitting.chain,
        action="roster.imported",
        subject=f"sitting:{sitting.id}",
        actor=actor,
        payload={
            "file": filename,
            "file_sha256": hashlib.sha256(data).hexdigest(),
            "rows": len(roster.rows),
            "eligible": report.eligible,
            "refused": report.refused,
        },
    )
    return report


def _named(db: Session, model: type[Enterprise], name: str) -> Enterprise:
    found = db.scalar(select(model).where(model.name == name))
    if found is None:
        found = model(name=name)
        db.add(found)
        db.flush()
    return found


def _record_training(
    db: Session, candidate_id: int, category: str, hours: Decimal, institution_id: int | None, completed_on: date
) -> None:
    same = select(Training.id).where(
        Training.candidate_id == candidate_id,
        Training.category == category,
        Training.hours == hours,
        Training.completed_on == completed_on,
    )
    if db.scalar(same) is None:
        db.add(
            Training(
                candidate_id=candidate_id,
                category=category,
                hours=hours,
                institution_id=institution_id,
                completed_on=completed_on,
            )
        )
        db.flush()


def set_extra_time(db: Session, *, registration_id: int, minutes: int, reason: str, actor: Actor) -> Registration:
    """Extra time for a candidate (an accommodation), set by an admin before the sitting starts."""
    registration = get(db, Registration, registration_id, "报名记录", "registration")
    sitting = get(db, Sitting, registration.sitting_id, "场次", "sitting")
    if clock.now() >= sitting.starts_at:
        raise Conflict(
            "started",
            "场次已开考，延长时间须由监考员在考场记录原因后操作",
            "the sitting has started; proctors add time from the room",
        )
    registration.extra_minutes = minutes
    record(
        db,
        chain=sitting.chain,
        action="accommodation.set",
        subject=f"registration:{registration.id}",
        actor=actor,
        payload={"minutes": minutes, "reason": reason},
    )
    return registration


def sittings(db: Session) -> list[tuple[Sitting, Exam, Room, Site]]:
    return [
        (s, e, r, site)
        for s, e, r, site in db.execute(
            select(Sitting, Exam, Room, Site)
            .join(Exam, Sitting.exam_id == Exam.id)
            .join(Room, Sitting.room_id == Room.id)
            .join(Site, Sitting.site_id == Site.id)
            .order_by(Sitting.starts_at.desc())
        ).all()
    ]


def roster(db: Session, sitting_id: int) -> list[tuple[Registration, Candidate]]:
    return [
        (r, c)
        for r, c in db.execute(
            select(Registration, Candidate)
            .join(Candidate, Registration.candidate_id == Candidate.id)
            .where(Registration.sitting_id == sitting_id)
            .order_by(Registration.seat.is_(None), Registration.seat, Registration.row)
        ).all()
    ]
