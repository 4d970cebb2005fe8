"""Question banks in the service: all-or-nothing imports, versions that never change, retiring
that keeps history, search, export, and the trace of every change."""

import io
from collections.abc import Callable

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from examhall.banks import service
from examhall.banks.items import ItemDraft
from examhall.banks.models import ItemVersion
from examhall.db import Database
from examhall.errors import Invalid
from examhall.trace import service as trace
from tests.conftest import TEST_ACTOR

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分类", "知识点", "难度", "解析", "来源"]
ROWS = [
    [
        "单选",
        "矿井总回风巷中甲烷浓度超过（  ）时必须立即查明原因。",
        "0.5%",
        "0.75%",
        "1.0%",
        "1.5%",
        "B",
        "通风",
        "瓦斯防治",
        2,
        "总回风巷甲烷浓度超过0.75%时必须查明原因。",
        "国家级",
    ],
    [
        "判断",
        "入井人员必须随身携带自救器。",
        None,
        None,
        None,
        None,
        "对",
        "通风",
        "应急救援与自救",
        "易",
        "规程规定。",
        "国家级",
    ],
    [
        "多选",
        "下列属于“三大保护”的有（  ）。",
        "过流保护",
        "漏电保护",
        "接地保护",
        "欠压保护",
        "ABC",
        "电气",
        "三大保护",
        3,
        "三大保护为过流、漏电、接地保护。",
        "省级",
    ],
    [
        "填空",
        "采掘工作面进风流中氧气浓度不低于（  ）。",
        None,
        None,
        None,
        None,
        "20%",
        "通风",
        "矿井通风",
        2,
        "氧气浓度不低于20%。",
        "国家级",
    ],
]


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "题库"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(
    database: Database, data: bytes, *, filename: str = "bank.xlsx", dry_run: bool = False, code: str = "demo"
) -> service.ImportReport:
    with database.transaction() as db:
        return service.import_file(
            db, code=code, filename=filename, data=data, actor=TEST_ACTOR, name="演示题库", dry_run=dry_run
        )


def _versions(database: Database) -> int:
    with database.transaction(write=False) as db:
        return db.scalar(text("SELECT count(*) FROM item_versions")) or 0


def test_an_excel_file_imports_every_item_type_and_is_traced(database: Database) -> None:
    report = _import(database, workbook(ROWS))
    assert (report.items, report.added, report.versioned, report.unchanged) == (4, 4, 0, 0)
    with database.transaction(write=False) as db:
        _, rows, total = service.search_items(db, code="demo", where=service.ItemFilter())
        events = trace.events(db, "bank:demo")
    assert total == 4
    assert {v.type for _, v in rows} == {"single_choice", "true_false", "multiple_choice", "fill_blank"}
    assert [e.action for e in events] == ["bank.imported"]
    assert '"added":4' in events[0].payload


def test_one_bad_row_imports_nothing_and_every_problem_is_named(database: Database) -> None:
    bad = [
        *ROWS,
        ["单选", "两个答案的单选题（  ）", "甲", "乙", "丙", "丁", "AB", "通风", "x", 2, "解析", "国家级"],
        ["单选", "", "甲", "甲", None, None, "E", "通风", "x", 9, "解析", "国家级"],
    ]
    with pytest.raises(Invalid) as refused:
        _import(database, workbook(bad))
    found = {(p.code, p.where) for p in refused.value.problems if not p.warning}
    assert ("several_keys", "bank.xlsx，工作表“题库”，第6行，“答案”列") in found
    assert {"empty_stem", "duplicate_option", "key_not_an_option", "bad_difficulty"} <= {c for c, _ in found}
    assert "未做任何更改" in refused.value.zh
    assert _versions(database) == 0


def test_a_dry_run_reports_and_saves_nothing(database: Database) -> None:
    report = _import(database, workbook(ROWS), dry_run=True)
    assert report.added == 4 and report.dry_run
    assert _versions(database) == 0


def test_importing_again_makes_versions_only_for_changed_items(database: Database) -> None:
    _import(database, workbook(ROWS))
    changed = [list(row) for row in ROWS]
    changed[1][10] = "《煤矿安全规程》规定入井人员必须随身携带自救器。"
    report = _import(database, workbook(changed))
    assert (report.added, report.versioned, report.unchanged) == (0, 1, 3)
    assert _versions(database) == 5


def test_an_edit_makes_a_new_version_and_the_old_one_never_changes(database: Database) -> None:
    _import(database, workbook(ROWS))
    with database.transaction(write=False) as db:
        _, rows, _ = service.search_items(db, code="demo", where=service.ItemFilter(type="single_choice"))
        key, first = rows[0][0].key, rows[0][1]
    draft = service.version_to_draft(first, key)
    draft.stem = "矿井总回风巷或一翼回风巷中甲烷浓度超过（  ）时，必须立即查明原因，进行处理。"
    with database.transaction() as db:
        version = service.edit_item(db, code="demo", key=key, draft=draft, actor=TEST_ACTOR)
    assert version.version == 2
    with database.transaction(write=False) as db:
        _, item, current = service.get_item(db, code="demo", key=key)
        history = service.versions_of(db, item)
        assert db.get(ItemVersion, first.id).stem == first.stem  # type: ignore[union-attr]
        assert trace.events(db, "bank:demo")[-1].action == "item.edited"
    assert [v.version for v in history] == [1, 2] and current.stem == draft.stem
    for statement in ("UPDATE item_versions SET stem = 'x'", "DELETE FROM item_versions"):
        with pytest.raises(DatabaseError), database.engine.begin() as conn:
            conn.execute(text(statement))


def test_an_edit_is_checked_like_an_import(database: Database) -> None:
    _import(database, workbook(ROWS))
    with database.transaction(write=False) as db:
        _, rows, _ = service.search_items(db, code="demo", where=service.ItemFilter(type="single_choice"))
    broken = service.version_to_draft(rows[0][1], rows[0][0].key)
    broken.answer = [0, 1]
    with pytest.raises(Invalid) as refused, database.transaction() as db:
        service.edit_item(db, code="demo", key=rows[0][0].key, draft=broken, actor=TEST_ACTOR)
    assert refused.value.problems[0].code == "several_keys"
    assert _versions(database) == 4


def test_retiring_keeps_history_and_stops_counting_the_item(database: Database) -> None:
    _import(database, workbook(ROWS))
    with database.transaction(write=False) as db:
        _, rows, _ = service.search_items(db, code="demo", where=service.ItemFilter(type="true_false"))
    key = rows[0][0].key
    with database.transaction() as db:
        service.set_retired(db, code="demo", key=key, retired=True, actor=TEST_ACTOR)
    with database.transaction(write=False) as db:
        assert [n for _, n in service.list_banks(db)] == [3]
        _, active, _ = service.search_items(db, code="demo", where=service.ItemFilter())
        _, retired, _ = service.search_items(db, code="demo", where=service.ItemFilter(status="retired"))
        assert [e.action for e in trace.events(db, "bank:demo")][-1] == "item.retired"
    assert len(active) == 3 and [i.key for i, _ in retired] == [key]
    assert _versions(database) == 4


def test_search_filters_by_text_type_category_knowledge_point_and_difficulty(database: Database) -> None:
    _import(database, workbook(ROWS))
    with database.transaction(write=False) as db:

        def keys(**where: object) -> int:
            return service.search_items(db, code="demo", where=service.ItemFilter(**where))[2]  # type: ignore[arg-type]

        assert keys(q="甲烷") == 1
        assert keys(type="multiple_choice") == 1
        assert keys(category="通风") == 3
        assert keys(knowledge_point="三大保护") == 1
        assert keys(difficulty=2) == 2


def test_a_stem_repeating_another_item_of_the_bank_is_a_warning(database: Database) -> None:
    _import(database, workbook(ROWS))
    again = ItemDraft(type="true_false", stem="入井人员必须随身携带自救器！", answer=True, key="NEW-1")
    from examhall.banks.formats import write

    data, _ = write("json", code="demo", name="演示题库", description="", drafts=[again], images={})
    report = _import(database, data, filename="more.json")
    assert report.added == 1
    assert [w.code for w in report.warnings] == ["near_duplicate_in_bank"]


def test_the_item_count_limit_refuses_with_the_limit_named(database: Database) -> None:
    from examhall.banks.formats import Limits

    with pytest.raises(Invalid) as refused, database.transaction() as db:
        service.import_file(
            db, code="demo", filename="bank.xlsx", data=workbook(ROWS), actor=TEST_ACTOR, limits=Limits(max_items=3)
        )
    assert "3" in refused.value.problems[0].zh


@pytest.mark.parametrize("fmt", ["xlsx", "qti", "json", "yaml"])
def test_export_then_import_gives_back_the_same_items(database: Database, fmt: str) -> None:
    _import(database, workbook(ROWS))
    with database.transaction(write=False) as db:
        data, extension = service.export_bank(db, code="demo", fmt=fmt)
    report = _import(database, data, filename=f"export.{extension}", dry_run=True)
    assert (report.added, report.versioned, report.unchanged) == (0, 0, 4)


def test_banks_are_for_admins_only(staff_client: Callable[..., TestClient], database: Database) -> None:
    _import(database, workbook(ROWS))
    for role in ("chief_examiner", "proctor", "inspector", "judge", "trainer"):
        assert staff_client(role).get("/api/v1/banks/demo/items").status_code == 403
    admin = staff_client("admin")
    page = admin.get("/api/v1/banks/demo/items", params={"q": "自救器"}).json()
    assert page["total"] == 1 and page["items"][0]["answer"] is True
