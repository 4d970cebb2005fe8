"""A refused import tells its errors from its warnings, each under its own heading with a count
that matches what is listed, on the command line and on the upload page; and it names a column
as the sheet's own header does."""

import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from examhall.cli import main
from examhall.db import Database
from tests.banks.test_banks import HEADER, workbook
from tests.conftest import form_token


def _two_errors_one_warning() -> bytes:
    """Two bad rows under a header with a column examhall does not know (备注: a warning)."""
    rows = [
        ["单选", "瓦斯的主要成分是？", "甲烷", "乙烷", None, None, "C", "通风", "瓦斯", 2, "", "国家级", "备注"],
        ["判断", "", None, None, None, None, "对", "通风", "自救", 1, "", "国家级", ""],
    ]
    book = openpyxl.load_workbook(io.BytesIO(workbook([])))
    sheet = book["题库"]
    sheet.cell(row=1, column=len(HEADER) + 1, value="备注")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database: Database) -> Database:
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", database.settings.database_url)
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", database.settings.trace_key)
    return database


def test_the_cli_lists_errors_and_warnings_apart_with_counts_that_match(
    env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bank.xlsx"
    path.write_bytes(_two_errors_one_warning())
    assert main(["bank", "import", str(path), "--bank", "demo"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "error: import refused: 2 errors and 1 warning; nothing was changed",
        "errors (2):",
        "  bank.xlsx, sheet '题库', row 2, column '答案': answer C is not among the options",
        "  bank.xlsx, sheet '题库', row 3, column '题干': the stem is empty",
        "warnings (1; alone they would not stop the import):",
        "  bank.xlsx, sheet '题库', row 1: unknown column '备注' ignored",
    ]


def test_the_upload_page_lists_errors_and_warnings_apart_with_counts_that_match(
    staff_client: Callable[..., TestClient],
) -> None:
    admin = staff_client("admin")
    token = form_token(admin, "/admin/banks")
    page = admin.post(
        "/admin/banks/import",
        data={"csrf_token": token, "code": "demo"},
        files={"file": ("bank.xlsx", _two_errors_one_warning())},
    )
    assert page.status_code == 422
    text = page.text
    assert "“bank.xlsx”导入未完成：发现2个错误、1条警告，题库未做任何更改" in text
    errors, warnings = text.index("错误 2 个（须改正）"), text.index("警告 1 条（仅有警告不妨碍导入）")
    stem = text.index("bank.xlsx，工作表“题库”，第3行，“题干”列：题干为空")
    column = text.index("bank.xlsx，工作表“题库”，第1行：不认识的列“备注”，已忽略")
    assert errors < stem < warnings < column
    assert "本系统不能导入的题或内容" not in text  # nothing here could be skipped
