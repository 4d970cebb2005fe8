"""Exports as a user keeps them: an export that is a zip is written only under a .zip name (never
a zip inside x.json), and a workbook keeps the bank's name and description for its next import,
while older workbooks and the template still read."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from examhall.banks import service
from examhall.cli import main
from examhall.db import Database
from tests.conftest import TEST_ACTOR

PNG = b"\x89PNG\r\n\x1a\n pump"
SHEET = "题型,题干,答案,图片\n判断,看图回答：这是水泵。,对,pump.png\n判断,井下可以吸烟。,错,\n"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database: Database) -> Database:
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", database.settings.database_url)
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", database.settings.trace_key)
    return database


def _bank_with_an_image(database: Database) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("bank.csv", SHEET.encode())
        archive.writestr("images/pump.png", PNG)
    with database.transaction() as db:
        service.import_file(db, code="pumps", filename="bank.zip", data=out.getvalue(), actor=TEST_ACTOR, name="水泵")


@pytest.mark.parametrize(("fmt", "asked"), [("json", "x.json"), ("yaml", "x.yaml"), ("xlsx", "x.xlsx"), ("qti", "x")])
def test_a_zip_export_under_another_name_is_refused_and_nothing_is_written(
    env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, asked: str
) -> None:
    _bank_with_an_image(env)
    folder = tmp_path / "exports"
    folder.mkdir()
    assert main(["bank", "export", "pumps", "--format", fmt, "--output", str(folder / asked)]) == 1
    err = capsys.readouterr().err
    assert "nothing was written: give an output name ending in .zip" in err
    assert f"--output {folder / 'x.zip'}" in err
    assert list(folder.iterdir()) == []


def test_a_zip_export_under_a_zip_name_is_written_and_said_to_be_a_zip(
    env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _bank_with_an_image(env)
    output = tmp_path / "pumps.zip"
    assert main(["bank", "export", "pumps", "--format", "json", "--output", str(output)]) == 0
    said = capsys.readouterr().out
    assert f"wrote {output}" in said and "a zip of the json file and its images" in said
    assert set(zipfile.ZipFile(output).namelist()) == {"pumps.json", "images/pump.png"}
    plain = tmp_path / "plain.json"
    with env.transaction() as db:
        service.set_retired(db, code="pumps", key="Q00000", retired=True, actor=TEST_ACTOR)
    assert main(["bank", "export", "pumps", "--format", "json", "--output", str(plain)]) == 0
    assert plain.read_bytes().startswith(b"{") and capsys.readouterr().out.endswith(" bytes)\n")


def test_an_xlsx_round_trip_keeps_the_bank_name_and_description(
    env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with env.transaction() as db:
        data = Path(__file__).resolve().parents[2] / "question_banks" / "coal-safety-check.yaml"
        service.import_file(db, code="coal", filename=data.name, data=data.read_bytes(), actor=TEST_ACTOR)
        bank = service.get_bank(db, "coal")
        name, description = bank.name, bank.description
    assert name and description
    output = tmp_path / "coal.xlsx"
    assert main(["bank", "export", "coal", "--format", "xlsx", "--output", str(output)]) == 0
    book = openpyxl.load_workbook(output, read_only=True)
    assert book.sheetnames == ["题库", "填写说明", "题库信息"]
    assert main(["bank", "import", str(output), "--bank", "coal-copy"]) == 0
    with env.transaction(write=False) as db:
        copy = service.get_bank(db, "coal-copy")
        assert (copy.name, copy.description) == (name, description)
