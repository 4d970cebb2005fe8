"""A mine gate for spot-check tests: two officers, the shipped bank of 煤矿安全检查作业 and of the
managers' category to quiz from, and a worker holding a valid special-operations certificate."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from examhall import clock
from examhall.accounts.models import User
from examhall.banks import service as banks
from examhall.banks.service import shipped_dir
from examhall.certificates import kinds, ledger, service
from examhall.db import Database
from examhall.sittings.models import Candidate, Certificate
from examhall.spotchecks import checks
from examhall.trace.service import Actor
from tests.conftest import TEST_ACTOR, add_staff, log_in
from tests.sittings.conftest import ZONE, id_number

CATEGORY = "煤矿安全检查作业"
HOLDER = ("刘守业", id_number(date(1980, 3, 3), 7))


@dataclass
class Gate:
    app: FastAPI
    database: Database
    first: User
    second: User
    certificate_id: int

    def actor(self, user: User) -> Actor:
        return Actor(user.username, "officer", "test")

    def browser(self, user: User) -> TestClient:
        return log_in(TestClient(self.app), user.username)

    def code(self) -> str:
        with self.database.transaction(write=False) as db:
            return service.code_of(db, service.view(db, self.certificate_id, today=clock.now().date()))

    def opened(self) -> int:
        """A check opened by the first officer and confirmed by the second."""
        with self.database.transaction() as db:
            check = checks.open_check(
                db,
                enterprise="晋能煤业",
                place="主井口",
                held_on=clock.now().date(),
                partner_id=self.second.id,
                user_id=self.first.id,
                actor=self.actor(self.first),
            )
        with self.database.transaction() as db:
            checks.confirm_open(db, check_id=check.id, user_id=self.second.id, actor=self.actor(self.second))
        return check.id


@pytest.fixture
def gate(app: FastAPI, database: Database) -> Gate:
    with database.transaction() as db:
        for name in ("coal-safety-check", "coal-principal-manager"):
            path = shipped_dir() / f"{name}.yaml"
            banks.import_file(db, code=name, filename=path.name, data=path.read_bytes(), actor=TEST_ACTOR)
        kind = kinds.save_kind(
            db,
            form=kinds.KindForm(
                code="TZ-AJ",
                name="特种作业操作证",
                source="exam",
                category=CATEGORY,
                work_class="煤矿安全作业",
                operation_item=CATEGORY,
                numbering="id_number",
                valid_years=6,
                review_years=3,
                extended_review_years=6,
                extension_after_years=10,
                review_hours=Decimal(8),
                review_exam=True,
                issuer="山西省应急管理厅",
            ),
            kind_id=None,
            actor=TEST_ACTOR,
        )
        holder = Candidate(id_number=HOLDER[1], name=HOLDER[0], gender="男", birth_date=date(1980, 3, 3))
        db.add(holder)
        db.flush()
        today = clock.now().date()
        certificate = Certificate(
            candidate_id=holder.id,
            kind_id=kind.id,
            number=holder.id_number,
            category=CATEGORY,
            work_class="煤矿安全作业",
            operation_item=CATEGORY,
            first_issued_on=today - timedelta(days=400),
            issued_on=today - timedelta(days=400),
            valid_until=today + timedelta(days=1800),
            next_review_on=today + timedelta(days=700),
            issuer="山西省应急管理厅",
            state="valid",
            origin="imported",
            revision=1,
        )
        ledger.open_certificate(db, certificate, actor=TEST_ACTOR, note={})
        certificate_id = certificate.id
    first = add_staff(database, "officer_a", "officer")
    second = add_staff(database, "officer_b", "officer")
    return Gate(app, database, first, second, certificate_id)


__all__ = ["ZONE", "gate"]
