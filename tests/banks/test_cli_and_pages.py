"""Banks from the command line and the admin pages: the shipped banks load with the demo, the
CLI's exit codes and reports, the upload page's validation report."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from examhall.banks import service
from examhall.cli import main
from examhall.db import Database
from tests.banks.test_banks import ROWS, workbook
from tests.conftest import form_token

SHIPPED = ("coal-principal-manager", "coal-safety-check", "coal-underground-electrical")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database: Database) -> Database:
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", database.settings.database_url)
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", database.settings.trace_key)
    return database


def test_the_demo_loads_the_three_shipped_banks(env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["bank", "list", "--json"]) == 0
    banks = json.loads(capsys.readouterr().out)
    assert [b["code"] for b in banks] == list(SHIPPED)
    assert all(b["items"] >= 150 and b["name"] for b in banks)
    assert main(["demo"]) == 0  # again: nothing new
    with env.transaction(write=False) as db:
        assert [n for _, n in service.list_banks(db)] == [b["items"] for b in banks]


def test_the_shipped_banks_have_every_type_and_explanations(env: Database) -> None:
    assert main(["demo"]) == 0
    with env.transaction(write=False) as db:
        for code in SHIPPED:
            _, rows, total = service.search_items(db, code=code, where=service.ItemFilter(), limit=1000)
            assert total >= 150
            assert {v.type for _, v in rows} == {"true_false", "single_choice", "multiple_choice", "fill_blank"}
            assert all(v.explanation.strip() for _, v in rows)
            assert sum(1 for _, v in rows if v.source == "national") / total >= 0.8


def test_import_cli_exit_codes_and_reports(env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook(ROWS))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([*ROWS, ["单选", "", "甲", "乙", None, None, "C", "x", "x", 2, "x", "国家级"]]))
    assert main(["bank", "import", str(bad), "--bank", "demo", "--name", "演示"]) == 1
    err = capsys.readouterr().err
    assert "import refused" in err
    assert "bad.xlsx, sheet '题库', row 6, column '题干': the stem is empty" in err
    assert "row 6, column '答案': answer C is not among the options" in err
    assert main(["bank", "import", str(good), "--bank", "demo", "--dry-run"]) == 0
    assert "checked (nothing imported)" in capsys.readouterr().out
    assert main(["bank", "import", str(good), "--bank", "demo", "--name", "演示"]) == 0
    assert "4 added, 0 new versions, 0 unchanged" in capsys.readouterr().out
    assert main(["bank", "import", str(tmp_path / "missing.xlsx"), "--bank", "demo"]) == 1
    assert "cannot read" in capsys.readouterr().err
    out = tmp_path / "out.xlsx"
    assert main(["bank", "export", "demo", "--format", "xlsx", "--output", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK"
    assert main(["bank", "export", "nobank", "--format", "json", "--output", str(out)]) == 1


def test_upload_page_shows_the_report_and_saves_nothing_on_errors(
    staff_client: Callable[..., TestClient], database: Database
) -> None:
    admin = staff_client("admin")
    token = form_token(admin, "/admin/banks")
    bad = workbook([["单选", "只有一个选项（  ）", "甲", None, None, None, "A", "x", "x", 2, "x", "国家级"]])
    response = admin.post(
        "/admin/banks/import",
        data={"csrf_token": token, "code": "demo", "name": "演示"},
        files={"file": ("bank.xlsx", bad)},
    )
    assert response.status_code == 422
    assert "第2行，“选项A-选项D”列：选择题需要2-8个选项，现有1个" in response.text
    with database.transaction(write=False) as db:
        assert service.list_banks(db) == []
    response = admin.post(
        "/admin/banks/import",
        data={"csrf_token": token, "code": "demo", "name": "演示"},
        files={"file": ("bank.xlsx", workbook(ROWS))},
    )
    assert response.status_code == 200 and "新增 4 题" in response.text
    listing = admin.get("/admin/banks/demo", params={"type": "true_false"})
    assert "入井人员必须随身携带自救器" in listing.text and "共 1 题" in listing.text


def test_a_renamed_pdf_is_refused_with_a_clear_message(staff_client: Callable[..., TestClient]) -> None:
    admin = staff_client("admin")
    token = form_token(admin, "/admin/banks")
    response = admin.post(
        "/admin/banks/import",
        data={"csrf_token": token, "code": "demo"},
        files={"file": ("bank.xlsx", b"%PDF-1.7\n%...")},
    )
    assert response.status_code == 422
    assert "不是有效的Excel" in response.text.replace(" ", "")
    assert "Traceback" not in response.text


def test_an_upload_over_the_limit_is_refused_before_it_is_read(staff_client: Callable[..., TestClient]) -> None:
    admin = staff_client("admin")
    huge = b"x" * (21 * 1024 * 1024 + 10)
    response = admin.post("/api/v1/banks/demo/import", files={"file": ("bank.csv", huge)})
    assert response.status_code == 413
    assert "20MB" in response.json()["message"]


def test_item_page_edit_makes_a_version(staff_client: Callable[..., TestClient], database: Database) -> None:
    admin = staff_client("admin")
    token = form_token(admin, "/admin/banks")
    admin.post(
        "/admin/banks/import",
        data={"csrf_token": token, "code": "demo", "name": "演示"},
        files={"file": ("bank.xlsx", workbook(ROWS))},
    )
    with database.transaction(write=False) as db:
        _, rows, _ = service.search_items(db, code="demo", where=service.ItemFilter(type="single_choice"))
    key = rows[0][0].key
    form = {
        "csrf_token": token,
        "type": "single_choice",
        "stem": "新题干（  ）",
        "option_a": "0.5%",
        "option_b": "0.75%",
        "option_c": "1.0%",
        "option_d": "1.5%",
        "answer": "B",
        "difficulty": "2",
        "source": "national",
        "category": "通风",
        "knowledge_points": "瓦斯防治",
        "explanation": "解析",
    }
    assert admin.post(f"/admin/banks/demo/items/{key}", data=form, follow_redirects=False).status_code == 303
    page = admin.get(f"/admin/banks/demo/items/{key}")
    assert "已保存为第 2 版" in page.text and "新题干" in page.text
    refused = admin.post(f"/admin/banks/demo/items/{key}", data={**form, "answer": "BC"})
    assert refused.status_code == 422 and "单选题只能有一个答案" in refused.text
