"""Every route declares who may use it, and only they can: each route is called as every role
and as nobody. A route added without `allow(...)` or `public()` fails here."""

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from examhall.accounts.models import User
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


def _routes(app: FastAPI) -> list[Any]:
    """Every API route with its full path, methods and dependencies, however deep it was
    included. (FastAPI keeps included routers nested, and resolves their routes' paths only in
    its route contexts.)"""
    found: list[Any] = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "effective_route_contexts"):
            found += [c for c in route.effective_route_contexts() if isinstance(c.original_route, APIRoute)]
    return [r for r in found if r.path not in FRAMEWORK_PATHS]


def test_the_walk_finds_every_domains_routes(app: FastAPI) -> None:
    paths = {r.path for r in _routes(app)}
    for prefix in (
        "/api/v1/accounts",
        "/api/v1/banks",
        "/api/v1/papers",
        "/api/v1/sittings",
        "/api/v1/delivery",
        "/api/v1/proctoring",
        "/api/v1/grading",
        "/api/v1/assessments",
        "/admin/banks",
        "/exam",
        "/proctor/sittings",
        "/sittings/{sitting_id}/record",
    ):
        assert any(p.startswith(prefix) for p in paths), prefix
    assert len(paths) > 150


def test_every_route_declares_its_roles(app: FastAPI) -> None:
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in _routes(app) if _declared(r.dependant) is None]
    assert undeclared == [], f"routes without allow(...) or public(): {undeclared}"


def _staff(database: Database) -> None:
    for role in STAFF:
        add_staff(database, f"matrix-{role}", role)


def _cookies(settings: Settings, database: Database) -> dict[str, dict[str, str]]:
    """A session of each role (and none), made afresh: a logout along the walk ends the old ones."""
    with database.transaction(write=False) as db:
        users = {u.role: u for u in db.scalars(select(User).where(User.username.like("matrix-%")))}
    cookies = {}
    for role in ALL_ROLES:
        who: dict[str, Any]
        if role in STAFF:
            user = users[role]
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
    _staff(database)
    client = TestClient(app, raise_server_exceptions=False)
    wrong: list[str] = []
    for route in _routes(app):
        roles = _declared(route.dependant) or frozenset()
        for method in sorted(route.methods - {"HEAD"}):
            for who, cookie in _cookies(settings, database).items():
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
    _staff(database)
    client = TestClient(app)
    client.cookies.update(_cookies(settings, database)[who])
    response = client.get("/api/v1/accounts/users")
    assert response.json()["message"] in ("请先登录", "您的角色无权进行此操作")
