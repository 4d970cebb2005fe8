"""Staff login: one refusal for every wrong credential, each traced; throttling; sessions."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from examhall.app import create_app
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


def _from(app: object, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))  # type: ignore[arg-type]


def test_wrong_passwords_from_one_address_do_not_stop_the_right_one_from_another(
    app: object, database: Database
) -> None:
    """A stranger cannot shut the real user out: failures hold back that account from that
    address; from the user's own address the right password still works."""
    add_staff(database, "alice", "proctor")
    stranger = _from(app, "203.0.113.9")
    for _ in range(5):
        stranger.post("/api/v1/accounts/login", json={"username": "alice", "password": "wrong-password"})
    held = stranger.post("/api/v1/accounts/login", json={"username": "alice", "password": "password-123"})
    assert held.status_code == 429
    log_in(_from(app, "10.1.2.3"), "alice")


def test_an_account_tried_from_everywhere_is_slowed_down(app: object, database: Database) -> None:
    """The account's own limit, over every address together, is higher: many addresses trying many
    passwords hold the account back for the window, from anywhere."""
    add_staff(database, "alice", "proctor")
    for n in range(10):
        stranger = _from(app, f"203.0.113.{n}")
        for _ in range(5):
            stranger.post("/api/v1/accounts/login", json={"username": "alice", "password": "wrong-password"})
    refused = _from(app, "10.1.2.3").post(
        "/api/v1/accounts/login", json={"username": "alice", "password": "password-123"}
    )
    assert refused.status_code == 429


def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(settings: Any, database: Database) -> None:
    add_staff(database, "alice", "proctor")
    spoofed = {"X-Forwarded-For": "198.51.100.7"}
    plain = create_app(settings)
    try:
        _from(plain, "10.0.0.5").post(
            "/api/v1/accounts/login", json={"username": "alice", "password": "x"}, headers=spoofed
        )
    finally:
        plain.state.database.dispose()
    proxied = create_app(settings.model_copy(update={"trusted_proxies": "10.0.0.1, 10.0.0.2"}))
    try:
        through = _from(proxied, "10.0.0.1")
        through.post(
            "/api/v1/accounts/login",
            json={"username": "alice", "password": "x"},
            headers={"X-Forwarded-For": "198.51.100.7, 192.0.2.44, 10.0.0.2"},
        )
        # a client that is no proxy cannot speak for another address, even to a server behind proxies
        _from(proxied, "192.0.2.99").post(
            "/api/v1/accounts/login", json={"username": "alice", "password": "x"}, headers=spoofed
        )
    finally:
        proxied.state.database.dispose()
    assert [e.client for e in _events(database, "login.failed")] == ["10.0.0.5", "192.0.2.44", "192.0.2.99"]
