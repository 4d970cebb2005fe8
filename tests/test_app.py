"""The service as a whole: health, readiness, offline pages, errors without tracebacks."""

import re

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
