"""Admin pages for the exam body's arrangements, the printable admission tickets, the staff pool,
and the staff's own list of sittings (shown from the day of each sitting). Every change says
what it did on the next page; a refused form comes back with what was typed."""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import User
from examhall.accounts.permissions import Principal, allow
from examhall.banks import service as banks
from examhall.banks.router import read_upload
from examhall.db import DbSession, Id
from examhall.errors import ExamhallError, Invalid
from examhall.papers import service as papers
from examhall.sittings import service, staffing
from examhall.sittings.models import Exam, Institution, Room, Site, Sitting, StaffMember
from examhall.sittings.router import starts, timezone
from examhall.web.pages import actor_names, flash, local_time, qr_svg, redirect, refusal, render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, allow("admin")]
STATES = {"scheduled": "待开考准备", "open": "试卷已生成", "ended": "已结束", "sealed": "已封存"}
CHINA_ZONES = {"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "PRC"}
SITE_FIELDS = {"code": "考点代码", "name": "考点名称"}
ROOM_FIELDS = {"name": "考场名称"}
EXAM_FIELDS = {"name": "考试名称"}


def zone_label(zone: str) -> str:
    """How a form names the time zone of the times it takes: 北京时间, or nothing."""
    return "北京时间" if zone in CHINA_ZONES else ""


def bank_names(db: Session) -> dict[str, str]:
    return {bank.code: bank.name for bank, _ in banks.list_banks(db)}


def _overview(request: Request, db: DbSession, **context: Any) -> HTMLResponse:
    zone = timezone(request)
    return render(
        request,
        "sittings/overview.html",
        sittings=service.sittings(db),
        zone=zone,
        zone_label=zone_label(zone),
        states=STATES,
        sites=list(db.scalars(select(Site).order_by(Site.area_code, Site.code))),
        rooms=db.execute(select(Room, Site).join(Site, Room.site_id == Site.id).order_by(Site.id, Room.name)).all(),
        exams=list(db.scalars(select(Exam).order_by(Exam.id))),
        blueprints=papers.list_blueprints(db),
        banks=banks.list_banks(db),
        bank_names=bank_names(db),
        blueprint_titles={b.name: b.title for b in papers.list_blueprints(db)},
        typed=context.pop("typed", {}),
        **context,
    )


def _done_or_overview(
    request: Request,
    db: DbSession,
    action: Callable[[], str],
    typed: dict[str, Any],
    labels: dict[str, str] | None = None,
) -> Response:
    """Do `action`; say what it did beside its form on the overview, or show the refusal there
    with what was typed."""
    try:
        done = action()
    except ExamhallError as error:
        return _overview(request, db, typed=typed, **refusal(db, error, labels))
    flash(request, done, typed["form"])
    return redirect("/admin/sittings")


@router.get("/admin/sittings", response_class=HTMLResponse)
def overview(request: Request, db: DbSession, _: Admin) -> Response:
    return _overview(request, db)


@router.post("/admin/sites", response_class=HTMLResponse)
def add_site(
    request: Request,
    db: DbSession,
    admin: Admin,
    area_code: Annotated[str, Form(max_length=20)],
    code: Annotated[str, Form(max_length=20)],
    name: Annotated[str, Form(max_length=200)],
    address: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    def add() -> str:
        site = service.add_site(
            db, area_code=area_code.strip(), code=code.strip(), name=name, address=address, actor=admin.actor
        )
        return f"已添加考点“{site.name}”（地区代码{site.area_code}，考点代码{site.code}）"

    typed = {"form": "site", "area_code": area_code, "code": code, "name": name, "address": address}
    return _done_or_overview(request, db, add, typed, SITE_FIELDS)


@router.post("/admin/rooms", response_class=HTMLResponse)
def add_room(
    request: Request,
    db: DbSession,
    admin: Admin,
    site_id: Annotated[Id, Form()],
    name: Annotated[str, Form(max_length=100)],
    seats: Annotated[int, Form()],
    columns: Annotated[int, Form()],
) -> Response:
    def add() -> str:
        room = service.add_room(db, site_id=site_id, name=name, seats=seats, columns=columns, actor=admin.actor)
        return f"已添加考场“{room.name}”（{room.seats}座，每排{room.columns}座）"

    typed = {"form": "room", "site_id": site_id, "name": name, "seats": seats, "columns": columns}
    return _done_or_overview(request, db, add, typed, ROOM_FIELDS)


@router.post("/admin/exams", response_class=HTMLResponse)
def add_exam(
    request: Request,
    db: DbSession,
    admin: Admin,
    name: Annotated[str, Form(max_length=200)],
    category: Annotated[str, Form(max_length=100)],
    blueprint: Annotated[str, Form(max_length=64)],
    required_hours: Annotated[str, Form(max_length=20)],
    bank: Annotated[list[str] | None, Form()] = None,
    requires_code: Annotated[str, Form()] = "",
) -> Response:
    def add() -> str:
        try:
            hours = Decimal(required_hours)
        except InvalidOperation:
            raise Invalid("bad_hours", "培训学时应为数字", "the training hours must be a number") from None
        exam = service.add_exam(
            db,
            name=name,
            category=category,
            blueprint_name=blueprint,
            bank_codes=bank or [],
            required_hours=hours,
            requires_code=bool(requires_code),
            actor=admin.actor,
        )
        names = bank_names(db)
        chosen = "、".join(f"“{names.get(code, code)}”" for code in exam.bank_codes) or "无"
        title = papers.get_blueprint(db, exam.blueprint_name).title
        return f"已添加考试“{exam.name}”（{exam.category}，组卷规则“{title}”，题库：{chosen}）"

    typed = {
        "form": "exam",
        "name": name,
        "category": category,
        "blueprint": blueprint,
        "required_hours": required_hours,
        "bank": bank or [],
        "requires_code": bool(requires_code),
    }
    return _done_or_overview(request, db, add, typed, EXAM_FIELDS)


@router.post("/admin/sittings", response_class=HTMLResponse)
def schedule(
    request: Request,
    db: DbSession,
    admin: Admin,
    exam_id: Annotated[Id, Form()],
    room_id: Annotated[Id, Form()],
    starts_at: Annotated[str, Form(max_length=40)],
) -> Response:
    zone = timezone(request)

    def add() -> str:
        sitting = service.schedule(
            db, exam_id=exam_id, room_id=room_id, starts_at=starts(starts_at, zone), actor=admin.actor, timezone=zone
        )
        exam, room = db.get(Exam, sitting.exam_id), db.get(Room, sitting.room_id)
        return (
            f"已安排场次：“{exam.name if exam else ''}”，{room.name if room else ''}，"
            f"{local_time(sitting.starts_at, zone)} 开考，考场号{sitting.ticket_room}"
        )

    typed = {"form": "sitting", "exam_id": exam_id, "room_id": room_id, "starts_at": starts_at}
    return _done_or_overview(request, db, add, typed)


# --- one sitting ---------------------------------------------------------------------------------


def _sitting_page(request: Request, db: DbSession, sitting_id: Id, **context: Any) -> HTMLResponse:
    sitting = service.get_sitting(db, sitting_id)
    exam = db.get(Exam, sitting.exam_id)
    room = db.get(Room, sitting.room_id)
    pool = db.execute(
        select(User, StaffMember)
        .join(StaffMember, StaffMember.user_id == User.id)
        .where(User.disabled.is_(False))
        .order_by(User.role, User.display_name)
    ).all()
    roster = service.roster(db, sitting_id)
    staff = staffing.staff_of(db, sitting_id)
    by_paper = {r.paper_id: (r, c) for r, c in roster if r.paper_id}
    zone = timezone(request)
    return render(
        request,
        "sittings/sitting.html",
        sitting=sitting,
        exam=exam,
        room=room,
        site=db.get(Site, sitting.site_id),
        zone=zone,
        states=STATES,
        roster=roster,
        seated=[r for r, _ in roster if r.seat],
        staff=staff,
        assigned_by=actor_names(db, [a.assigned_by for a, _ in staff]),
        pool=pool,
        blueprint_title=papers.get_blueprint(db, exam.blueprint_name).title if exam else "",
        report=[(s, by_paper.get(s.paper_id)) for s in papers.draw_report(db, draw_id=sitting.draw_id)]
        if sitting.draw_id
        else [],
        **context,
    )


def _done_or_sitting(request: Request, db: DbSession, sitting_id: Id, action: Callable[[], str]) -> Response:
    try:
        done = action()
    except ExamhallError as error:
        return _sitting_page(request, db, sitting_id, **refusal(db, error))
    flash(request, done)
    return redirect(f"/admin/sittings/{sitting_id}")


@router.get("/admin/sittings/{sitting_id}", response_class=HTMLResponse)
def sitting(request: Request, sitting_id: Id, db: DbSession, _: Admin) -> Response:
    return _sitting_page(request, db, sitting_id)


@router.post("/admin/sittings/{sitting_id}/roster", response_class=HTMLResponse)
def import_roster(
    request: Request, sitting_id: Id, db: DbSession, admin: Admin, file: Annotated[UploadFile, File()]
) -> Response:
    filename = file.filename or "名单"

    def imported() -> str:
        report = service.import_roster(
            db,
            sitting_id=sitting_id,
            filename=filename,
            data=read_upload(file, request.app.state.settings),
            actor=admin.actor,
            timezone=timezone(request),
        )
        return f"已导入名单“{filename}”：本场共{report.candidates}名考生，资格审查通过{report.eligible}人" + (
            f"，未通过{report.refused}人（见下表，可写明理由放行）" if report.refused else ""
        )

    return _done_or_sitting(request, db, sitting_id, imported)


@router.post("/admin/sittings/{sitting_id}/override", response_class=HTMLResponse)
def override(
    request: Request,
    sitting_id: Id,
    db: DbSession,
    admin: Admin,
    registration_id: Annotated[Id, Form()],
    reason: Annotated[str, Form(max_length=1000)],
) -> Response:
    def let_sit() -> str:
        registration = service.override(
            db, registration_id=registration_id, reason=reason, actor=admin.actor, sitting_id=sitting_id
        )
        name = next((c.name for r, c in service.roster(db, sitting_id) if r.id == registration.id), "")
        return f"已放行考生{name}，理由：{registration.override_reason}"

    return _done_or_sitting(request, db, sitting_id, let_sit)


@router.post("/admin/sittings/{sitting_id}/seats", response_class=HTMLResponse)
def seats(
    request: Request, sitting_id: Id, db: DbSession, admin: Admin, mode: Annotated[str, Form(max_length=20)] = "random"
) -> Response:
    def seat() -> str:
        seated = service.assign_seats(db, sitting_id=sitting_id, mode=mode, actor=admin.actor)
        how = "随机" if mode == "random" else "按名单顺序"
        return f"已{how}排座：{len(seated)}名考生，准考证号已生成，可打印准考证"

    return _done_or_sitting(request, db, sitting_id, seat)


def _names(users: list[User]) -> str:
    return "、".join(u.display_name or u.username for u in users)


@router.post("/admin/sittings/{sitting_id}/staff", response_class=HTMLResponse)
def staff(
    request: Request,
    sitting_id: Id,
    db: DbSession,
    admin: Admin,
    user_id: Annotated[Id | None, Form()] = None,
    role: Annotated[str, Form(max_length=20)] = "proctor",
) -> Response:
    def drawn() -> str:
        made = staffing.draw(db, sitting_id=sitting_id, actor=admin.actor)
        if not made:
            return "本场次的主考官和监考员已齐，无需抽取"
        parts = []
        for role in ("chief_examiner", "proctor"):
            users = [u for a in made if a.role == role and (u := db.get(User, a.user_id)) is not None]
            if users:
                parts.append(f"{staffing.STAFF_ROLES[role]}：{_names(users)}")
        return "已从人员库随机抽取" + "；".join(parts)

    def assigned() -> str:
        made = staffing.assign(db, sitting_id=sitting_id, user_id=user_id or 0, role=role, actor=admin.actor)
        user = db.get(User, made.user_id)
        return f"已指定{user.display_name if user else ''}为本场{staffing.STAFF_ROLES[made.role]}"

    return _done_or_sitting(request, db, sitting_id, drawn if user_id is None else assigned)


@router.post("/admin/sittings/{sitting_id}/open", response_class=HTMLResponse)
def open_sitting(request: Request, sitting_id: Id, db: DbSession, admin: Admin) -> Response:
    def opened() -> str:
        done = service.open_sitting(db, sitting_id=sitting_id, actor=admin.actor, timezone=timezone(request))
        return f"已生成试卷{done.papers}份（每个座位一份）；名单、座位和考务人员已锁定"

    return _done_or_sitting(request, db, sitting_id, opened)


@router.get("/admin/sittings/{sitting_id}/tickets", response_class=HTMLResponse)
def tickets(request: Request, sitting_id: Id, db: DbSession, _: Admin) -> Response:
    sitting = service.get_sitting(db, sitting_id)
    seated = [(r, c, qr_svg(r.ticket)) for r, c in service.roster(db, sitting_id) if r.ticket]
    return render(
        request,
        "sittings/tickets.html",
        sitting=sitting,
        exam=db.get(Exam, sitting.exam_id),
        room=db.get(Room, sitting.room_id),
        site=db.get(Site, sitting.site_id),
        seated=seated,
        zone=timezone(request),
    )


# --- the staff pool ------------------------------------------------------------------------------


def _pool_page(request: Request, db: DbSession, **context: Any) -> HTMLResponse:
    members = db.execute(
        select(User, StaffMember, Institution)
        .join(StaffMember, StaffMember.user_id == User.id)
        .outerjoin(Institution, StaffMember.institution_id == Institution.id)
        .order_by(User.role, User.display_name)
    ).all()
    others = list(db.scalars(select(User).where(User.role.in_(staffing.STAFF_ROLES)).order_by(User.display_name)))
    return render(
        request,
        "sittings/staff.html",
        members=members,
        users=others,
        institutions=list(db.scalars(select(Institution.name).order_by(Institution.name))),
        typed=context.pop("typed", {}),
        **context,
    )


@router.get("/admin/staff", response_class=HTMLResponse)
def pool(request: Request, db: DbSession, _: Admin) -> Response:
    return _pool_page(request, db)


@router.post("/admin/staff", response_class=HTMLResponse)
def add_to_pool(
    request: Request,
    db: DbSession,
    admin: Admin,
    user_id: Annotated[Id, Form()],
    institution: Annotated[str, Form(max_length=200)] = "",
    trainer: Annotated[str, Form()] = "",
) -> Response:
    name = institution.strip()
    try:
        found = service.institution(db, name, actor=admin.actor).id if name else None
        member = staffing.add_to_pool(
            db, user_id=user_id, institution_id=found, trainer=bool(trainer), actor=admin.actor
        )
    except ExamhallError as error:
        typed = {"user_id": user_id, "institution": institution, "trainer": bool(trainer)}
        return _pool_page(request, db, typed=typed, **refusal(db, error, {"user_id": "人员"}))
    user = db.get(User, member.user_id)
    details = [staffing.STAFF_ROLES.get(user.role, "") if user else "", f"所属机构：{name}" if name else "无所属机构"]
    if member.trainer:
        details.append("兼任培训教师，不会被抽取")
    flash(request, f"已将{user.display_name if user else ''}加入考务人员库（{'，'.join(details)}）")
    return redirect("/admin/staff")


@router.get("/staff/sittings", response_class=HTMLResponse)
def my_sittings(
    request: Request, db: DbSession, me: Annotated[Principal, allow("proctor", "chief_examiner")]
) -> Response:
    zone = timezone(request)
    mine = staffing.my_sittings(db, user_id=me.id, today=clock.local_date(clock.now(), zone), timezone=zone)
    return render(request, "sittings/mine.html", mine=mine, zone=zone, exams={e.id: e for e in _exams(db, mine)})


def _exams(db: Session, mine: list[tuple[Sitting, str]]) -> list[Exam]:
    ids = {s.exam_id for s, _ in mine}
    return list(db.scalars(select(Exam).where(Exam.id.in_(ids)))) if ids else []
