"""JSON API for the exam body's arrangements: sites, rooms, exams, sittings, rosters with
eligibility review, seats, staff, and opening a sitting. Admins arrange; staff read their own."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile

from examhall import clock
from examhall.accounts.permissions import Principal, allow
from examhall.banks.router import read_upload
from examhall.db import DbSession, Id
from examhall.errors import Invalid
from examhall.sittings import service, staffing
from examhall.sittings.schemas import (
    AssignIn,
    ExamIn,
    ExtraTimeIn,
    OverrideIn,
    PoolIn,
    RegistrationOut,
    RoomIn,
    SeatsIn,
    SiteIn,
    SittingIn,
    SittingOut,
)

router = APIRouter(prefix="/api/v1/sittings", tags=["sittings"])
Admin = Annotated[Principal, allow("admin")]


def timezone(request: Request) -> str:
    zone: str = request.app.state.settings.timezone
    return zone


@router.post("/sites", status_code=201)
def add_site(body: SiteIn, db: DbSession, admin: Admin) -> dict[str, int]:
    site = service.add_site(
        db, area_code=body.area_code, code=body.code, name=body.name, address=body.address, actor=admin.actor
    )
    return {"id": site.id}


@router.post("/sites/{site_id}/rooms", status_code=201)
def add_room(site_id: Id, body: RoomIn, db: DbSession, admin: Admin) -> dict[str, int]:
    room = service.add_room(
        db, site_id=site_id, name=body.name, seats=body.seats, columns=body.columns, actor=admin.actor
    )
    return {"id": room.id}


@router.post("/exams", status_code=201)
def add_exam(body: ExamIn, db: DbSession, admin: Admin) -> dict[str, int]:
    exam = service.add_exam(
        db,
        name=body.name,
        category=body.category,
        blueprint_name=body.blueprint,
        bank_codes=body.banks,
        required_hours=body.required_hours,
        requires_code=body.requires_code,
        show_score=body.show_score,
        actor=admin.actor,
    )
    return {"id": exam.id}


@router.post("", response_model=SittingOut, status_code=201)
def schedule(body: SittingIn, request: Request, db: DbSession, admin: Admin) -> SittingOut:
    if body.starts_at.tzinfo is None:
        raise Invalid(
            "naive_time",
            "开考时间须带时区，如 2026-12-05T09:00:00+08:00",
            "give the start time with its offset, e.g. 2026-12-05T09:00:00+08:00",
        )
    sitting = service.schedule(
        db,
        exam_id=body.exam_id,
        room_id=body.room_id,
        starts_at=body.starts_at,
        actor=admin.actor,
        timezone=timezone(request),
    )
    return SittingOut.model_validate(sitting)


@router.get("", response_model=list[SittingOut])
def list_sittings(db: DbSession, _: Admin) -> list[SittingOut]:
    return [SittingOut.model_validate(s) for s, _, _, _ in service.sittings(db)]


@router.post("/{sitting_id}/roster")
def import_roster(
    sitting_id: Id, request: Request, db: DbSession, admin: Admin, file: Annotated[UploadFile, File()]
) -> dict[str, int]:
    report = service.import_roster(
        db,
        sitting_id=sitting_id,
        filename=file.filename or "roster",
        data=read_upload(file, request.app.state.settings),
        actor=admin.actor,
        timezone=timezone(request),
    )
    return vars(report)


@router.get("/{sitting_id}/roster", response_model=list[RegistrationOut])
def roster(sitting_id: Id, db: DbSession, _: Admin) -> list[RegistrationOut]:
    service.get_sitting(db, sitting_id)
    return [
        RegistrationOut(
            id=r.id,
            name=c.name,
            id_number=c.id_number,
            eligible=r.eligible,
            refusals=r.refusals,
            override_reason=r.override_reason,
            seat=r.seat,
            ticket=r.ticket,
        )
        for r, c in service.roster(db, sitting_id)
    ]


@router.post("/registrations/{registration_id}/override", status_code=204)
def override(registration_id: Id, body: OverrideIn, db: DbSession, admin: Admin) -> None:
    service.override(db, registration_id=registration_id, reason=body.reason, actor=admin.actor)


@router.post("/registrations/{registration_id}/extra-time", status_code=204)
def extra_time(registration_id: Id, body: ExtraTimeIn, db: DbSession, admin: Admin) -> None:
    service.set_extra_time(
        db, registration_id=registration_id, minutes=body.minutes, reason=body.reason, actor=admin.actor
    )


@router.post("/{sitting_id}/seats")
def seats(sitting_id: Id, body: SeatsIn, db: DbSession, admin: Admin) -> dict[str, int]:
    return {"seated": len(service.assign_seats(db, sitting_id=sitting_id, mode=body.mode, actor=admin.actor))}


@router.post("/{sitting_id}/staff/draw")
def draw_staff(sitting_id: Id, db: DbSession, admin: Admin) -> dict[str, list[int]]:
    return {"assigned": [a.user_id for a in staffing.draw(db, sitting_id=sitting_id, actor=admin.actor)]}


@router.post("/{sitting_id}/staff", status_code=201)
def assign(sitting_id: Id, body: AssignIn, db: DbSession, admin: Admin) -> dict[str, int]:
    made = staffing.assign(db, sitting_id=sitting_id, user_id=body.user_id, role=body.role, actor=admin.actor)
    return {"id": made.id}


@router.post("/{sitting_id}/open")
def open_sitting(sitting_id: Id, request: Request, db: DbSession, admin: Admin) -> dict[str, int]:
    opened = service.open_sitting(db, sitting_id=sitting_id, actor=admin.actor, timezone=timezone(request))
    return {"papers": opened.papers, "draw": opened.sitting.draw_id or 0}


@router.post("/staff-pool", status_code=204)
def pool(body: PoolIn, db: DbSession, admin: Admin) -> None:
    institution = service.institution(db, body.institution, actor=admin.actor).id if body.institution else None
    staffing.add_to_pool(db, user_id=body.user_id, institution_id=institution, trainer=body.trainer, actor=admin.actor)


@router.get("/mine", response_model=list[SittingOut])
def mine(
    request: Request, db: DbSession, me: Annotated[Principal, allow("proctor", "chief_examiner")]
) -> list[SittingOut]:
    today = clock.local_date(clock.now(), timezone(request))
    return [
        SittingOut.model_validate(s)
        for s, _ in staffing.my_sittings(db, user_id=me.id, today=today, timezone=timezone(request))
    ]


def starts(text: str, zone: str) -> datetime:
    """A local date and time from a form ("2026-12-05T09:00") in the exam body's time zone."""
    from zoneinfo import ZoneInfo

    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        raise Invalid("bad_time", "开考时间格式有误", "the start time is not a date and time") from None
