"""The `examhall` command. Thin: it parses, calls services in one transaction, and prints.

Exit codes: 0 done, 1 the data or the input is wrong (the message says what and where),
2 wrong usage."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from alembic import command as alembic_command
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import NoSuchModuleError as NoDriverError
from sqlalchemy.orm import Session

from examhall import demo
from examhall.accounts import service as accounts
from examhall.accounts.models import ROLES
from examhall.app import ConfigurationError
from examhall.config import Settings
from examhall.db import Database, alembic_config, schema_problem
from examhall.errors import ExamhallError
from examhall.trace import service as trace
from examhall.trace.service import Actor


class Failure(Exception):
    """Exit 1 with this message."""


def cli_actor() -> Actor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(f"cli:{user}", "system", "cli")


def _database(settings: Settings, *, need_schema: bool = True) -> Database:
    if problems := settings.production_problems():
        raise Failure("; ".join(problems))
    try:
        database = Database(settings)
    except (ArgumentError, NoDriverError) as exc:
        raise Failure(
            f"EXAMHALL_DATABASE_URL is not a usable database URL ({exc}); "
            "use sqlite:///path.db or postgresql+psycopg://user@host/db"
        ) from None
    if need_schema and (problem := schema_problem(database.engine)):
        database.dispose()
        raise Failure(f"{problem} (EXAMHALL_DATABASE_URL={_safe_url(settings.database_url)})")
    return database


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        rest = f"{credentials.split(':')[0]}:***@{host}" if ":" in credentials else rest
    return scheme + sep + rest


@contextmanager
def transaction(settings: Settings) -> Iterator[Session]:
    database = _database(settings)
    try:
        with database.transaction() as db:
            yield db
    finally:
        database.dispose()


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> None:
    database = _database(settings, need_schema=False)
    try:
        with database.engine.connect():
            pass
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())
        raise Failure(
            f"cannot reach the database at {_safe_url(settings.database_url)}: {reason}; "
            "check EXAMHALL_DATABASE_URL and that the server is running"
        ) from None
    finally:
        database.dispose()
    alembic_command.upgrade(alembic_config(settings.database_url), args.revision)
    print(f"database at {_safe_url(settings.database_url)} is at migration {args.revision}")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    _database(settings).dispose()  # refuse to start on a database that cannot serve
    print(f"examhall serving at http://{args.host}:{args.port} with {args.workers} worker(s)", flush=True)
    uvicorn.run(
        "examhall.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        log_level="info",
    )


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat the password: "):
        raise Failure("the two passwords differ; nothing was changed")
    return first


def cmd_user_add(args: argparse.Namespace, settings: Settings) -> None:
    password = _read_password()
    with transaction(settings) as db:
        user = accounts.add_user(
            db,
            username=args.name,
            role=args.role,
            password=password,
            display_name=args.display_name or "",
            actor=cli_actor(),
        )
        print(f"added {user.username} as {user.role}")


def cmd_demo(_args: argparse.Namespace, settings: Settings) -> None:
    if settings.env == "production":
        raise Failure("refusing to load demo data with known passwords when EXAMHALL_ENV=production")
    with transaction(settings) as db:
        logins = demo.load(db, actor=cli_actor())
    print(demo.describe(logins))


def cmd_trace_verify(args: argparse.Namespace, settings: Settings) -> None:
    database = _database(settings)
    try:
        with database.transaction(write=False) as db:
            report = trace.verify_database(db, chains=[args.chain] if args.chain else None)
    finally:
        database.dispose()
    if report.intact:
        print(f"trace intact: {report.chains} chains, {report.events} events")
        return
    lines = [f"trace BROKEN: first break in {report.breaks[0]}"]
    lines += [f"  {b}" for b in report.breaks[1:]]
    lines.append(f"({len(report.breaks)} broken of {report.chains} chains, {report.events} events read)")
    raise Failure("\n".join(lines))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="examhall",
        description="examhall: exam delivery for work-safety "
        "certification. Settings come from EXAMHALL_* variables (see README).",
    )
    groups = top.add_subparsers(dest="group", required=True, metavar="COMMAND")

    def group(name: str, help: str) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        sub = groups.add_parser(name, help=help, description=help)
        return sub.add_subparsers(dest="action", required=True, metavar="ACTION")

    def leaf(
        parent: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        help: str,
        run: Callable[[argparse.Namespace, Settings], None],
    ) -> argparse.ArgumentParser:
        sub = parent.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    db = group("db", "database schema")
    leaf(db, "upgrade", "apply the migrations to EXAMHALL_DATABASE_URL", cmd_db_upgrade).add_argument(
        "--revision", default="head", help="target revision (default: head)"
    )

    serve = leaf(groups, "serve", "serve the web application", cmd_serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")

    user = group("user", "staff accounts")
    add = leaf(user, "add", "add a staff account; the password is read from a prompt or from stdin", cmd_user_add)
    add.add_argument("name", help="the login name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display-name", help="the person's name as shown on pages")

    leaf(groups, "demo", "load the demo data (idempotent) and print the demo logins", cmd_demo)

    tr = group("trace", "the tamper-evident trace")
    verify = leaf(tr, "verify", "recompute every hash chain; exit 1 naming the first broken one", cmd_trace_verify)
    verify.add_argument("--chain", help="check only this chain")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(args, Settings())
    except Failure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ExamhallError as exc:
        print(f"error: {exc.en}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem.text('en')}", file=sys.stderr)
        return 1
    except (ConfigurationError, OperationalError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
