"""What a file holds that examhall cannot import (essay, matching and numeric questions, other QTI
interactions, partial credit) refuses the import, each listed with its line, unless the import
is told to skip it: from the service, the command line, the upload page and the API alike. A
dry run lists them either way."""

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from examhall.banks import service
from examhall.banks.models import Bank
from examhall.cli import main
from examhall.db import Database
from examhall.errors import Invalid
from examhall.trace.models import TraceEvent
from tests.conftest import TEST_ACTOR, form_token

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "qti"
MIXED = """// one of each kind examhall has no type for, between two it has
::Q-1::井下必须佩戴自救器。{T}

::essay::谈谈你对安全生产的认识。{}

::match::配对 {=甲烷 -> CH4 =一氧化碳 -> CO}

::num::氧气浓度不低于多少（%）？{#20:0}

::Q-5::哪种气体有毒？{=一氧化碳 ~氮气}
"""
PARTIAL = "::Q-7::哪种动物会呱呱叫？{=青蛙 =%50%猫}\n"


def _import(database: Database, data: str | bytes, **options: object) -> service.ImportReport:
    raw = data.encode() if isinstance(data, str) else data
    name = str(options.pop("filename", "bank.gift"))
    with database.transaction() as db:
        return service.import_file(db, code="demo", filename=name, data=raw, actor=TEST_ACTOR, **options)  # type: ignore[arg-type]


def _banks(database: Database) -> list[str]:
    with database.transaction(write=False) as db:
        return list(db.scalars(select(Bank.code)))


def test_unsupported_gift_questions_refuse_the_import_each_named_with_its_line(database: Database) -> None:
    with pytest.raises(Invalid) as refused:
        _import(database, MIXED)
    errors = [p for p in refused.value.problems if not p.warning]
    assert [(p.code, p.where_en) for p in errors] == [
        ("unsupported_question", "bank.gift, row 4"),
        ("unsupported_question", "bank.gift, row 6"),
        ("unsupported_question", "bank.gift, row 8"),
    ]
    assert ["essay" in errors[0].en, "matching" in errors[1].en, "numeric" in errors[2].en] == [True] * 3
    assert (
        "3 errors" in refused.value.en and "3 of the errors are questions or parts examhall cannot" in refused.value.en
    )
    assert "跳过不支持的内容" in refused.value.zh
    assert _banks(database) == []


def test_skipping_unsupported_questions_imports_the_rest_and_reports_and_traces_what_was_skipped(
    database: Database,
) -> None:
    report = _import(database, MIXED, skip_unsupported=True)
    assert (report.added, report.errors, report.warnings) == (2, [], [])
    assert [p.where_en for p in report.skipped] == ["bank.gift, row 4", "bank.gift, row 6", "bank.gift, row 8"]
    assert all(p.en.endswith("; not imported") and p.zh.endswith("；此题未导入") for p in report.skipped)
    with database.transaction(write=False) as db:
        event = db.scalars(select(TraceEvent).where(TraceEvent.action == "bank.imported")).one()
    assert json.loads(event.payload)["skipped"] == 3


def test_a_dry_run_lists_the_unsupported_questions_whether_or_not_they_would_be_skipped(database: Database) -> None:
    with pytest.raises(Invalid) as refused:
        _import(database, MIXED, dry_run=True)
    assert sum(p.code == "unsupported_question" for p in refused.value.problems) == 3
    report = _import(database, MIXED, dry_run=True, skip_unsupported=True)
    assert (report.dry_run, len(report.skipped), report.added) == (True, 3, 2)
    assert _banks(database) == []


def test_partial_credit_refuses_the_import_and_when_skipped_never_earns_full_marks(database: Database) -> None:
    with pytest.raises(Invalid) as refused:
        _import(database, PARTIAL)
    (partial,) = refused.value.problems
    assert (partial.code, partial.warning, partial.where_en) == ("partial_credit", False, "bank.gift, row 1")
    report = _import(database, PARTIAL, skip_unsupported=True)
    (skipped,) = report.skipped
    assert skipped.en.endswith("its partial credit is left out: it earns nothing")
    with database.transaction(write=False) as db:
        _, _, version = service.get_item(db, code="demo", key="Q-7")
    assert version.answer == [["青蛙"]]


def test_a_qti_package_with_an_unsupported_interaction_follows_the_same_rule(database: Database) -> None:
    out = io.BytesIO()
    items = {"items/choice_multiple.xml": "choice_multiple.xml", "items/order.xml": "order.xml"}
    resources = "".join(
        f'<resource identifier="R{n}" type="imsqti_item_xmlv2p1" href="{href}"/>' for n, href in enumerate(items)
    )
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "imsmanifest.xml",
            f'<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>{resources}</resources></manifest>',
        )
        for href, name in items.items():
            archive.writestr(href, (FIXTURES / name).read_bytes())
    with pytest.raises(Invalid) as refused:
        _import(database, out.getvalue(), filename="qti.zip")
    assert [(p.code, p.where_en) for p in refused.value.problems] == [
        ("unsupported_interaction", "qti.zip:items/order.xml, item 'order'")
    ]
    report = _import(database, out.getvalue(), filename="qti.zip", skip_unsupported=True)
    assert report.added == 1 and [p.code for p in report.skipped] == ["unsupported_interaction"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database: Database) -> Database:
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", database.settings.database_url)
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", database.settings.trace_key)
    return database


def test_the_cli_refuses_naming_each_question_and_the_flag_imports_the_rest(
    env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "moodle.gift"
    path.write_text(MIXED, encoding="utf-8")
    assert main(["bank", "import", str(path), "--bank", "demo", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "errors (3):\n  moodle.gift, row 4: unsupported GIFT question: essay\n" in err
    assert "run again with --skip-unsupported" in err
    assert main(["bank", "import", str(path), "--bank", "demo", "--skip-unsupported", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "checked (nothing imported)" in out and "3 skipped, 0 warnings" in out
    assert "  skipped: moodle.gift, row 8: unsupported GIFT question: numeric; not imported" in out
    assert _banks(env) == []
    assert main(["bank", "import", str(path), "--bank", "demo", "--skip-unsupported"]) == 0
    assert "2 added" in capsys.readouterr().out


def test_the_upload_page_and_the_api_offer_the_same_choice(
    staff_client: Callable[..., TestClient], database: Database
) -> None:
    admin = staff_client("admin")
    token = form_token(admin, "/admin/banks")
    assert 'name="skip_unsupported"' in admin.get("/admin/banks").text
    upload = {"file": ("moodle.gift", MIXED.encode())}
    refused = admin.post("/admin/banks/import", data={"csrf_token": token, "code": "demo"}, files=upload)
    assert refused.status_code == 422
    assert "moodle.gift，第4行：不支持的 GIFT 题型：问答题" in refused.text
    assert "其中 3 个错误是本系统不能导入的题或内容" in refused.text
    done = admin.post(
        "/admin/banks/import", data={"csrf_token": token, "code": "demo", "skip_unsupported": "1"}, files=upload
    )
    assert done.status_code == 200 and "已跳过 3 处" in done.text and "已跳过（未导入）" in done.text
    assert "moodle.gift，第6行：不支持的 GIFT 题型：匹配题；此题未导入" in done.text
    api = admin.post("/api/v1/banks/api-demo/import", files=upload)
    assert api.status_code == 422
    assert [p["warning"] for p in api.json()["problems"]] == [False, False, False]
    api = admin.post("/api/v1/banks/api-demo/import", data={"skip_unsupported": "true"}, files=upload)
    assert api.status_code == 200 and len(api.json()["skipped"]) == 3 and api.json()["added"] == 2
