"""A site, a room, an exam on the shipped safety-check bank, and a sitting tomorrow morning."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from examhall import clock
from examhall.banks import service as banks
from examhall.banks.service import shipped_dir
from examhall.db import Database
from examhall.sittings import service
from examhall.sittings.identity import check_character
from tests.conftest import TEST_ACTOR

ZONE = "Asia/Shanghai"
HEADER = ["姓名", "身份证号", "性别", "企业", "培训机构", "工种/类别", "手机", "培训学时"]


def id_number(born: date, sequence: int = 1, *, male: bool = True, region: str = "140105") -> str:
    """A valid resident ID number (GB 11643-1999) for tests."""
    order = sequence * 2 + (1 if male else 0)
    first17 = f"{region}{born:%Y%m%d}{order:03d}"
    return first17 + check_character(first17)


def roster_csv(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def person(
    n: int, *, institution: str = "晋安培训中心", hours: object = 72, born: date = date(1990, 5, 1), name: str = ""
) -> list[object]:
    return [
        name or f"考生{n}",
        id_number(born, n),
        "男",
        "晋能煤业",
        institution,
        "煤矿安全检查作业",
        f"1390000{n:04d}",
        hours,
    ]


@dataclass
class Arranged:
    database: Database
    site_id: int
    room_id: int
    exam_id: int
    sitting_id: int
    starts_at: datetime


def schedule(database: Database, arranged: "Arranged", starts_at: datetime) -> int:
    with database.transaction() as db:
        return service.schedule(
            db, exam_id=arranged.exam_id, room_id=arranged.room_id, starts_at=starts_at, actor=TEST_ACTOR, timezone=ZONE
        ).id


@pytest.fixture
def arranged(database: Database) -> Arranged:
    path = shipped_dir() / "coal-safety-check.yaml"
    tomorrow = clock.now().astimezone(ZoneInfo(ZONE)).date() + timedelta(days=1)
    starts_at = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, 0, tzinfo=ZoneInfo(ZONE))
    with database.transaction() as db:
        banks.import_file(db, code="coal-safety-check", filename=path.name, data=path.read_bytes(), actor=TEST_ACTOR)
        site = service.add_site(db, area_code="140105", code="01", name="太原考点", actor=TEST_ACTOR)
        room = service.add_room(db, site_id=site.id, name="第一考场", seats=30, columns=6, actor=TEST_ACTOR)
        exam = service.add_exam(
            db,
            name="煤矿安全检查作业 安全技术理论考试",
            category="煤矿安全检查作业",
            blueprint_name="special_operations",
            bank_codes=["coal-safety-check"],
            required_hours=Decimal(72),
            actor=TEST_ACTOR,
        )
        sitting = service.schedule(
            db, exam_id=exam.id, room_id=room.id, starts_at=starts_at, actor=TEST_ACTOR, timezone=ZONE
        )
        return Arranged(database, site.id, room.id, exam.id, sitting.id, starts_at)


def import_roster(arranged: Arranged, data: bytes, filename: str = "roster.csv") -> service.RosterReport:
    with arranged.database.transaction() as db:
        return service.import_roster(
            db, sitting_id=arranged.sitting_id, filename=filename, data=data, actor=TEST_ACTOR, timezone=ZONE
        )
