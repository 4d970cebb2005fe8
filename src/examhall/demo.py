"""Demo data for trying examhall out: loaded by `examhall demo`, idempotent."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.accounts import service as accounts
from examhall.accounts.models import ROLE_NAMES_ZH, User
from examhall.banks import service as banks
from examhall.trace.service import Actor


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str
    display_name: str


STAFF = [
    Login("admin", "admin-demo", "admin", "王管理"),
    Login("chief", "chief-demo", "chief_examiner", "李主考"),
    Login("proctor1", "proctor1-demo", "proctor", "张监考"),
    Login("proctor2", "proctor2-demo", "proctor", "赵监考"),
    Login("inspector", "inspector-demo", "inspector", "刘巡考"),
    Login("judge1", "judge1-demo", "judge", "陈评委"),
    Login("trainer", "trainer-demo", "trainer", "孙老师"),
]


def load(db: Session, *, actor: Actor) -> list[Login]:
    """Add whatever of the demo is missing; return the logins to print."""
    for login in STAFF:
        if db.scalar(select(User.id).where(User.username == login.username)) is None:
            accounts.add_user(
                db,
                username=login.username,
                role=login.role,
                password=login.password,
                display_name=login.display_name,
                actor=actor,
            )
    for path in sorted(banks.shipped_dir().glob("*.yaml")):
        data = path.read_bytes()
        check = banks.import_file(db, code=path.stem, filename=path.name, data=data, actor=actor, dry_run=True)
        if check.added or check.versioned:
            banks.import_file(db, code=path.stem, filename=path.name, data=data, actor=actor)
    return STAFF


def describe(logins: list[Login]) -> str:
    lines = ["Demo logins (staff at http://127.0.0.1:8000/login):"]
    for login in logins:
        lines.append(f"  {login.username:<10} {login.password:<16} {login.role} ({ROLE_NAMES_ZH[login.role]})")
    return "\n".join(lines)
