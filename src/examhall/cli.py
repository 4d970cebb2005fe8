"""The `examhall` command. Thin: it parses, calls services in one transaction, and prints.

Exit codes: 0 done, 1 the data or the input is wrong (the message says what and where),
2 wrong usage."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import command as alembic_command
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import NoSuchModuleError as NoDriverError
from sqlalchemy.orm import Session

from examhall import clock, demo
from examhall.accounts import service as accounts
from examhall.accounts.models import ROLES
from examhall.app import ConfigurationError
from examhall.banks import service as banks
from examhall.banks.router import limits as bank_limits
from examhall.certificates import checking as certificate_checking
from examhall.certificates import commands as certificate_commands
from examhall.certificates import token as certificate_token
from examhall.config import Settings
from examhall.db import Database, alembic_config, schema_problem
from examhall.errors import ExamhallError
from examhall.grading import evidence
from examhall.grading import sealing as grading_sealing
from examhall.papers import service as papers
from examhall.papers.blueprint import parse_text as parse_blueprint
from examhall.sittings.roster import read_roster
from examhall.trace import anchor, signing
from examhall.trace import service as trace
from examhall.trace.bundle import verify_bundle
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
        proxy_headers=False,  # X-Forwarded-For is read by examhall itself, from trusted proxies only
        log_level="info",
        # Live dashboards hold their event streams open; a stop must not wait for them to close.
        timeout_graceful_shutdown=5,
        access_log=args.access_log,
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
        logins, sitting_id, seated = demo.load(db, actor=cli_actor(), timezone=settings.timezone)
    print(demo.describe(logins, sitting_id, seated))


def _public_key(args: argparse.Namespace, settings: Settings) -> Ed25519PublicKey:
    """The exam body's public key: from --public-key, or the public part of the service's own key."""
    try:
        if args.public_key:
            return signing.load_public(_read_file(args.public_key), source=args.public_key)
        return signing.load_key(Path(settings.signing_key_file)).public
    except signing.KeyProblem as exc:
        raise Failure(f"{exc}; give the exam body's public key with --public-key FILE") from None


def cmd_trace_verify(args: argparse.Namespace, settings: Settings) -> None:
    if args.bundle:
        _verify_bundle(args, settings)
        return
    if args.sitting is not None:
        public = _public_key(args, settings)
        with transaction(settings) as db:
            checked = grading_sealing.verify_sitting(db, args.sitting, public=public)
        if not checked.intact:
            lines = checked.lines()
            raise Failure(
                "\n".join(
                    [f"sitting {args.sitting} does NOT verify ({len(lines)} problems):", *(f"  {p}" for p in lines)]
                )
            )
        print(
            f"sitting {args.sitting} verifies: every chain intact and under its signed seal, and every result "
            "derived again from the trace is what the database serves"
        )
        return
    anchored = None
    if args.anchor:
        data, public = _read_file(args.anchor), _public_key(args, settings)
    database = _database(settings)
    try:
        with database.transaction(write=False) as db:
            report = trace.verify_database(db, chains=[args.chain] if args.chain else None, jobs=args.jobs)
            if args.anchor:
                anchored = anchor.check(db, data, public=public)
    finally:
        database.dispose()
    lines = []
    if not report.intact:
        lines = [f"trace BROKEN: first break in {report.breaks[0]}", *(f"  {b}" for b in report.breaks[1:])]
        lines.append(f"({len(report.breaks)} broken of {report.chains} chains, {report.events} events read)")
    if anchored is not None and anchored.problems:
        lines.append(f"anchor {args.anchor} ({anchored.at}) finds {len(anchored.problems)} problems:")
        lines += [f"  {p}" for p in anchored.problems]
    if lines:
        raise Failure("\n".join(lines))
    print(f"trace intact: {report.chains} chains, {report.events} events")
    if anchored is not None:
        print(f"anchor {args.anchor} of {anchored.at} holds: each of its {anchored.chains} chains is still there")


def _verify_bundle(args: argparse.Namespace, settings: Settings) -> None:
    """With --public-key alone, the keyless checks; with --key too (or by default, with the
    settings' trace key and the service's own key), every check."""
    public = _public_key(args, settings) if args.public_key or not args.key else None
    key = args.key.encode() if args.key else None if args.public_key else settings.trace_key.encode()
    checked = verify_bundle(_read_file(args.bundle), key, public=public)
    if not checked.ok:
        raise Failure("\n".join([f"bundle {args.bundle} does NOT verify:", *(f"  {p}" for p in checked.problems)]))
    how = " and ".join([*(["the exam body's public key"] if public else []), *(["the trace key"] if key else [])])
    print(f"bundle {args.bundle} verifies with {how}: {checked.chains} chains, {checked.events} events")


def cmd_cert_verify(args: argparse.Namespace, settings: Settings) -> None:
    """Check a certificate's QR text: its signature, offline, with the exam body's public key; and
    without --public-key, where the certificate stands today in this service's database."""
    checked = certificate_token.check(_public_key(args, settings), args.text)
    if checked.facts is None:
        raise Failure(f"certificate code does NOT verify: {checked.problem}")
    facts = checked.facts
    print(
        f"signature valid: certificate {facts['n']} of {facts['h']} ({facts['c']}, kind {facts['k']}), "
        f"first issued {facts['f']}, valid until {facts['u']}, printing {facts['r']}"
    )
    if args.public_key:
        print("checked offline: whether it has since been suspended or revoked is known to the exam body only")
        return
    database = _database(settings)
    try:
        with database.transaction(write=False) as db:
            answer = certificate_checking.current(db, facts, clock.local_date(clock.now(), settings.timezone))
    finally:
        database.dispose()
    if answer.outdated:
        print("this printing is out of date: the certificate changed since (a review or a decision)")
    if not answer.standing.valid:
        raise Failure(f"the certificate is {answer.standing.code} today")
    print("the certificate is valid today")


def cmd_trace_anchor(args: argparse.Namespace, settings: Settings) -> None:
    database = _database(settings)
    try:
        with database.transaction(write=False) as db:
            data = anchor.write(db, at=datetime.now(UTC))
    except signing.KeyProblem as exc:
        raise Failure(str(exc)) from None
    finally:
        database.dispose()
    try:
        with open(args.output, "xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise Failure(f"{args.output} exists already; an anchor file is never overwritten") from None
    except OSError as exc:
        raise Failure(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"wrote {args.output}; keep it away from this server and check it with: examhall trace verify --anchor FILE")


def cmd_key_create(args: argparse.Namespace, settings: Settings) -> None:
    path = Path(args.output or settings.signing_key_file)
    try:
        made = signing.create_key(path)
    except signing.KeyProblem as exc:
        raise Failure(str(exc)) from None
    print(f"wrote the private signing key to {path} (readable by its owner only); key id {made.key_id}")
    print("publish this public key; the server serves it at " + signing.PUBLIC_KEY_PATH + ":")
    print(signing.public_pem(made.public), end="")


def cmd_key_show(_args: argparse.Namespace, settings: Settings) -> None:
    try:
        found = signing.load_key(Path(settings.signing_key_file))
    except signing.KeyProblem as exc:
        raise Failure(str(exc)) from None
    print(f"key id {found.key_id}")
    print(signing.public_pem(found.public), end="")


class ProgressBar:
    """A progress line on stderr for long imports, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.shown and total:
            filled = 30 * done // total
            print(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", end="", file=sys.stderr)
            if done >= total:
                print(file=sys.stderr)


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise Failure(f"cannot read {path}: {exc.strerror}") from None


def _bank_refusal(error: ExamhallError) -> Failure:
    """A refused import with its errors and its warnings under their own headings, each counted."""
    errors = [p for p in error.problems if not p.warning]
    warnings = [p for p in error.problems if p.warning]
    lines = [error.en]
    for heading, found in (("errors ({})", errors), ("warnings ({}; alone they would not stop the import)", warnings)):
        if found:
            lines.append(heading.format(len(found)) + ":")
            lines += [f"  {p.text('en')}" for p in found]
    if any(banks.cannot_import(p) for p in errors):
        lines.append("to import the rest without what examhall cannot import, run again with --skip-unsupported")
    return Failure("\n".join(lines))


def cmd_bank_import(args: argparse.Namespace, settings: Settings) -> None:
    data = _read_file(args.path)
    database = _database(settings)
    try:
        with database.transaction(write=not args.dry_run) as db:
            report = banks.import_file(
                db,
                code=args.bank,
                filename=os.path.basename(args.path),
                data=data,
                name=args.name or "",
                dry_run=args.dry_run,
                skip_unsupported=args.skip_unsupported,
                actor=cli_actor(),
                limits=bank_limits(settings),
                progress=ProgressBar("reading"),
            )
    except ExamhallError as error:
        raise _bank_refusal(error) from None
    finally:
        database.dispose()
    verb = "checked (nothing imported)" if args.dry_run else "imported"
    print(
        f"bank {report.bank} {verb}: {report.items} items in the file; {report.added} added, "
        f"{report.versioned} new versions, {report.unchanged} unchanged; {len(report.skipped)} skipped, "
        f"{len(report.warnings)} warnings"
    )
    for skipped in report.skipped:
        print(f"  skipped: {skipped.text('en')}")
    for warning in report.warnings:
        print(f"  warning: {warning.text('en')}")


def cmd_bank_export(args: argparse.Namespace, settings: Settings) -> None:
    with transaction(settings) as db:
        data, extension = banks.export_bank(db, code=args.code, fmt=args.format)
    output = args.output
    if extension == "zip" and not output.casefold().endswith(".zip"):
        # Written under another name than asked, a script's next step would read a stale file.
        raise Failure(
            f"{_zip_export(args.format)}; nothing was written: give an output name ending in .zip, "
            f"e.g. --output {_zip_name(output)}"
        )
    try:
        with open(output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise Failure(f"cannot write {output}: {exc.strerror}") from None
    print(f"wrote {output} ({len(data)} bytes)" + (f": {_zip_export(args.format)}" if extension == "zip" else ""))


def _zip_export(fmt: str) -> str:
    if fmt == "qti":
        return "a QTI export is a content package, a zip"
    return f"the bank has images, so the {fmt} export is a zip of the {fmt} file and its images"


def _zip_name(output: str) -> str:
    stem, extension = os.path.splitext(output)
    return f"{stem if extension else output}.zip"


def cmd_bank_list(args: argparse.Namespace, settings: Settings) -> None:
    with transaction(settings) as db:
        rows = [{"code": bank.code, "name": bank.name, "items": count} for bank, count in banks.list_banks(db)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        print(f"{row['code']:<32} {row['items']:>6}  {row['name']}")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def cmd_paper_preview(args: argparse.Namespace, settings: Settings) -> None:
    parsed = None
    if args.blueprint:
        parsed, problems = parse_blueprint(_read_file(args.blueprint).decode("utf-8", "replace"), source=args.blueprint)
        if parsed is None:
            raise ExamhallError("invalid", "", f"the blueprint {args.blueprint} has problems", problems)
    on = _date(args.date) if args.date else datetime.now(UTC).date()
    with transaction(settings) as db:
        blueprint = parsed or papers.get_blueprint(db, args.preset)
        made = papers.preview(db, bank_codes=args.bank, blueprint=blueprint, seed=args.seed, on=on)
    if args.json:
        print(
            json.dumps(
                {
                    "blueprint": blueprint.name,
                    "seed": made.seed,
                    "exam_date": on.isoformat(),
                    "total_points": _number(blueprint.total_points),
                    "duration_minutes": blueprint.duration_minutes,
                    "pass_mark": _number(blueprint.pass_mark),
                    "mean_difficulty": float(made.mean_difficulty),
                    "national_share": float(made.national_share),
                    "items": [
                        {
                            "position": i.position,
                            "section": i.section,
                            "type": i.version.type,
                            "points": _number(i.points),
                            "item_id": i.key,
                            "version": i.version.version,
                            "difficulty": i.version.difficulty,
                            "source": i.version.source,
                            "options": list(i.options),
                        }
                        for i in made.items
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    print(f"{blueprint.title} ({blueprint.name}), seed {made.seed}, exam date {on}")
    print(
        f"{len(made.items)} items, {blueprint.total_points} points, pass at {blueprint.pass_mark}, "
        f"{blueprint.duration_minutes} minutes; mean difficulty {made.mean_difficulty}, "
        f"national {made.national_share:.0%}"
    )
    for item in made.items:
        print(
            f"{item.position:>4}  {item.version.type:<16} {item.points:>4}  {item.key} v{item.version.version}  "
            f"d{item.version.difficulty} {item.version.source}"
        )


def cmd_paper_rebuild(args: argparse.Namespace, settings: Settings) -> None:
    with transaction(settings) as db:
        result = papers.rebuild(db, paper_id=args.paper_id)
    if not result.identical:
        raise Failure(
            "\n".join(
                [
                    f"paper {args.paper_id} rebuilt DIFFERENTLY from what was stored:",
                    *(f"  {d}" for d in result.differences),
                ]
            )
        )
    print(
        f"paper {args.paper_id} rebuilt from seed {result.paper.seed}: identical to the stored paper "
        f"({len(result.paper.choices)} items, same item versions, order and option order)"
    )


def cmd_roster_check(args: argparse.Namespace, settings: Settings) -> None:
    roster = read_roster(
        os.path.basename(args.path),
        _read_file(args.path),
        today=datetime.now(ZoneInfo(settings.timezone)).date(),
        category=args.category,
    )
    if roster.problems:
        lines = [f"{args.path}: {len(roster.problems)} problems; fix them and check again:"]
        lines += [f"  {p.text('en')}" for p in roster.problems]
        raise Failure("\n".join(lines))
    print(f"{args.path}: {len(roster.rows)} candidates, no problems")


def cmd_trace_bundle(args: argparse.Namespace, settings: Settings) -> None:
    with transaction(settings) as db:
        data = evidence.evidence(db, sitting_id=args.sitting, attempt_id=args.attempt)
    try:
        with open(args.output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise Failure(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"wrote {args.output} ({len(data)} bytes); check it with: examhall trace verify --bundle {args.output}")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Failure(f"--date {text!r} is not a date (YYYY-MM-DD)") from None


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
    serve.add_argument(
        "--access-log", action="store_true", help="log every request (the trace records every action anyway)"
    )

    user = group("user", "staff accounts")
    add = leaf(user, "add", "add a staff account; the password is read from a prompt or from stdin", cmd_user_add)
    add.add_argument("name", help="the login name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display-name", help="the person's name as shown on pages")

    bank = group("bank", "question banks")
    imp = leaf(bank, "import", "import a file into a bank, all or nothing", cmd_bank_import)
    imp.add_argument("path", help="xlsx, zip, csv, yaml, json, QTI xml or package, GIFT or Aiken file")
    imp.add_argument("--bank", required=True, help="the bank's code; a new code makes a new bank")
    imp.add_argument("--name", help="the bank's name (for a new bank)")
    imp.add_argument("--dry-run", action="store_true", help="check the file and report, import nothing")
    imp.add_argument(
        "--skip-unsupported",
        action="store_true",
        help="leave out what examhall cannot import (essay, matching, numeric questions, partial credit, "
        "outside images) and import the rest; without it such a file is refused",
    )
    exp = leaf(bank, "export", "export a bank's items in force", cmd_bank_export)
    exp.add_argument("code")
    exp.add_argument("--format", required=True, choices=("xlsx", "qti", "json", "yaml"))
    exp.add_argument(
        "--output",
        required=True,
        help="the file to write; a name ending in .zip when the export is a zip (qti, or a bank with images)",
    )
    leaf(bank, "list", "list the banks with their number of items in force", cmd_bank_list).add_argument(
        "--json", action="store_true", help="print a JSON array of {code, name, items}"
    )

    paper = group("paper", "papers drawn from the banks")
    pre = leaf(paper, "preview", "print the paper a seed would draw, and its statistics", cmd_paper_preview)
    pre.add_argument("--bank", required=True, action="append", help="a bank code (repeat for several banks)")
    which = pre.add_mutually_exclusive_group(required=True)
    which.add_argument("--blueprint", help="a blueprint file (YAML or JSON)")
    which.add_argument("--preset", help="a stored or shipped blueprint by name, e.g. special_operations")
    pre.add_argument("--seed", type=int, required=True)
    pre.add_argument("--date", help="the exam date, YYYY-MM-DD (default: today)")
    pre.add_argument("--json", action="store_true", help="print one JSON object")
    leaf(
        paper, "rebuild", "rebuild a stored paper from its seed and show that it is identical", cmd_paper_rebuild
    ).add_argument("paper_id", type=int)

    roster = group("roster", "candidate rosters")
    check = leaf(roster, "check", "check a roster file (xlsx or csv) without importing it", cmd_roster_check)
    check.add_argument("path")
    check.add_argument("--category", help="the exam's category; rows naming another are problems")

    key = group("key", "the exam body's signing key")
    leaf(key, "create", "make a new Ed25519 signing key file (never overwrites one)", cmd_key_create).add_argument(
        "--output", help="the file to write (default: EXAMHALL_SIGNING_KEY_FILE)"
    )
    leaf(key, "show", "print the key id and the public key of EXAMHALL_SIGNING_KEY_FILE", cmd_key_show)

    leaf(groups, "demo", "load the demo data (idempotent) and print the demo logins", cmd_demo)

    cert = group("cert", "certificates")
    check_code = leaf(cert, "verify", "check a certificate's QR text: its signature and its state", cmd_cert_verify)
    check_code.add_argument("text", help="what the QR code holds (the check address, or the code alone)")
    check_code.add_argument(
        "--public-key", help="check offline with the exam body's public key (PEM) instead of this service"
    )
    certificate_commands.register(cert, leaf)

    tr = group("trace", "the tamper-evident trace")
    verify = leaf(tr, "verify", "recompute every hash chain; exit 1 naming the first broken one", cmd_trace_verify)
    verify.add_argument("--chain", help="check only this chain")
    verify.add_argument(
        "--jobs", type=int, default=1, help="processes that share out the whole trace's chains (default: 1)"
    )
    verify.add_argument("--sitting", type=int, help="check a sealed sitting against its seal")
    verify.add_argument("--bundle", help="check an evidence bundle offline, without the database")
    verify.add_argument("--key", help="the trace key for --bundle (default: EXAMHALL_TRACE_KEY)")
    verify.add_argument(
        "--public-key",
        help="the exam body's public key (PEM) for --bundle, --sitting and --anchor (default: that of "
        "EXAMHALL_SIGNING_KEY_FILE); with --bundle and no --key, only the checks the public key allows",
    )
    verify.add_argument("--anchor", help="also check that every chain an anchor file saw is still there")
    leaf(
        tr, "anchor", "write a signed tree head over every chain head, to keep elsewhere", cmd_trace_anchor
    ).add_argument("--output", required=True, help="the file to write (never overwritten)")
    evidence = leaf(tr, "bundle", "write a sealed sitting's evidence bundle (one candidate, or all)", cmd_trace_bundle)
    evidence.add_argument("sitting", type=int)
    evidence.add_argument("--attempt", type=int, help="one candidate's attempt id")
    evidence.add_argument("--output", required=True)
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
