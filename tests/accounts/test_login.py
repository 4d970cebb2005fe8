"""Staff login: one refusal for every wrong credential, each traced; throttling; sessions."""

from fastapi.testclient import TestClient
from sqlalchemy import select

from examhall.db import Database
from examhall.trace.models import TraceEvent
from tests.conftest import add_staff, form_token, log_in


def _events(database: Database, action: str) -> list[TraceEvent]:
    with database.transaction(write=False) as db:
        return list(db.scalars(select(TraceEvent).where(TraceEvent.action == action).order_by(TraceEvent.at)))


def test_wrong_password_unknown_user_and_disabled_account_get_the_same_refusal(
    client: TestClient, database: Database
) -> None:
    add_staff(database, "alice", "proctor")
    disabled = add_staff(database, "bob", "proctor")
    admin = log_in(TestClient(client.app), add_staff(database, "root", "admin").username)
    assert admin.patch(f"/api/v1/accounts/users/{disabled.id}", json={"disabled": True}).status_code == 200

    replies = [
        client.post("/api/v1/accounts/login", json=credentials)
        for credentials in (
            {"username": "alice", "password": "wrong-password"},
            {"username": "nobody", "password": "password-123"},
            {"username": "bob", "password": "password-123"},
        )
    ]
    assert {r.status_code for r in replies} == {401}
    assert len({r.text for r in replies}) == 1
    assert replies[0].json()["message"] == "用户名或密码错误"

    failures = _events(database, "login.failed")
    assert [(e.subject, e.chain.split(":")[0]) for e in failures] == [
        ("alice", "account"),
        ("nobody", "logins"),
        ("bob", "account"),
    ]
    assert [e.payload for e in failures] == [
        '{"reason":"wrong_password"}',
        '{"reason":"unknown_user"}',
        '{"reason":"disabled"}',
    ]
    assert all(e.client == "testclient" for e in failures)


def test_successful_login_is_traced_and_opens_a_session(client: TestClient, database: Database) -> None:
    add_staff(database, "alice", "proctor")
    log_in(client, "alice")
    me = client.get("/api/v1/accounts/me")
    assert me.status_code == 200
    assert me.json()["role"] == "proctor"
    assert [e.subject for e in _events(database, "login.succeeded")] == ["alice"]
    cookie = client.cookies.get("examhall_session")
    assert cookie
    assert client.post("/api/v1/accounts/logout").status_code == 204
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_session_cookie_is_httponly_and_samesite(client: TestClient, database: Database) -> None:
    add_staff(database, "alice", "proctor")
    response = client.post("/api/v1/accounts/login", json={"username": "alice", "password": "password-123"})
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header
    assert "samesite=lax" in header


def test_throttling_per_account_refuses_even_the_right_password(client: TestClient, database: Database) -> None:
    add_staff(database, "alice", "proctor")
    for _ in range(5):
        assert (
            client.post("/api/v1/accounts/login", json={"username": "alice", "password": "wrong-password"}).status_code
            == 401
        )
    refused = client.post("/api/v1/accounts/login", json={"username": "alice", "password": "password-123"})
    assert refused.status_code == 429
    assert "15分钟" in refused.json()["message"]
    assert len(_events(database, "login.throttled")) == 1
    # Another account from the same address is not held back by alice's failures.
    add_staff(database, "carol", "proctor")
    log_in(client, "carol")


def test_throttling_per_address_across_accounts(app: object, database: Database, settings: object) -> None:
    client = TestClient(app)  # type: ignore[arg-type]
    add_staff(database, "alice", "proctor")
    for i in range(20):
        client.post("/api/v1/accounts/login", json={"username": f"guess{i}", "password": "wrong-password"})
    refused = client.post("/api/v1/accounts/login", json={"username": "alice", "password": "password-123"})
    assert refused.status_code == 429


def test_a_success_clears_the_account_failures(client: TestClient, database: Database) -> None:
    add_staff(database, "alice", "proctor")
    for _ in range(4):
        client.post("/api/v1/accounts/login", json={"username": "alice", "password": "wrong-password"})
    log_in(client, "alice")
    statuses = [
        client.post("/api/v1/accounts/login", json={"username": "alice", "password": "wrong-password"}).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 401]
    log_in(client, "alice")


def test_login_page_refuses_a_form_without_csrf_token(client: TestClient, database: Database) -> None:
    add_staff(database, "alice", "proctor")
    response = client.post("/login", data={"username": "alice", "password": "password-123"}, follow_redirects=False)
    assert response.status_code == 403
    assert "页面已过期" in response.text
    assert _events(database, "login.succeeded") == []


def test_login_page_logs_in_and_redirects_only_within_the_site(client: TestClient, database: Database) -> None:
    add_staff(database, "alice", "admin")
    token = form_token(client)
    response = client.post(
        "/login",
        data={"username": "alice", "password": "password-123", "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert "账号管理" in client.get("/admin/users").text


def test_login_page_shows_the_refusal_in_chinese(client: TestClient, database: Database) -> None:
    token = form_token(client)
    response = client.post("/login", data={"username": "x", "password": "y", "csrf_token": token})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert "Traceback" not in response.text
    assert len(_events(database, "login.failed")) == 1


def test_pages_send_anonymous_visitors_to_login(client: TestClient) -> None:
    response = client.get("/admin/users", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/users"


def test_logging_out_ends_the_accounts_sessions_everywhere(app: object, database: Database) -> None:
    add_staff(database, "alice", "proctor")
    tablet = log_in(TestClient(app), "alice")  # type: ignore[arg-type]
    desk = log_in(TestClient(app), "alice")  # type: ignore[arg-type]
    assert desk.post("/api/v1/accounts/logout").status_code == 204
    assert tablet.get("/api/v1/accounts/me").status_code == 401
    assert [e.action for e in _events(database, "logout")] == ["logout"]
