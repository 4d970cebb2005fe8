"""The `examhall` command: exit 0 done, 1 wrong data or input (one clear line), 2 wrong usage."""

import io
import subprocess
import sys

import pytest

from examhall.cli import main
from examhall.db import Database
from examhall.trace import service as trace


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: object, database: Database) -> Database:
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", database.settings.database_url)
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", database.settings.trace_key)
    return database


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    commands = [
        [],
        ["db", "upgrade"],
        ["serve"],
        ["user", "add"],
        ["demo"],
        ["trace", "verify"],
        ["bank", "import"],
        ["bank", "export"],
        ["bank", "list"],
        ["paper", "preview"],
        ["paper", "rebuild"],
    ]
    for argv in commands:
        with pytest.raises(SystemExit) as exit_:
            main([*argv, "--help"])
        assert exit_.value.code == 0, argv
        assert "usage: examhall" in capsys.readouterr().out


def test_the_command_is_installed() -> None:
    result = subprocess.run([sys.executable, "-m", "examhall", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "usage: examhall" in result.stdout


def test_wrong_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["user", "add", "li", "--role", "pilot"])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        main(["nonsense"])
    assert exit_.value.code == 2


def test_user_add_reads_the_password_from_stdin(
    env: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("long-password\n"))
    assert main(["user", "add", "li", "--role", "proctor", "--display-name", "李四"]) == 0
    assert "added li as proctor" in capsys.readouterr().out
    with env.transaction(write=False) as db:
        events = trace.events(db, "account:1")
    assert [(e.action, e.actor.startswith("cli:"), e.client) for e in events] == [("user.added", True, "cli")]


def test_user_add_refusals_exit_1_and_change_nothing(
    env: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["user", "add", "li", "--role", "proctor"]) == 1
    err = capsys.readouterr().err
    assert "password: the password needs at least 8 characters" in err
    with env.transaction(write=False) as db:
        assert trace.verify_database(db).chains == 0


def test_demo_is_idempotent_and_prints_logins(env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert "admin      admin-demo" in first
    with env.transaction(write=False) as db:
        first_events = trace.verify_database(db).events
    assert main(["demo"]) == 0
    with env.transaction(write=False) as db:
        report = trace.verify_database(db)
    assert report.intact and report.events == first_events  # the second run added nothing


def test_unreachable_database_is_one_line_exit_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["db", "upgrade"]) == 1
    assert main(["trace", "verify"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 2 and "cannot reach the database" in err
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", "nonsense://x")
    assert main(["demo"]) == 1
    assert "EXAMHALL_DATABASE_URL is not a usable database URL" in capsys.readouterr().err


def test_database_behind_the_migrations_is_refused(
    monkeypatch: pytest.MonkeyPatch, fresh_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", fresh_database_url)
    assert main(["serve"]) == 1
    assert "run `examhall db upgrade`" in capsys.readouterr().err
    assert main(["db", "upgrade"]) == 0
    assert main(["trace", "verify"]) == 0


def test_production_refuses_default_secrets(
    env: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EXAMHALL_ENV", "production")
    monkeypatch.delenv("EXAMHALL_SECRET_KEY", raising=False)
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", "t" * 40)
    assert main(["serve"]) == 1
    err = capsys.readouterr().err
    assert "EXAMHALL_SECRET_KEY" in err and "EXAMHALL_TRACE_KEY" not in err
    assert main(["demo"]) == 1
