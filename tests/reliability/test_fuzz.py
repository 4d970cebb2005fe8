"""The whole JSON API, fuzzed from its OpenAPI description as every role and as nobody: whatever
a client sends, examhall answers with a refusal or a result, never with a server error, and no
answer carries a Python traceback.

The calls land in a lived-in world, so that the ids in paths sometimes name something real: a
held sitting, sealed, published and appealed; the demo sitting running, a candidate at work and
a case of misconduct proposed; the shipped banks; a teacher assessment opened and scored; a
practical task; the demo's certificates and spot checks. Every operation gets a fixed number of
generated calls (calls that fit the schema, calls whose path ids exist, calls that break the
schema), drawn with a fixed seed so
that every run makes the same calls: many where the role may call the operation, a few where it
is refused anyway. Event streams, which answer for as long as the client listens, are left out."""

import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.core.result import Ok
from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock, demo
from examhall.accounts import service as accounts
from examhall.accounts.models import User
from examhall.accounts.permissions import ALL_ROLES
from examhall.assessments.models import Assessment, AssessmentEntry, AssessmentPlan, JudgeScore, PracticalTask
from examhall.banks.models import Bank, Image, Item
from examhall.config import Settings
from examhall.db import Database
from examhall.delivery.models import Attempt
from examhall.grading.models import Appeal
from examhall.papers.models import Paper, PaperDraw
from examhall.proctoring.models import MisconductCase
from examhall.sittings import service as sittings
from examhall.sittings.models import Certificate, Registration, Site, Sitting
from examhall.spotchecks.models import SpotWorker
from examhall.trace.models import TraceHead
from tests.assessments.conftest import lecture_marks, make_world
from tests.conftest import TEST_ACTOR, log_in, session_cookie
from tests.delivery.conftest import Room, room
from tests.grading.conftest import chief, held
from tests.sittings.conftest import ZONE, arranged
from tests.test_access_matrix import _declared, _routes

__all__ = ["arranged", "held", "room"]  # the sittings', delivery and grading fixtures, used here too

# Generated calls per operation: where the role may call it, and where it is refused anyway.
EXAMPLES_ALLOWED = 20
EXAMPLES_REFUSED = 3
CSRF = "fuzz-csrf-token"
TRACEBACK = "Traceback (most recent call last)"
Call = Case[Any]
Operation = APIOperation[Any, Any, Any, Any]
# Each staff role acts as this account of the world (the demo's logins).
ACCOUNTS = {
    "admin": "admin",
    "chief_examiner": "chief",
    "proctor": "proctor1",
    "inspector": "inspector",
    "judge": "judge1",
    "trainer": "trainer",
    "officer": "officer1",
}


def _ids(db: Session, column: Any, limit: int = 3, step: int = 1) -> list[Any]:
    return list(db.scalars(select(column).order_by(column).limit(limit)))[::step]


# Where the world's values of each path parameter of the API come from.
PATH_VALUES: dict[str, Callable[[Session], list[Any]]] = {
    "site_id": lambda db: _ids(db, Site.id),
    "sitting_id": lambda db: _ids(db, Sitting.id),
    "attempt_id": lambda db: _ids(db, Attempt.id, 10, 3),
    "registration_id": lambda db: _ids(db, Registration.id, 10, 4),
    "user_id": lambda db: list(
        db.scalars(select(User.id).where(User.username.in_(["admin", "chief", "proctor1"])).order_by(User.id))
    ),
    "code": lambda db: _ids(db, Bank.code),
    "key": lambda db: _ids(db, Item.key, 2),
    "sha256": lambda db: _ids(db, Image.sha256, 1) or ["0" * 64],
    "name": lambda db: ["special_operations", "principal_manager"],
    "draw_id": lambda db: _ids(db, PaperDraw.id, 2),
    "paper_id": lambda db: _ids(db, Paper.id, 2),
    "case_id": lambda db: _ids(db, MisconductCase.id),
    "appeal_id": lambda db: _ids(db, Appeal.id),
    "plan_id": lambda db: _ids(db, AssessmentPlan.id),
    "task_id": lambda db: _ids(db, PracticalTask.id),
    "assessment_id": lambda db: _ids(db, Assessment.id),
    "entry_id": lambda db: _ids(db, AssessmentEntry.id, 2),
    "score_id": lambda db: _ids(db, JudgeScore.id),
    "part": lambda db: ["lecture", "knowledge"],
    "chain": lambda db: [c for c in _ids(db, TraceHead.chain, 500) if c.startswith("sitting:")][:2],
    "certificate_id": lambda db: _ids(db, Certificate.id),
    "worker_id": lambda db: _ids(db, SpotWorker.id),
}


@dataclass
class World:
    app: FastAPI
    database: Database
    settings: Settings
    accounts: dict[str, str]  # staff role -> username
    candidate_cookie: str
    candidate_csrf: str
    known: dict[str, list[Any]]  # path parameter -> values naming something in the world


@pytest.fixture(autouse=True)
def _prompt_threads() -> Iterator[None]:
    """Each call hops from the test's thread to the event loop's and on to a worker thread; a
    short switch interval lets every hop happen at once instead of after Python's default 5 ms."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    yield
    sys.setswitchinterval(before)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@pytest.fixture
def world(held: Room, app: FastAPI, settings: Settings, database: Database) -> World:
    """The world the calls land in, as the module's docstring tells it."""
    with database.transaction() as db:
        demo.load(db, actor=TEST_ACTOR, timezone=ZONE)
    admin = log_in(TestClient(app), "admin", "admin-demo")

    # The held sitting sealed, its results published and one appealed.
    _ok(chief(held).post(f"/api/v1/grading/sittings/{held.sitting_id}/seal"))
    _ok(admin.post(f"/api/v1/grading/sittings/{held.sitting_id}/publish"), 204)
    appeal = {"ticket": held.tickets[0], "id_number": held.ids[0], "reason": "第3题答案应为正确"}
    _ok(TestClient(app).post("/api/v1/grading/results/appeals", json=appeal), 201)

    # The demo sitting under way: two candidates answering, one of them suspected of misconduct.
    with database.transaction(write=False) as db:
        running = db.scalar(select(Sitting).where(Sitting.state == "open").order_by(Sitting.id.desc()))
        assert running is not None and running.id != held.sitting_id
        sitting_id, starts_at = running.id, running.starts_at
        seated = [(r.ticket, c.id_number) for r, c in sittings.roster(db, sitting_id) if r.ticket]
    clock.freeze(starts_at + timedelta(minutes=1))
    proctor = log_in(TestClient(app), "proctor1", "proctor1-demo")
    candidates = []
    for ticket, number in seated[:2]:
        browser = TestClient(app)
        login = _ok(browser.post("/api/v1/delivery/login", json={"ticket": ticket, "id_number": number}))
        browser.headers["X-CSRF-Token"] = login["csrf_token"]
        candidates.append((browser, login["attempt"]))
    authorize = {"attempt_ids": [attempt for _, attempt in candidates]}
    _ok(proctor.post(f"/api/v1/delivery/sittings/{sitting_id}/authorize", json=authorize))
    for browser, attempt in candidates:
        _ok(browser.post(f"/api/v1/delivery/attempts/{attempt}/start"))
    misconduct = {"attempt_id": candidates[1][1], "facts": "使用手机查阅答案"}
    _ok(proctor.post(f"/api/v1/proctoring/sittings/{sitting_id}/misconduct", json=misconduct), 201)

    # A teacher assessment with the demo's chief examiner, opened, and one judge's score in.
    assessments = make_world(app, database)
    with database.transaction() as db:
        chief_id = db.scalar(select(User.id).where(User.username == "chief"))
        assert chief_id is not None
    assessments.chief_user = chief_id
    for n in (4, 5):  # beside the demo's three judges in the pool
        assessments.add_judge(f"judge{n}_f", f"评委单位{n}")
    plan = assessments.teacher_plan()
    entrants = [(number, "晋安培训中心") for number in assessments.candidates[:2]]
    aid = assessments.assessment(plan, candidates=entrants, panel_size=5)  # every judge sits on it
    assert "judge1" in assessments.panel(aid)
    assessments.clients["judge1"] = log_in(TestClient(app), "judge1", "judge1-demo")
    _ok(assessments.score(aid, assessments.entries(aid)[0], "judge1", lecture_marks(72)))
    task = {
        "code": "DQ-K2-001",
        "category": "煤矿井下电气作业",
        "subject": "K2",
        "title": "停送电操作",
        "instructions": "按停电、验电、放电、挂接地线的顺序操作",
        "equipment": "验电器、绝缘手套",
        "minutes": 15,
    }
    _ok(admin.post("/api/v1/assessments/tasks", json=task), 201)

    with database.transaction(write=False) as db:
        known = {name: values(db) for name, values in PATH_VALUES.items()}
    assert all(known.values()), f"the world has nothing for {[n for n, v in known.items() if not v]}"
    cookie = candidates[0][0].cookies.get("examhall_session")
    assert cookie is not None
    csrf = candidates[0][0].headers["X-CSRF-Token"]
    return World(app, database, settings, ACCOUNTS, cookie, csrf, known)


def _credentials(world: World, who: str) -> tuple[str, str]:
    """The session cookie and CSRF token of `who`. A staff account that an earlier call disabled
    or gave another role is put back first; one logged out gets a session of its new generation."""
    if who == "candidate":
        return world.candidate_cookie, world.candidate_csrf
    if who == "anonymous":
        return session_cookie(world.settings, {"csrf": CSRF}), CSRF
    username = world.accounts[who]
    with world.database.transaction() as db:
        user = db.scalar(select(User).where(User.username == username))
        assert user is not None
        if user.role != who:
            accounts.change_role(db, user_id=user.id, role=who, actor=TEST_ACTOR)
        if user.disabled:
            accounts.set_disabled(db, user_id=user.id, disabled=False, actor=TEST_ACTOR)
        principal = {"k": "staff", "i": user.id, "n": username, "r": who, "g": user.session_generation}
    return session_cookie(world.settings, {"who": principal, "csrf": CSRF}), CSRF


def _strategy(operation: Operation, known: dict[str, list[Any]]) -> st.SearchStrategy[Call]:
    """Calls that fit the schema, calls whose path ids exist, and calls that break the schema."""
    branches = [operation.as_strategy(GenerationMode.POSITIVE)]
    names = [parameter.name for parameter in operation.path_parameters]
    if names:
        made: dict[tuple[tuple[str, Any], ...], st.SearchStrategy[Call]] = {}

        def naming(values: dict[str, Any]) -> st.SearchStrategy[Call]:
            key = tuple(sorted(values.items()))
            if key not in made:
                made[key] = operation.as_strategy(GenerationMode.POSITIVE, path_parameters=values)
            return made[key]

        ids = st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in names})
        branches.append(ids.flatmap(naming))
    if any(True for _ in operation.iter_parameters()) or operation.body:
        branches.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(branches)


def _fuzz(strategy: st.SearchStrategy[Call], examples: int, call: Callable[[Call], None]) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],  # every failure is collected below, so nothing is shrunk
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=strategy)
    def run(case: Call) -> None:
        call(case)

    run()


def _where(exc: BaseException) -> str:
    """The exception with examhall's own frames of its traceback."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/examhall/" in f.filename]
    lines = traceback.format_list(frames)
    return "".join(lines) + f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"


def test_the_world_names_every_path_parameter(app: FastAPI) -> None:
    operations = [op for ops in app.openapi()["paths"].values() for op in ops.values()]
    names = {p["name"] for op in operations for p in op.get("parameters", []) if p["in"] == "path"}
    assert names - PATH_VALUES.keys() == set()


@pytest.mark.parametrize("who", [*ALL_ROLES, "anonymous"])
def test_no_call_gets_a_server_error(world: World, who: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    declared = {
        (method, route.path): _declared(route.dependant) or frozenset()
        for route in _routes(world.app)
        for method in route.methods
    }
    failures: dict[tuple[str, str], str] = {}
    answers: Counter[str] = Counter()
    cookie, token = _credentials(world, who)

    def call(case: Call) -> None:
        nonlocal cookie, token
        headers = {"X-CSRF-Token": token}
        try:
            response = case.call(headers=headers, cookies={"examhall_session": cookie})
        except Exception as exc:
            answers["raised"] += 1
            failures.setdefault(
                (case.operation.label, type(exc).__name__),
                f"{case.operation.label} as {who} raised\n{case.as_curl_command(headers=headers)}\n{_where(exc)}",
            )
            return
        finally:
            if case.operation.path.startswith("/api/v1/accounts/"):  # it may have ended the session
                cookie, token = _credentials(world, who)
        answers[str(response.status_code)] += 1
        text = response.content.decode("utf-8", "replace")
        if response.status_code >= 500 or TRACEBACK in text:
            failures.setdefault(
                (case.operation.label, str(response.status_code)),
                f"{case.operation.label} as {who}: {response.status_code}\n"
                f"{case.as_curl_command(headers=headers)}\n{text[:2000]}",
            )

    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operation = result.ok()
        if operation.path.endswith("/events"):
            continue
        roles = declared[(operation.method.upper(), operation.path)]
        allowed = who in roles or "public" in roles
        operations += 1
        _fuzz(_strategy(operation, world.known), EXAMPLES_ALLOWED if allowed else EXAMPLES_REFUSED, call)
    print(f"{who}: {operations} operations, {answers.total()} calls, {dict(sorted(answers.items()))}")
    assert operations > 100
    if failures:
        pytest.fail(
            f"{len(failures)} kinds of server error as {who}; the first call of each:\n\n"
            + "\n\n".join(failures.values()),
            pytrace=False,
        )
