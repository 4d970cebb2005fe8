"""Who is asking, and may they: the signed session, CSRF, and the role rule every route declares.

A route declares its rule with `allow(...)` (a Principal of one of those roles) or `public()`.
The access-matrix test fails for any route that declares neither."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from examhall.accounts.models import CANDIDATE, ROLES, User
from examhall.db import SAFE_METHODS
from examhall.errors import Forbidden, Unauthorized
from examhall.trace.service import Actor

ALL_ROLES = (*ROLES, CANDIDATE)
STAFF = ROLES


@dataclass(frozen=True)
class Principal:
    kind: str  # "staff" or "candidate"
    id: int
    name: str
    role: str
    client: str
    generation: int = 1

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.role, self.client)


def client_address(request: Request) -> str:
    """The client's address as the trace records it. X-Forwarded-For is believed only from the
    proxies named in EXAMHALL_TRUSTED_PROXIES: the last address in it that is not one of them."""
    peer = request.client.host if request.client else ""
    proxies: frozenset[str] = request.app.state.settings.proxies
    if peer not in proxies:
        return peer
    forwarded = [a.strip() for h in request.headers.getlist("x-forwarded-for") for a in h.split(",") if a.strip()]
    for address in reversed(forwarded):
        if address not in proxies:
            return address[:64]
    return peer


def csrf_token(request: Request) -> str:
    token: str | None = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def start_session(request: Request, *, kind: str, id: int, name: str, role: str, generation: int) -> str:
    """Log in: a fresh session (and CSRF token) so that nothing from before carries over."""
    request.session.clear()
    request.session["who"] = {"k": kind, "i": id, "n": name, "r": role, "g": generation}
    return csrf_token(request)


def end_session(request: Request) -> None:
    request.session.clear()


async def check_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("csrf_token")
        sent = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise Forbidden("csrf", "页面已过期或来源不明，请刷新页面后重试", "missing or wrong CSRF token")


def still_valid(db: Session, principal: Principal) -> bool:
    """Whether a staff member's session still stands (for long requests: an event stream)."""
    if principal.kind != "staff":
        return True
    user = db.get(User, principal.id)
    return not (
        user is None or user.disabled or user.session_generation != principal.generation or user.role != principal.role
    )


async def current_principal(request: Request) -> Principal | None:
    who = request.session.get("who")
    if not isinstance(who, dict):
        return None
    principal = Principal(who["k"], who["i"], who["n"], who["r"], client_address(request), who.get("g", 1))
    # A staff session is checked against the account (disabled, logged out, role changed). A
    # candidate's is checked against the candidate's attempt by the delivery routes, which look
    # every object up through it: so a candidate's request spends no thread or query here.
    if principal.kind == "staff":
        database = request.app.state.database

        def valid() -> bool:
            with database.transaction(write=False) as db:
                return still_valid(db, principal)

        if not await anyio.to_thread.run_sync(valid):
            end_session(request)
            return None
    request.state.principal = principal
    return principal


def allow(*roles: str) -> Any:
    """A dependency giving the logged-in Principal, refusing anyone not in `roles` (and any
    unsafe request without its CSRF token). One dependency, not three: it is on every request."""
    unknown = set(roles) - set(ALL_ROLES)
    assert roles and not unknown, f"unknown roles {unknown}"
    allowed = frozenset(roles)

    async def require(request: Request) -> Principal:
        principal = await current_principal(request)
        if principal is None:
            raise Unauthorized("login_required", "请先登录", "login required")
        if principal.role not in allowed:
            raise Forbidden("role_forbidden", "您的角色无权进行此操作", "your role may not do this")
        await check_csrf(request)
        return principal

    return Depends(_declare(require, allowed))


def public(*, csrf: bool = False) -> Any:
    """Open to anyone, logged in or not; the Principal when there is one."""

    async def anyone(request: Request) -> Principal | None:
        principal = await current_principal(request)
        if csrf:
            await check_csrf(request)
        return principal

    return Depends(_declare(anyone, frozenset({"public"})))


def _declare(dependency: Callable[..., Any], roles: frozenset[str]) -> Callable[..., Any]:
    dependency.examhall_roles = roles  # type: ignore[attr-defined]
    return dependency


def declared_roles(dependency: Any) -> frozenset[str] | None:
    roles: frozenset[str] | None = getattr(dependency, "examhall_roles", None)
    return roles
