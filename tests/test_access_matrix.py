"""Every route declares who may use it, and only they can: each route is called as every role
and as nobody. A route added without `allow(...)` or `public()` fails here."""

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from examhall.accounts.permissions import ALL_ROLES, STAFF, declared_roles
from examhall.config import Settings
from examhall.db import Database
from tests.conftest import add_staff, session_cookie

# Routes FastAPI or Starlette add themselves, which carry no examhall data.
FRAMEWORK_PATHS = {"/openapi.json"}


def _declared(dependant: Dependant) -> frozenset[str] | None:
    for sub in dependant.dependencies:
        roles = declared_roles(sub.call)
        if roles is not None:
            return roles
        if (found := _declared(sub)) is not None:
            return found
    return None


def _routes(app: FastAPI) -> list[APIRoute]:
    return [r for r in app.routes if isinstance(r, APIRoute) and r.path not in FRAMEWORK_PATHS]


def test_every_route_declares_its_roles(app: FastAPI) -> None:
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in _routes(app) if _declared(r.dependant) is None]
    assert undeclared == [], f"routes without allow(...) or public(): {undeclared}"


def _cookies(settings: Settings, database: Database) -> dict[str, dict[str, str]]:
    cookies = {}
    for role in ALL_ROLES:
        who: dict[str, Any]
        if role in STAFF:
            user = add_staff(database, f"matrix-{role}", role)
            who = {"k": "staff", "i": user.id, "n": user.username, "r": role, "g": user.session_generation}
        else:
            who = {"k": "candidate", "i": 999_999, "n": "candidate", "r": role, "g": 1}
        cookies[role] = {"examhall_session": session_cookie(settings, {"who": who, "csrf": "matrix-token"})}
    cookies["anonymous"] = {"examhall_session": session_cookie(settings, {"csrf": "matrix-token"})}
    return cookies


def _call(client: TestClient, method: str, path: str, cookies: dict[str, str]) -> int:
    url = re.sub(r"\{[^}]+\}", "999999", path)
    client.cookies.clear()
    client.cookies.update(cookies)
    kwargs: dict[str, Any] = {"headers": {"X-CSRF-Token": "matrix-token"}, "follow_redirects": False}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.request(method, url, **kwargs).status_code


def test_only_declared_roles_get_through(app: FastAPI, settings: Settings, database: Database) -> None:
    cookies = _cookies(settings, database)
    client = TestClient(app, raise_server_exceptions=False)
    wrong: list[str] = []
    for route in _routes(app):
        roles = _declared(route.dependant) or frozenset()
        for method in sorted(route.methods - {"HEAD"}):
            for who, cookie in cookies.items():
                status = _call(client, method, route.path, cookie)
                allowed = "public" in roles or who in roles
                if status >= 500:
                    wrong.append(f"{method} {route.path} as {who}: {status}")
                elif allowed and status in (401, 403):
                    wrong.append(f"{method} {route.path} as {who}: refused ({status}) but declared")
                elif not allowed and status not in (401, 403, 303):
                    wrong.append(f"{method} {route.path} as {who}: {status} but not declared")
                elif not allowed and status == 303 and route.path.startswith("/api/"):
                    wrong.append(f"{method} {route.path} as {who}: redirect from the API")
    assert wrong == []


@pytest.mark.parametrize("who", ["anonymous", "proctor"])
def test_refusals_say_why_in_chinese(app: FastAPI, settings: Settings, database: Database, who: str) -> None:
    client = TestClient(app)
    client.cookies.update(_cookies(settings, database)[who])
    response = client.get("/api/v1/accounts/users")
    assert response.json()["message"] in ("请先登录", "您的角色无权进行此操作")
