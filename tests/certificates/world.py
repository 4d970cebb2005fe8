"""A published sitting in which three candidates passed, a certificate kind for its category, and
administrators to act on the certificates: the ground every certificate test stands on."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from examhall import clock
from examhall.certificates import issuing, kinds
from examhall.certificates.models import CertificateKind
from examhall.db import Database
from examhall.delivery import submitting
from examhall.sittings.models import Certificate, Exam
from tests.conftest import TEST_ACTOR, add_staff, log_in
from tests.delivery.conftest import Room, later, room
from tests.grading.conftest import chief
from tests.sittings.conftest import ZONE, arranged

__all__ = ["arranged", "room"]  # the fixtures a published sitting grows from
CATEGORY = "煤矿安全检查作业"


def special_kind(**changes: object) -> kinds.KindForm:
    fields: dict[str, object] = {
        "code": "TZ-AJ",
        "name": "特种作业操作证",
        "source": "exam",
        "category": CATEGORY,
        "work_class": "煤矿安全作业",
        "operation_item": CATEGORY,
        "numbering": "id_number",
        "valid_years": 6,
        "review_years": 3,
        "extended_review_years": 6,
        "extension_after_years": 10,
        "review_hours": Decimal(8),
        "review_exam": True,
        "issuer": "山西省应急管理厅",
    }
    fields.update(changes)
    return kinds.KindForm(**fields)  # type: ignore[arg-type]


def held_and_sealed(room: Room, *, publish: bool) -> None:
    """Three of the four sit and submit, and pass (the pass mark is 0); the fourth never comes.
    The chief examiner seals; an administrator publishes when asked."""
    with room.database.transaction() as db:
        db.execute(update(Exam).values(pass_mark=Decimal(0)))
    for k in range(3):
        browser, attempt = room.started(k)
        browser.post(f"/api/v1/delivery/attempts/{attempt}/submit")
    later(room, minutes=121)
    with room.database.transaction() as db:
        submitting.sweep(db)
    assert chief(room).post(f"/api/v1/grading/sittings/{room.sitting_id}/seal").status_code == 200
    if publish:
        assert admin(room).post(f"/api/v1/grading/sittings/{room.sitting_id}/publish").status_code == 204


def admin(room: Room, name: str = "admin_c") -> TestClient:
    if not _exists(room.database, name):
        add_staff(room.database, name, "admin")
    return log_in(TestClient(room.app), name)


def _exists(database: Database, name: str) -> bool:
    from examhall.accounts.models import User

    with database.transaction(write=False) as db:
        return db.scalar(select(User.id).where(User.username == name)) is not None


@dataclass
class Issued:
    room: Room
    kind_id: int
    certificate_ids: list[int]

    @property
    def database(self) -> Database:
        return self.room.database

    def certificate(self, k: int = 0) -> Certificate:
        with self.database.transaction(write=False) as db:
            found = db.get(Certificate, self.certificate_ids[k])
            assert found is not None
            db.expunge(found)
            return found


def add_kind(database: Database, **changes: object) -> CertificateKind:
    with database.transaction() as db:
        kind = kinds.save_kind(db, form=special_kind(**changes), kind_id=None, actor=TEST_ACTOR)
        db.expunge(kind)
        return kind


@pytest.fixture
def published(room: Room) -> Room:
    held_and_sealed(room, publish=True)
    return room


@pytest.fixture
def issued(published: Room) -> Issued:
    kind = add_kind(published.database)
    with published.database.transaction() as db:
        made = issuing.issue_for_sitting(
            db, sitting_id=published.sitting_id, expected=3, actor=TEST_ACTOR, timezone=ZONE
        )
        ids = [c.id for c in made]
    return Issued(published, kind.id, ids)


def today() -> date:
    return clock.local_date(clock.now(), ZONE)
