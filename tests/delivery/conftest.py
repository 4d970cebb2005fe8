"""An open sitting (papers drawn) starting now, with seated candidates and assigned staff."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from examhall import clock
from examhall.accounts.models import User
from examhall.db import Database
from examhall.sittings import service, staffing
from examhall.sittings.models import Registration
from tests.conftest import TEST_ACTOR, add_staff, log_in
from tests.sittings.conftest import ZONE, Arranged, arranged, id_number, import_roster, person, roster_csv

__all__ = ["arranged"]  # the sittings' fixture, used here too


@dataclass
class Room:
    arranged: Arranged
    app: FastAPI
    tickets: list[str]
    ids: list[str]
    starts_at: datetime

    @property
    def database(self) -> Database:
        return self.arranged.database

    @property
    def sitting_id(self) -> int:
        return self.arranged.sitting_id

    def candidate(self, k: int = 0) -> tuple[TestClient, int]:
        """A logged-in candidate's browser and their attempt id."""
        browser = TestClient(self.app)
        response = browser.post("/api/v1/delivery/login", json={"ticket": self.tickets[k], "id_number": self.ids[k]})
        assert response.status_code == 200, response.text
        browser.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return browser, response.json()["attempt"]

    def proctor(self) -> TestClient:
        return log_in(TestClient(self.app), "proctor_a")

    def started(self, k: int = 0) -> tuple[TestClient, int]:
        """A candidate authorized and started, at the sitting's start."""
        browser, attempt = self.candidate(k)
        clock.freeze(self.starts_at)
        assert (
            self.proctor()
            .post(f"/api/v1/delivery/sittings/{self.sitting_id}/authorize", json={"attempt_ids": [attempt]})
            .status_code
            == 200
        )
        assert browser.post(f"/api/v1/delivery/attempts/{attempt}/start").status_code == 200
        return browser, attempt


@pytest.fixture
def room(arranged: Arranged, app: FastAPI) -> Room:
    import_roster(arranged, roster_csv([person(n) for n in range(1, 5)]))
    with arranged.database.transaction() as db:
        service.assign_seats(db, sitting_id=arranged.sitting_id, mode="ordered", actor=TEST_ACTOR)
    for name, role in (("chief_a", "chief_examiner"), ("proctor_a", "proctor"), ("proctor_b", "proctor")):
        user = add_staff(arranged.database, name, role)
        with arranged.database.transaction() as db:
            staffing.add_to_pool(db, user_id=user.id, institution_id=None, trainer=False, actor=TEST_ACTOR)
            staffing.assign(db, sitting_id=arranged.sitting_id, user_id=user.id, role=role, actor=TEST_ACTOR)
    with arranged.database.transaction() as db:
        service.open_sitting(db, sitting_id=arranged.sitting_id, actor=TEST_ACTOR, timezone=ZONE)
        seated = list(
            db.scalars(
                select(Registration).where(Registration.sitting_id == arranged.sitting_id).order_by(Registration.seat)
            )
        )
    return Room(
        arranged,
        app,
        [r.ticket or "" for r in seated],
        [id_number(date(1990, 5, 1), n) for n in range(1, 5)],
        arranged.starts_at,
    )


def user_id(database: Database, username: str) -> int:
    with database.transaction(write=False) as db:
        return db.scalar(select(User.id).where(User.username == username)) or 0


def later(room: Room, **delta: float) -> None:
    clock.freeze(room.starts_at + timedelta(**delta))
