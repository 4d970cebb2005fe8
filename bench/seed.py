"""Seed a database for the load benchmark: a 10,000-item bank, sittings of 99 candidates each
(as many as N needs), all open with their papers drawn and starting shortly, and a file of the
candidates' logins. Run: python -m bench.seed DATABASE_URL N OUT.json"""

import csv
import io
import json
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from alembic import command

from bench.banks import ACTOR, drafts
from examhall import clock
from examhall.accounts import service as accounts
from examhall.banks import service as banks
from examhall.banks.formats import write
from examhall.config import Settings
from examhall.db import Database, alembic_config
from examhall.sittings import service as sittings
from examhall.sittings.identity import check_character
from examhall.sittings.models import Assignment

ZONE = "Asia/Shanghai"
SEATS = 99
SITTINGS_PER_SITE = 90
PASSWORD = "bench-password"  # noqa: S105 (a throwaway benchmark database)


def id_number(n: int) -> str:
    born = date(1970, 1, 1) + timedelta(days=n % 10_000)
    first17 = f"140105{born:%Y%m%d}{n % 1000:03d}"
    return first17 + check_character(first17)


def seed(url: str, candidates: int, start_in_seconds: int) -> dict[str, object]:
    command.upgrade(alembic_config(url), "head")
    database = Database(Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]
    data, _ = write("json", code="bench", name="bench", description="", drafts=drafts(10_000, 1, "A"), images={})
    with database.transaction() as db:
        banks.import_file(db, code="bench", filename="bench.json", data=data, actor=ACTOR, name="bench")
        admin = accounts.add_user(db, username="bench-admin", role="admin", password=PASSWORD, actor=ACTOR)
        chief = accounts.add_user(db, username="bench-chief", role="chief_examiner", password=PASSWORD, actor=ACTOR)
        proctor = accounts.add_user(db, username="bench-proctor", role="proctor", password=PASSWORD, actor=ACTOR)
        exam = sittings.add_exam(
            db,
            name="压测考试",
            category="煤矿安全检查作业",
            blueprint_name="special_operations",
            bank_codes=["bench"],
            required_hours=Decimal(0),
            actor=ACTOR,
        )
        ids = (admin.id, chief.id, proctor.id, exam.id)
    logins, sitting_ids, number, site_id = [], [], 0, 0
    for first in range(0, candidates, SEATS):
        size, n = min(SEATS, candidates - first), first // SEATS
        with database.transaction() as db:
            if n % SITTINGS_PER_SITE == 0:  # a site numbers its rooms 01-99 in a year
                code = f"{n // SITTINGS_PER_SITE + 1:02d}"
                site_id = sittings.add_site(db, area_code="140105", code=code, name=f"压测考点{code}", actor=ACTOR).id
            room = sittings.add_room(db, site_id=site_id, name=f"考场{n + 1}", seats=SEATS, columns=11, actor=ACTOR)
            starts_at = clock.now() + timedelta(seconds=start_in_seconds)  # shortly: all start when seeded
            sitting = sittings.schedule(
                db, exam_id=ids[3], room_id=room.id, starts_at=starts_at, actor=ACTOR, timezone=ZONE
            )
            rows = io.StringIO()
            writer = csv.writer(rows)
            writer.writerow(["姓名", "身份证号", "培训学时"])
            people = []
            for _ in range(size):
                number += 1
                people.append((f"考生{number}", id_number(number)))
                writer.writerow([f"考生{number}", id_number(number), 100])
            sittings.import_roster(
                db,
                sitting_id=sitting.id,
                filename="bench.csv",
                data=rows.getvalue().encode(),
                actor=ACTOR,
                timezone=ZONE,
            )
            seated = sittings.assign_seats(db, sitting_id=sitting.id, mode="ordered", actor=ACTOR)
            # The benchmark's staff serve every sitting at once; exam bodies' staffing rules do not apply here.
            db.add_all(
                [
                    Assignment(
                        sitting_id=sitting.id,
                        user_id=ids[1],
                        role="chief_examiner",
                        assigned_by="bench",
                        created_at=clock.now(),
                    ),
                    Assignment(
                        sitting_id=sitting.id,
                        user_id=ids[2],
                        role="proctor",
                        assigned_by="bench",
                        created_at=clock.now(),
                    ),
                ]
            )
            db.flush()
            sittings.open_sitting(db, sitting_id=sitting.id, actor=ACTOR, timezone=ZONE)
            sitting_ids.append(sitting.id)
            by_id = dict(people)
            names = {r.candidate_id: r.ticket for r in seated}
            for registration in seated:
                logins.append({"ticket": registration.ticket, "sitting": sitting.id})
            assert len(names) == len(by_id)
        for login, (_, person_id) in zip(logins[-size:], people, strict=True):
            login["id_number"] = person_id
    database.dispose()
    return {
        "starts_at": starts_at.isoformat(),
        "sittings": sitting_ids,
        "candidates": logins,
        "admin": {"username": "bench-admin", "password": PASSWORD},
    }


def main() -> None:
    url, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    started = time.perf_counter()
    seeded = seed(url, count, start_in_seconds=int(sys.argv[4]) if len(sys.argv) > 4 else 2)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(seeded, handle)
    print(
        f"seeded {count} candidates in {len(seeded['sittings'])} sittings "  # type: ignore[arg-type]
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
