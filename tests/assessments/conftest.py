"""A small world for assessments: an exam (the computer part), candidates with the institutions
that trained them, a judge pool, a chief examiner and an admin; and helpers that arrange an
assessment through the JSON API. Tests that need published computer results use the held
sitting of tests/grading."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from examhall import clock
from examhall.assessments import panels
from examhall.db import Database
from examhall.sittings import service as sittings
from examhall.sittings.models import Candidate, Exam, Training
from tests.conftest import TEST_ACTOR, add_staff, log_in
from tests.delivery.conftest import room
from tests.grading.conftest import held
from tests.sittings.conftest import ZONE, arranged, id_number

__all__ = ["arranged", "held", "room"]  # the sittings', delivery and grading fixtures, used here too


def routes_of_assessments() -> list[APIRoute]:
    """Every route of the assessments package, its JSON API and its pages (read from the
    package's routers, however the application nests them)."""
    from examhall.assessments import judge_pages, pages, registers, router

    found: dict[tuple[str, frozenset[str]], APIRoute] = {}
    for routes in (registers.router.routes, router.api.routes, pages.router.routes, judge_pages.router.routes):
        for route in routes:
            if isinstance(route, APIRoute):
                found[(route.path, frozenset(route.methods))] = route
    return list(found.values())


LECTURE = ("accuracy", "practice", "cases", "delivery", "timing")  # 30, 20, 20, 20, 10 points


def lecture_marks(total: int | str) -> dict[str, str]:
    """Marks of the preset lecture rubric adding up to `total` (0-100), filled criterion by
    criterion."""
    left = Decimal(total)
    marks = {}
    for key, top in zip(LECTURE, (30, 20, 20, 20, 10), strict=True):
        mark = min(left, Decimal(top))
        marks[key] = str(mark)
        left -= mark
    assert left == 0
    return marks


@dataclass
class World:
    app: FastAPI
    database: Database
    exam_id: int
    candidates: list[str]  # ID numbers
    institutions: dict[str, int]
    chief_user: int
    judges: dict[str, int] = field(default_factory=dict)  # username -> user id
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, username: str) -> TestClient:
        if username not in self.clients:
            self.clients[username] = log_in(TestClient(self.app), username)
        return self.clients[username]

    @property
    def admin(self) -> TestClient:
        return self.client("admin_w")

    @property
    def chief(self) -> TestClient:
        return self.client("chief_w")

    def add_judge(self, username: str, institution: str = "") -> int:
        user = add_staff(self.database, username, "judge")
        with self.database.transaction() as db:
            panels.add_judge(db, user_id=user.id, institution_name=institution, actor=TEST_ACTOR)
        self.judges[username] = user.id
        return user.id

    def user_id(self, username: str) -> int:
        return self.judges[username]

    def teacher_plan(self, name: str = "师资考核（试讲）", **extra: Any) -> int:
        body = {"preset": "teacher", "name": name, "category": "煤矿安全培训", "exam_id": self.exam_id, **extra}
        response = self.admin.post("/api/v1/assessments/plans/presets", json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def assessment(
        self,
        plan_id: int,
        *,
        candidates: list[tuple[str, str]],
        panel_size: int = 3,
        held_on: date | None = None,
        open_it: bool = True,
        chief: bool = True,
    ) -> int:
        """An assessment of the plan with these (ID number, institution) candidates, its chief
        examiner, its panel drawn, and opened."""
        day = held_on or clock.local_date(clock.now(), ZONE) + timedelta(days=1)
        made = self.admin.post(
            "/api/v1/assessments",
            json={"plan_id": plan_id, "name": "测试考核", "held_on": day.isoformat(), "panel_size": panel_size},
        )
        assert made.status_code == 201, made.text
        aid = int(made.json()["id"])
        for number, institution in candidates:
            added = self.admin.post(
                f"/api/v1/assessments/{aid}/candidates", json={"id_number": number, "institution": institution}
            )
            assert added.status_code == 201, added.text
        if chief:
            chosen = self.admin.post(f"/api/v1/assessments/{aid}/chief", json={"user_id": self.chief_user})
            assert chosen.status_code == 204, chosen.text
        if open_it:
            drawn = self.admin.post(f"/api/v1/assessments/{aid}/panel/draw")
            assert drawn.status_code == 200, drawn.text
            opened = self.admin.post(f"/api/v1/assessments/{aid}/open")
            assert opened.status_code == 204, opened.text
        return aid

    def detail(self, aid: int) -> dict[str, Any]:
        response = self.admin.get(f"/api/v1/assessments/{aid}")
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def entries(self, aid: int) -> list[int]:
        return [e["id"] for e in self.detail(aid)["entries"]]

    def panel(self, aid: int) -> list[str]:
        return [m["username"] for m in self.detail(aid)["panel"]]

    def score(self, aid: int, entry: int, judge: str, marks: dict[str, str], part: str = "lecture") -> Any:
        return self.client(judge).post(
            f"/api/v1/assessments/judging/{aid}/entries/{entry}/parts/{part}", json={"marks": marks}
        )


def make_world(app: FastAPI, database: Database, *, exam_id: int | None = None) -> World:
    add_staff(database, "admin_w", "admin")
    chief = add_staff(database, "chief_w", "chief_examiner")
    with database.transaction() as db:
        if exam_id is None:
            exam = Exam(
                name="安全培训教师 计算机考试",
                category="安全培训教师",
                blueprint_name="special_operations",
                bank_codes=[],
                duration_minutes=120,
                pass_mark=Decimal(80),
                required_hours=Decimal(0),
                created_at=clock.now(),
            )
            db.add(exam)
            db.flush()
            exam_id = exam.id
        names = ("晋安培训中心", "太原培训学校", "大同安全学校", "阳泉职业学院")
        institutions = {name: sittings.institution(db, name, actor=TEST_ACTOR).id for name in names}
        numbers = []
        for n, name in enumerate(("王老师", "李老师", "张老师", "赵老师"), start=11):
            number = id_number(date(1980, 3, 1), n)
            if db.query(Candidate).filter(Candidate.id_number == number).first() is None:
                candidate = Candidate(id_number=number, name=name, gender="男", birth_date=date(1980, 3, 1))
                db.add(candidate)
                db.flush()
                if n == 12:  # 李老师 was trained by 太原培训学校
                    db.add(
                        Training(
                            candidate_id=candidate.id,
                            institution_id=institutions["太原培训学校"],
                            category="煤矿安全培训",
                            hours=Decimal(48),
                            completed_on=date(2025, 1, 10),
                        )
                    )
            numbers.append(number)
    return World(app, database, exam_id, numbers, institutions, chief.id)


@pytest.fixture
def world(app: FastAPI, database: Database) -> World:
    made = make_world(app, database)
    for n in range(1, 8):
        made.add_judge(f"judge{n}", f"评委单位{n}")
    return made
