"""Admins manage staff accounts; roles, passwords and disabling take effect at once, traced."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from examhall.db import Database
from examhall.trace import service as trace
from tests.conftest import add_staff, log_in


def test_admin_adds_a_user_and_it_is_traced(staff_client: Callable[..., TestClient], database: Database) -> None:
    admin = staff_client("admin")
    created = admin.post(
        "/api/v1/accounts/users",
        json={"username": "zhang", "display_name": "张三", "role": "proctor", "password": "secret-pass"},
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert "password_hash" not in user
    with database.transaction(write=False) as db:
        events = trace.events(db, f"account:{user['id']}")
    assert [(e.action, e.actor, e.role) for e in events] == [("user.added", "admin1", "admin")]


def test_adding_refuses_bad_input_with_every_problem_named(staff_client: Callable[..., TestClient]) -> None:
    admin = staff_client("admin")
    response = admin.post("/api/v1/accounts/users", json={"username": "a b", "role": "pilot", "password": "short"})
    assert response.status_code == 422
    assert {p["where"] for p in response.json()["problems"]} == {"username", "role", "password"}
    duplicate = admin.post(
        "/api/v1/accounts/users", json={"username": "admin1", "role": "judge", "password": "long-enough"}
    )
    assert duplicate.status_code == 409


def test_role_change_ends_the_old_session_and_is_traced(
    staff_client: Callable[..., TestClient], app: object, database: Database
) -> None:
    admin = staff_client("admin")
    user = add_staff(database, "li", "proctor")
    li = log_in(TestClient(app), "li")  # type: ignore[arg-type]
    assert admin.patch(f"/api/v1/accounts/users/{user.id}", json={"role": "chief_examiner"}).status_code == 200
    assert li.get("/api/v1/accounts/me").status_code == 401
    with database.transaction(write=False) as db:
        assert trace.events(db, f"account:{user.id}")[-1].payload == '{"from":"proctor","to":"chief_examiner"}'


def test_an_admin_cannot_change_their_own_role(staff_client: Callable[..., TestClient]) -> None:
    admin = staff_client("admin", "boss")
    boss = next(u for u in admin.get("/api/v1/accounts/users").json() if u["username"] == "boss")
    refused = admin.patch(f"/api/v1/accounts/users/{boss['id']}", json={"role": "proctor"})
    assert refused.status_code == 422 and refused.json()["code"] == "self_role"
    assert admin.get("/api/v1/accounts/me").json()["role"] == "admin"


def test_disabling_ends_sessions_and_an_admin_cannot_disable_themself(
    staff_client: Callable[..., TestClient], app: object, database: Database
) -> None:
    admin = staff_client("admin", "boss")
    user = add_staff(database, "li", "proctor")
    li = log_in(TestClient(app), "li")  # type: ignore[arg-type]
    assert admin.patch(f"/api/v1/accounts/users/{user.id}", json={"disabled": True}).status_code == 200
    assert li.get("/api/v1/accounts/me").status_code == 401
    me = admin.get("/api/v1/accounts/users").json()
    boss = next(u for u in me if u["username"] == "boss")
    assert admin.patch(f"/api/v1/accounts/users/{boss['id']}", json={"disabled": True}).status_code == 422


def test_changing_ones_password_needs_the_current_one(
    staff_client: Callable[..., TestClient], app: object, database: Database
) -> None:
    proctor = staff_client("proctor", "wang")
    wrong = proctor.post(
        "/api/v1/accounts/me/password", json={"current_password": "nope-nope", "new_password": "brand-new-pass"}
    )
    assert wrong.status_code == 422
    assert (
        proctor.post(
            "/api/v1/accounts/me/password", json={"current_password": "password-123", "new_password": "brand-new-pass"}
        ).status_code
        == 204
    )
    assert proctor.get("/api/v1/accounts/me").status_code == 200  # this session goes on
    log_in(TestClient(app), "wang", "brand-new-pass")  # type: ignore[arg-type]


def test_someone_elses_or_missing_user_id_is_404(staff_client: Callable[..., TestClient]) -> None:
    admin = staff_client("admin")
    assert admin.patch("/api/v1/accounts/users/424242", json={"role": "judge"}).status_code == 404
