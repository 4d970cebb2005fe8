"""Login, logout, one's own password, and the admin's account management."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from examhall.accounts import service
from examhall.accounts.models import ROLE_NAMES_ZH, ROLES
from examhall.accounts.permissions import (
    ALL_ROLES,
    STAFF,
    Principal,
    allow,
    client_address,
    end_session,
    public,
)
from examhall.accounts.router import log_in, throttle
from examhall.db import DbSession, Id
from examhall.errors import ExamhallError
from examhall.web.pages import flash, form_error, local_path, redirect, refusal, render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, allow("admin")]


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, principal: Annotated[Principal | None, public()], next: str = "/") -> Response:
    if principal is not None and principal.kind == "staff":
        return redirect(local_path(next))
    return render(request, "accounts/login.html", next=local_path(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: DbSession,
    _: Annotated[Principal | None, public(csrf=True)],
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        user = service.authenticate(
            db,
            username=username,
            password=password,
            client=client_address(request),
            throttle=throttle(request.app.state.settings),
        )
    except ExamhallError as error:
        return form_error(request, db, "accounts/login.html", error, username=username, next=local_path(next))
    log_in(request, user)
    return redirect(local_path(next))


@router.post("/logout")
def logout(request: Request, db: DbSession, me: Annotated[Principal, allow(*ALL_ROLES)]) -> Response:
    if me.kind == "staff":
        service.log_out(db, user_id=me.id, actor=me.actor)
    end_session(request)
    return redirect("/login")


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, _: Annotated[Principal, allow(*STAFF)]) -> Response:
    return render(request, "accounts/password.html")


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, allow(*STAFF)],
    current_password: Annotated[str, Form(max_length=256)],
    new_password: Annotated[str, Form(max_length=256)],
) -> Response:
    try:
        user = service.change_password(
            db,
            user_id=principal.id,
            current_password=current_password,
            new_password=new_password,
            actor=principal.actor,
        )
    except ExamhallError as error:
        return form_error(request, db, "accounts/password.html", error)
    log_in(request, user)
    return render(request, "accounts/password.html", done=True)


def _users_page(request: Request, db: DbSession, **context: Any) -> HTMLResponse:
    typed = context.pop("typed", {})
    return render(request, "accounts/users.html", users=service.list_users(db), roles=ROLES, typed=typed, **context)


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, db: DbSession, _: Admin) -> Response:
    return _users_page(request, db)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    db: DbSession,
    admin: Admin,
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=256)],
    display_name: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        user = service.add_user(
            db,
            username=username.strip(),
            display_name=display_name.strip(),
            role=role,
            password=password,
            actor=admin.actor,
        )
    except ExamhallError as error:
        typed = {"username": username, "display_name": display_name, "role": role}
        return _users_page(request, db, typed=typed, **refusal(db, error))
    role_name = ROLE_NAMES_ZH.get(user.role, user.role)
    flash(request, f"已添加账号“{user.username}”（{user.display_name}，{role_name}），请把初始密码告诉本人")
    return redirect("/admin/users")


@router.post("/admin/users/{user_id}", response_class=HTMLResponse)
def update_user(
    request: Request,
    user_id: Id,
    db: DbSession,
    admin: Admin,
    role: Annotated[str | None, Form()] = None,
    disabled: Annotated[str | None, Form()] = None,
    new_password: Annotated[str | None, Form(max_length=256)] = None,
) -> Response:
    done = []
    try:
        if role and role != service.get_user(db, user_id).role:
            user = service.change_role(db, user_id=user_id, role=role, actor=admin.actor)
            done.append(f"已将{user.display_name or user.username}的角色改为{ROLE_NAMES_ZH.get(user.role, user.role)}")
        if disabled in ("0", "1"):
            user = service.set_disabled(db, user_id=user_id, disabled=disabled == "1", actor=admin.actor)
            done.append(f"已{'停用' if user.disabled else '启用'}{user.display_name or user.username}的账号")
        if new_password:
            user = service.change_password(db, user_id=user_id, new_password=new_password, actor=admin.actor)
            done.append(f"已重置{user.display_name or user.username}的密码，其已登录的设备须重新登录")
    except ExamhallError as error:
        return _users_page(request, db, **refusal(db, error, {"new_password": "新密码"}))
    if done:
        flash(request, "；".join(done))
    return redirect("/admin/users")
