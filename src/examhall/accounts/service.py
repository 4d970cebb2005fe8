"""Accounts: adding staff, logging in with throttling, roles and passwords. Every change is an
event on the account's trace chain."""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import ROLES, LoginFailure, User
from examhall.errors import Conflict, Invalid, Problem, TooMany, Unauthorized, invalid, not_found
from examhall.trace.service import Actor, record

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that a refusal takes as long either way.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
MIN_PASSWORD = 8
LOGINS_CHAIN = "logins"  # failed logins for names that are no account


@dataclass(frozen=True)
class Throttle:
    """How many failed logins in the window hold a login back: of one account from one address,
    from one address (any account), and of one account from anywhere. The last is higher, so a
    stranger trying passwords from elsewhere slows an account down without shutting its owner out."""

    window_minutes: int = 15
    max_per_account: int = 5
    max_per_address: int = 20
    max_per_account_total: int = 50


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_problems(password: str) -> list[Problem]:
    if len(password) < MIN_PASSWORD:
        return [
            Problem(
                "password_short",
                f"密码至少{MIN_PASSWORD}位",
                f"the password needs at least {MIN_PASSWORD} characters",
                "password",
            )
        ]
    return []


def _role_problems(role: str) -> list[Problem]:
    if role not in ROLES:
        return [
            Problem(
                "unknown_role",
                f"未知角色“{role}”，可选：{'、'.join(ROLES)}",
                f"unknown role '{role}'; choose one of {', '.join(ROLES)}",
                "role",
            )
        ]
    return []


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise not_found("用户", "user")
    return user


def list_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.username)))


def add_user(db: Session, *, username: str, role: str, password: str, actor: Actor, display_name: str = "") -> User:
    problems = _role_problems(role) + _password_problems(password)
    if not USERNAME.match(username):
        problems.append(
            Problem(
                "bad_username",
                "用户名须为2-64位字母、数字或 _ . -",
                "a username is 2-64 letters, digits or _ . -",
                "username",
            )
        )
    if problems:
        raise invalid(problems)
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("user_exists", f"用户名“{username}”已存在", f"user '{username}' already exists")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=hash_password(password),
        disabled=False,
        session_generation=1,
        created_at=clock.now(),
    )
    db.add(user)
    db.flush()
    record(
        db,
        chain=user.chain,
        action="user.added",
        subject=user.username,
        actor=actor,
        payload={"role": role, "display_name": user.display_name},
    )
    return user


def _recent_failures(db: Session, condition: ColumnElement[bool], since: datetime) -> int:
    return db.scalar(select(func.count()).select_from(LoginFailure).where(condition, LoginFailure.at >= since)) or 0


def authenticate(db: Session, *, username: str, password: str, client: str, throttle: Throttle) -> User:
    """The account for these credentials. Wrong password, unknown user and disabled account get
    one and the same refusal; each is traced and counts towards throttling."""
    now = clock.now()
    since = now - timedelta(minutes=throttle.window_minutes)
    user = db.scalar(select(User).where(User.username == username))
    chain = user.chain if user else LOGINS_CHAIN
    attempt = Actor(username[:100], user.role if user else "anonymous", client)
    if (
        _recent_failures(db, (LoginFailure.username == username) & (LoginFailure.client == client), since)
        >= throttle.max_per_account
        or _recent_failures(db, LoginFailure.client == client, since) >= throttle.max_per_address
        or _recent_failures(db, LoginFailure.username == username, since) >= throttle.max_per_account_total
    ):
        record(db, chain=chain, action="login.throttled", subject=username[:200], actor=attempt)
        raise TooMany(
            "login_throttled",
            f"登录失败次数过多，请{throttle.window_minutes}分钟后再试",
            f"too many failed logins; try again in {throttle.window_minutes} minutes",
            commit=True,
        )
    reason = None
    if user is None:
        _verify(_DUMMY_HASH, password)
        reason = "unknown_user"
    elif not _verify(user.password_hash, password):
        reason = "wrong_password"
    elif user.disabled:
        reason = "disabled"
    if reason is not None:
        db.add(LoginFailure(at=now, username=username[:64], client=client[:64]))
        record(
            db, chain=chain, action="login.failed", subject=username[:200], actor=attempt, payload={"reason": reason}
        )
        raise Unauthorized("login_failed", "用户名或密码错误", "wrong username or password", commit=True)
    assert user is not None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.execute(delete(LoginFailure).where(LoginFailure.username == username))
    record(db, chain=user.chain, action="login.succeeded", subject=user.username, actor=attempt)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_role(db: Session, *, user_id: int, role: str, actor: Actor) -> User:
    if problems := _role_problems(role):
        raise invalid(problems)
    user = get_user(db, user_id)
    if user.username == actor.name and role != user.role:
        # An administrator who demoted themself could be left with no one to undo it.
        raise Invalid("self_role", "不能更改自己的角色", "you cannot change your own role")
    if user.role != role:
        before, user.role = user.role, role
        user.session_generation += 1
        record(
            db,
            chain=user.chain,
            action="role.changed",
            subject=user.username,
            actor=actor,
            payload={"from": before, "to": role},
        )
    return user


def set_disabled(db: Session, *, user_id: int, disabled: bool, actor: Actor) -> User:
    user = get_user(db, user_id)
    if user.username == actor.name and disabled:
        raise Invalid("self_disable", "不能停用自己的账号", "you cannot disable your own account")
    if user.disabled != disabled:
        user.disabled = disabled
        user.session_generation += 1
        record(
            db,
            chain=user.chain,
            action="user.disabled" if disabled else "user.enabled",
            subject=user.username,
            actor=actor,
        )
    return user


def change_password(
    db: Session, *, user_id: int, new_password: str, actor: Actor, current_password: str | None = None
) -> User:
    """A user changes their own password (giving the current one), or an admin resets it."""
    user = get_user(db, user_id)
    if current_password is not None and not _verify(user.password_hash, current_password):
        raise invalid(
            [Problem("wrong_password", "当前密码不正确", "the current password is wrong", "current_password")]
        )
    if problems := _password_problems(new_password):
        raise invalid(problems)
    user.password_hash = hash_password(new_password)
    user.session_generation += 1
    record(
        db,
        chain=user.chain,
        action="password.changed",
        subject=user.username,
        actor=actor,
        payload={"by": "self" if current_password is not None else "admin"},
    )
    return user


def log_out(db: Session, *, user_id: int, actor: Actor) -> None:
    """End every session of the account (each device, each open live dashboard), traced."""
    user = get_user(db, user_id)
    user.session_generation += 1
    record(db, chain=user.chain, action="logout", subject=user.username, actor=actor)
