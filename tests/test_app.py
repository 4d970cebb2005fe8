"""The service as a whole: health, readiness, offline pages, errors without tracebacks."""

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from examhall.app import create_app
from examhall.config import Settings


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").text == "ok"
    assert client.get("/readyz").text == "ready"


def test_readyz_fails_on_a_database_behind_the_migrations(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    engine.dispose()
    app = create_app(settings)
    response = TestClient(app).get("/readyz")
    app.state.database.dispose()
    assert response.status_code == 503
    assert "examhall db upgrade" in response.text


def test_pages_load_nothing_from_outside(client: TestClient) -> None:
    for page in ("/login", "/docs"):
        response = client.get(page)
        assert response.status_code == 200
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", response.text), page
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert client.get("/static/docs/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "examhall"


def test_unknown_page_and_api_path_answer_in_chinese(client: TestClient) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "页面不存在" in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json()["message"] == "页面不存在"


def test_bad_json_gets_a_field_by_field_answer(client: TestClient) -> None:
    response = client.post("/api/v1/accounts/login", json={"username": "x"})
    assert response.status_code == 422
    assert response.json()["problems"][0]["where"] == "body.password"


def test_a_nul_character_is_refused_before_anything_reads_it(client: TestClient, staff_client: Any) -> None:
    """PostgreSQL text cannot hold one: a NUL in the address or in a JSON or form body is a 422
    naming where, on every database alike. A file upload is not looked into."""
    refused = [
        (client.post("/api/v1/accounts/login", json={"username": "li\u0000", "password": "x"}), "body"),
        (client.post("/login", data={"username": "li\u0000", "password": "x"}), "body"),
        (client.get("/results?ticket=%00"), "address"),
        (client.get("/api/v1/banks/a%00b/items"), "address"),
    ]
    for response, where in refused:
        assert response.status_code == 422, response.text
        assert response.json()["problems"] == [
            {"code": "nul_character", "where": where, "message": "请求中含有空字符（NUL），已拒绝", "warning": False}
        ]
    assert client.post("/api/v1/accounts/login", json={"username": "li", "password": "x"}).status_code == 401
    admin = staff_client("admin")
    upload = admin.post(
        "/api/v1/banks/nul/import", files={"file": ("bank.csv", "题干,答案\n\u0000".encode())}, data={"name": "x"}
    )
    assert upload.status_code == 422 and upload.json()["code"] != "nul_character"


def test_numbers_past_what_a_column_holds_and_lone_surrogates_are_422s_naming_the_field(staff_client: Any) -> None:
    """A text holding a lone UTF-16 surrogate, which no UTF-8 column can store, and a number past
    what a column holds once answered 500. Each is a 422 naming its field. (A candidate's answers:
    tests/delivery/test_delivery.py.)"""
    admin = staff_client("admin")
    site = admin.post(
        "/api/v1/sittings/sites",
        content=b'{"area_code": "140105", "code": "01", "name": "\\udc00\\u8003\\u70b9"}',
        headers={"content-type": "application/json"},
    )
    assert site.status_code == 422 and site.json()["code"] == "lone_surrogate"
    assert [p["where"] for p in site.json()["problems"]] == ["body.name"]
    # A surrogate pair is a character like any other; a backslash written out is text.
    paired = admin.post(
        "/api/v1/sittings/sites",
        content=b'{"area_code": "140105", "code": "01", "name": "\\ud83d\\ude00\\\\ud800 \\u8003\\u70b9"}',
        headers={"content-type": "application/json"},
    )
    assert paired.status_code == 201, paired.text
    rooms = f"/api/v1/sittings/sites/{paired.json()['id']}/rooms"
    room = admin.post(rooms, json={"name": "一", "seats": 2**63, "columns": 6})
    assert room.status_code == 422 and room.json()["problems"][0]["where"] == "body.seats"
