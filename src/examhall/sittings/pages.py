"""Admin pages for the exam body's arrangements, the printable admission tickets, and the staff's
own list of sittings (shown from the day of each sitting)."""

import io
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import segno
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from examhall import clock
from examhall.accounts.models import User
from examhall.accounts.permissions import Principal, allow
from examhall.banks import service as banks
from examhall.banks.router import read_upload
from examhall.db import DbSession, Id
from examhall.errors import ExamhallError, Invalid
from examhall.papers import service as papers
from examhall.sittings import service, staffing
from examhall.sittings.models import Exam, Institution, Room, Site, StaffMember
from examhall.sittings.router import starts, timezone
from examhall.web.pages import redirect, refusal, render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, allow("admin")]


def qr_svg(text: str) -> Markup:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=3, border=2, xmldecl=False, svgns=True)
    return Markup(out.getvalue().decode())  # noqa: S704 (segno's own SVG of digits)


def _overview(request: Request, db: DbSession, **context: Any) -> HTMLResponse:
    return render(
        request,
        "sittings/overview.html",
        sittings=service.sittings(db),
        zone=timezone(request),
        sites=list(db.scalars(select(Site).order_by(Site.area_code, Site.code))),
        rooms=db.execute(select(Room, Site).join(Site, Room.site_id == Site.id).order_by(Site.id, Room.name)).all(),
        exams=list(db.scalars(select(Exam).order_by(Exam.id))),
        blueprints=papers.list_blueprints(db),
        banks=banks.list_banks(db),
        **context,
    )


def _done_or_overview(request: Request, db: DbSession, action: Callable[[], object]) -> Response:
    try:
        action()
    except ExamhallError as error:
        return _overview(request, db, **refusal(db, error))
    return redirect("/admin/sittings")


@router.get("/admin/sittings", response_class=HTMLResponse)
def overview(request: Request, db: DbSession, _: Admin) -> Response:
    return _overview(request, db)


@router.post("/admin/sites", response_class=HTMLResponse)
def add_site(
    request: Request,
    db: DbSession,
    admin: Admin,
    area_code: Annotated[str, Form()],
    code: Annotated[str, Form()],
    name: Annotated[str, Form()],
    address: Annotated[str, Form()] = "",
) -> Response:
    return _done_or_overview(
        request,
        db,
        lambda: service.add_site(
            db, area_code=area_code.strip(), code=code.strip(), name=name, address=address, actor=admin.actor
        ),
    )


@router.post("/admin/rooms", response_class=HTMLResponse)
def add_room(
    request: Request,
    db: DbSession,
    admin: Admin,
    site_id: Annotated[Id, Form()],
    name: Annotated[str, Form()],
    seats: Annotated[int, Form()],
    columns: Annotated[int, Form()],
) -> Response:
    return _done_or_overview(
        request,
        db,
        lambda: service.add_room(db, site_id=site_id, name=name, seats=seats, columns=columns, actor=admin.actor),
    )


@router.post("/admin/exams", response_class=HTMLResponse)
def add_exam(
    request: Request,
    db: DbSession,
    admin: Admin,
    name: Annotated[str, Form()],
    category: Annotated[str, Form()],
    blueprint: Annotated[str, Form()],
    required_hours: Annotated[str, Form()],
    bank: Annotated[list[str] | None, Form()] = None,
    requires_code: Annotated[str, Form()] = "",
) -> Response:
    def add() -> object:
        try:
            hours = Decimal(required_hours)
        except InvalidOperation:
            raise Invalid("bad_hours", "培训学时应为数字", "the training hours must be a number") from None
        return service.add_exam(
            db,
            name=name,
            category=category,
            blueprint_name=blueprint,
            bank_codes=bank or [],
            required_hours=hours,
            requires_code=bool(requires_code),
            actor=admin.actor,
        )

    return _done_or_overview(request, db, add)


@router.post("/admin/sittings", response_class=HTMLResponse)
def schedule(
    request: Request,
    db: DbSession,
    admin: Admin,
    exam_id: Annotated[Id, Form()],
    room_id: Annotated[Id, Form()],
    starts_at: Annotated[str, Form()],
) -> Response:
    zone = timezone(request)
    return _done_or_overview(
        request,
        db,
        lambda: service.schedule(
            db, exam_id=exam_id, room_id=room_id, starts_at=starts(starts_at, zone), actor=admin.actor, timezone=zone
        ),
    )


def _sitting_page(request: Request, db: DbSession, sitting_id: Id, **context: Any) -> HTMLResponse:
    sitting = service.get_sitting(db, sitting_id)
    exam = db.get(Exam, sitting.exam_id)
    room = db.get(Room, sitting.room_id)
    pool = db.execute(
        select(User, StaffMember).join(StaffMember, StaffMember.user_id == User.id).order_by(User.role, User.username)
    ).all()
    return render(
        request,
        "sittings/sitting.html",
        sitting=sitting,
        exam=exam,
        room=room,
        zone=timezone(request),
        roster=service.roster(db, sitting_id),
        staff=staffing.staff_of(db, sitting_id),
        pool=pool,
        report=papers.draw_report(db, draw_id=sitting.draw_id) if sitting.draw_id else [],
        **context,
    )


def _done_or_sitting(
    request: Request, db: DbSession, sitting_id: Id, action: Callable[[], object], note: str = ""
) -> Response:
    try:
        action()
    except ExamhallError as error:
        return _sitting_page(request, db, sitting_id, **refusal(db, error))
    return redirect(f"/admin/sittings/{sitting_id}" + (f"?done={note}" if note else ""))


@router.get("/admin/sittings/{sitting_id}", response_class=HTMLResponse)
def sitting(request: Request, sitting_id: Id, db: DbSession, _: Admin) -> Response:
    return _sitting_page(request, db, sitting_id)


@router.post("/admin/sittings/{sitting_id}/roster", response_class=HTMLResponse)
def import_roster(
    request: Request, sitting_id: Id, db: DbSession, admin: Admin, file: Annotated[UploadFile, File()]
) -> Response:
    return _done_or_sitting(
        request,
        db,
        sitting_id,
        lambda: service.import_roster(
            db,
            sitting_id=sitting_id,
            filename=file.filename or "roster",
            data=read_upload(file, request.app.state.settings),
            actor=admin.actor,
            timezone=timezone(request),
        ),
        "roster",
    )


@router.post("/admin/sittings/{sitting_id}/override", response_class=HTMLResponse)
def override(
    request: Request,
    sitting_id: Id,
    db: DbSession,
    admin: Admin,
    registration_id: Annotated[Id, Form()],
    reason: Annotated[str, Form(max_length=1000)],
) -> Response:
    return _done_or_sitting(
        request,
        db,
        sitting_id,
        lambda: service.override(
            db, registration_id=registration_id, reason=reason, actor=admin.actor, sitting_id=sitting_id
        ),
    )


@router.post("/admin/sittings/{sitting_id}/seats", response_class=HTMLResponse)
def seats(
    request: Request, sitting_id: Id, db: DbSession, admin: Admin, mode: Annotated[str, Form()] = "random"
) -> Response:
    return _done_or_sitting(
        request, db, sitting_id, lambda: service.assign_seats(db, sitting_id=sitting_id, mode=mode, actor=admin.actor)
    )


@router.post("/admin/sittings/{sitting_id}/staff", response_class=HTMLResponse)
def staff(
    request: Request,
    sitting_id: Id,
    db: DbSession,
    admin: Admin,
    user_id: Annotated[Id | None, Form()] = None,
    role: Annotated[str, Form()] = "proctor",
) -> Response:
    if user_id is None:
        return _done_or_sitting(
            request, db, sitting_id, lambda: staffing.draw(db, sitting_id=sitting_id, actor=admin.actor)
        )
    return _done_or_sitting(
        request,
        db,
        sitting_id,
        lambda: staffing.assign(db, sitting_id=sitting_id, user_id=user_id, role=role, actor=admin.actor),
    )


@router.post("/admin/sittings/{sitting_id}/open", response_class=HTMLResponse)
def open_sitting(request: Request, sitting_id: Id, db: DbSession, admin: Admin) -> Response:
    return _done_or_sitting(
        request,
        db,
        sitting_id,
        lambda: service.open_sitting(db, sitting_id=sitting_id, actor=admin.actor, timezone=timezone(request)),
        "opened",
    )


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


@router.get("/admin/staff", response_class=HTMLResponse)
def pool(request: Request, db: DbSession, _: Admin, **context: Any) -> Response:
    members = db.execute(
        select(User, StaffMember, Institution)
        .join(StaffMember, StaffMember.user_id == User.id)
        .outerjoin(Institution, StaffMember.institution_id == Institution.id)
        .order_by(User.role, User.username)
    ).all()
    others = list(db.scalars(select(User).where(User.role.in_(staffing.STAFF_ROLES)).order_by(User.username)))
    return render(request, "sittings/staff.html", members=members, users=others, **context)


@router.post("/admin/staff", response_class=HTMLResponse)
def add_to_pool(
    request: Request,
    db: DbSession,
    admin: Admin,
    user_id: Annotated[Id, Form()],
    institution: Annotated[str, Form(max_length=200)] = "",
    trainer: Annotated[str, Form()] = "",
) -> Response:
    try:
        found = service.institution(db, institution.strip(), actor=admin.actor).id if institution.strip() else None
        staffing.add_to_pool(db, user_id=user_id, institution_id=found, trainer=bool(trainer), actor=admin.actor)
    except ExamhallError as error:
        return pool(request, db, admin, **refusal(db, error))
    return redirect("/admin/staff")


@router.get("/staff/sittings", response_class=HTMLResponse)
def my_sittings(
    request: Request, db: DbSession, me: Annotated[Principal, allow("proctor", "chief_examiner")]
) -> Response:
    zone = timezone(request)
    mine = staffing.my_sittings(db, user_id=me.id, today=clock.local_date(clock.now(), zone), timezone=zone)
    return render(request, "sittings/mine.html", mine=mine, zone=zone)
