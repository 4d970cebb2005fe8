"""JSON API for logging in and for managing staff accounts."""

from typing import Annotated

from fastapi import APIRouter, Request

from examhall.accounts import service
from examhall.accounts.models import User
from examhall.accounts.permissions import (
    ALL_ROLES,
    STAFF,
    Principal,
    allow,
    client_address,
    end_session,
    public,
    start_session,
)
from examhall.accounts.schemas import (
    LoginIn,
    PasswordChange,
    PasswordReset,
    SessionOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from examhall.config import Settings
from examhall.db import DbSession, Id

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])
Admin = Annotated[Principal, allow("admin")]


def throttle(settings: Settings) -> service.Throttle:
    return service.Throttle(
        settings.login_window_minutes,
        settings.login_max_failures_per_account,
        settings.login_max_failures_per_address,
        settings.login_max_failures_per_account_total,
    )


def log_in(request: Request, user: User) -> str:
    return start_session(
        request, kind="staff", id=user.id, name=user.username, role=user.role, generation=user.session_generation
    )


# A JSON body cannot be sent cross-site without CORS, which examhall never allows, so the
# JSON login needs no CSRF token; it returns the token for the requests that follow.
@router.post("/login", response_model=SessionOut)
def login(body: LoginIn, request: Request, db: DbSession, _: Annotated[Principal | None, public()]) -> SessionOut:
    user = service.authenticate(
        db,
        username=body.username,
        password=body.password,
        client=client_address(request),
        throttle=throttle(request.app.state.settings),
    )
    return SessionOut(username=user.username, role=user.role, csrf_token=log_in(request, user))


@router.post("/logout", status_code=204)
def logout(request: Request, db: DbSession, me: Annotated[Principal, allow(*ALL_ROLES)]) -> None:
    if me.kind == "staff":
        service.log_out(db, user_id=me.id, actor=me.actor)
    end_session(request)


@router.get("/me", response_model=SessionOut)
def me(request: Request, principal: Annotated[Principal, allow(*ALL_ROLES)]) -> SessionOut:
    return SessionOut(username=principal.name, role=principal.role, csrf_token=request.session.get("csrf", ""))


@router.post("/me/password", status_code=204)
def change_my_password(
    body: PasswordChange, request: Request, db: DbSession, principal: Annotated[Principal, allow(*STAFF)]
) -> None:
    user = service.change_password(
        db,
        user_id=principal.id,
        current_password=body.current_password,
        new_password=body.new_password,
        actor=principal.actor,
    )
    log_in(request, user)


@router.get("/users", response_model=list[UserOut])
def list_users(db: DbSession, _: Admin) -> list[User]:
    return service.list_users(db)


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(body: UserCreate, db: DbSession, admin: Admin) -> User:
    return service.add_user(
        db,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        password=body.password,
        actor=admin.actor,
    )


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: Id, body: UserUpdate, db: DbSession, admin: Admin) -> User:
    user = service.get_user(db, user_id)
    if body.role is not None:
        user = service.change_role(db, user_id=user_id, role=body.role, actor=admin.actor)
    if body.disabled is not None:
        user = service.set_disabled(db, user_id=user_id, disabled=body.disabled, actor=admin.actor)
    return user


@router.post("/users/{user_id}/password", status_code=204)
def reset_password(user_id: Id, body: PasswordReset, db: DbSession, admin: Admin) -> None:
    service.change_password(db, user_id=user_id, new_password=body.new_password, actor=admin.actor)
