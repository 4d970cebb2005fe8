"""`examhall cert import FILE` and `examhall cert export --output FILE`: the certificate registry
from the command line. `register(cert, leaf)` adds them to the `cert` group of examhall.cli (which
is imported here only when a command runs: it imports this module)."""

import argparse
import os
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from examhall import clock
from examhall.certificates import registry
from examhall.certificates.models import CertificateKind
from examhall.config import Settings
from examhall.errors import invalid

Command = Callable[[argparse.Namespace, Settings], None]


def cmd_cert_import(args: argparse.Namespace, settings: Settings) -> None:
    from examhall.cli import _read_file, cli_actor, transaction

    data, name = _read_file(args.path), os.path.basename(args.path)
    today = clock.local_date(clock.now(), settings.timezone)
    with transaction(settings) as db:
        if args.dry_run:
            checked = registry.check_file(db, filename=name, data=data, today=today)
            if checked.problems:
                raise invalid(checked.problems, zh="", en=f"{len(checked.problems)} problems; fix them and check again")
            rows, new, sha256 = len(checked.rows), checked.new_holders, checked.sha256
        else:
            imported = registry.import_file(db, filename=name, data=data, today=today, actor=cli_actor())
            rows, new, sha256 = len(imported.certificates), imported.new_holders, imported.sha256
    verb = "checked (nothing imported)" if args.dry_run else "imported"
    print(f"{args.path} {verb}: {rows} certificates, {new} new holders; sha256 {sha256}")


def cmd_cert_export(args: argparse.Namespace, settings: Settings) -> None:
    from examhall.cli import Failure, transaction

    with transaction(settings) as db:
        kind_id = None
        if args.kind:
            kind_id = db.scalar(select(CertificateKind.id).where(CertificateKind.code == args.kind))
            if kind_id is None:
                raise Failure(f"no certificate kind {args.kind!r}; nothing was written")
        data = registry.export_file(
            db, today=clock.local_date(clock.now(), settings.timezone), kind_id=kind_id, state=args.state
        )
    try:
        with open(args.output, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise Failure(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"wrote {args.output} ({len(data)} bytes)")


def register(cert: Any, leaf: Callable[[Any, str, str, Command], argparse.ArgumentParser]) -> None:
    """Add `import` and `export` to the cert group, as examhall.cli's `leaf` makes a command."""
    imp = leaf(
        cert, "import", "import certificates issued before examhall (xlsx or csv), all or nothing", cmd_cert_import
    )
    imp.add_argument("path", help="a file in the national registry's layout (姓名, 性别, 身份证号, ...)")
    imp.add_argument("--dry-run", action="store_true", help="check the file and report, import nothing")
    exp = leaf(cert, "export", "write certificates in the national registry's layout (xlsx)", cmd_cert_export)
    exp.add_argument("--output", required=True, help="the file to write")
    exp.add_argument("--kind", help="only this certificate kind (its code)")
    exp.add_argument("--state", choices=sorted(registry.STATES), help="only certificates in this state")
