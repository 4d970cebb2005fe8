"""Importing certificates issued before examhall from the national registry's layout, and the
export that reads back: a file with any bad row is refused whole, naming every row and column,
and writes nothing; a good one opens each certificate's chain and records one summary event."""

import argparse
import html
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from examhall import clock
from examhall.certificates import commands, kinds, ledger, registry
from examhall.config import Settings
from examhall.db import Database, alembic_config
from examhall.errors import Invalid
from examhall.sittings.models import Candidate, Certificate, Enterprise
from examhall.trace.service import events, payload_of
from tests.conftest import TEST_ACTOR, form_token
from tests.sittings.conftest import id_number

TODAY = date(2026, 3, 2)
HEADER = ["姓名", "性别", "身份证号", "作业类别", "准操项目", "初领日期", "有效期至", "复审日期", "发证机关"]
WORK_CLASS, ITEM = "煤矿安全作业", "煤矿安全检查作业"
PRINCIPAL = "煤矿企业主要负责人"
ZHANG = id_number(date(1985, 4, 12), 1)
LI = id_number(date(1990, 7, 3), 2, male=False)
WANG = id_number(date(1979, 1, 30), 3)


def special(**changes: Any) -> kinds.KindForm:
    fields: dict[str, Any] = {
        "code": "TZ-AJ",
        "name": "特种作业操作证",
        "source": "exam",
        "category": ITEM,
        "work_class": WORK_CLASS,
        "operation_item": ITEM,
        "numbering": "id_number",
        "valid_years": 6,
        "review_years": 3,
        "extended_review_years": 6,
        "extension_after_years": 10,
        "review_hours": Decimal(8),
        "review_exam": True,
        "issuer": "山西省应急管理厅",
    }
    return kinds.KindForm(**{**fields, **changes})


def principal() -> kinds.KindForm:
    return special(
        code="GL-ZY",
        name="安全生产知识和管理能力考核合格证明",
        category=PRINCIPAL,
        work_class="",
        operation_item="",
        numbering="serial",
        valid_years=3,
        review_years=None,
        extended_review_years=None,
        extension_after_years=None,
        review_hours=Decimal(0),
        review_exam=False,
    )


def add_kinds(database: Database) -> dict[str, int]:
    with database.transaction() as db:
        made = [kinds.save_kind(db, form=f, kind_id=None, actor=TEST_ACTOR) for f in (special(), principal())]
        return {k.code: k.id for k in made}


@pytest.fixture
def kinds_made(database: Database) -> Iterator[dict[str, int]]:
    clock.freeze(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 10:00 in Beijing
    yield add_kinds(database)


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "证书"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(name: str = "张三", gender: str = "男", number: str = ZHANG, **changes: Any) -> list[Any]:
    values = {
        "work_class": WORK_CLASS,
        "item": ITEM,
        "first": date(2018, 6, 1),
        "until": date(2030, 6, 1),
        "review": date(2027, 6, 1),
        "issuer": "山西省应急管理厅",
    } | changes
    return [name, gender, number, *values.values()]


def import_(database: Database, data: bytes, name: str = "登记表.xlsx") -> registry.Imported:
    with database.transaction() as db:
        return registry.import_file(db, filename=name, data=data, today=TODAY, actor=TEST_ACTOR)


def refused(database: Database, data: bytes, name: str = "登记表.xlsx") -> list[str]:
    """The problems of a refused file, each as "where：what"; and that nothing was written."""
    before = counts(database)
    with pytest.raises(Invalid) as caught:
        import_(database, data, name)
    assert counts(database) == before
    return [p.text("zh") for p in caught.value.problems]


def counts(database: Database) -> tuple[int, int, int, int]:
    with database.transaction(write=False) as db:
        return (
            db.scalar(select(func.count()).select_from(Certificate)) or 0,
            db.scalar(select(func.count()).select_from(Candidate)) or 0,
            db.scalar(select(func.count()).select_from(Enterprise)) or 0,
            len(events(db, registry.CHAIN)),
        )


def add_candidate(database: Database, number: str, name: str) -> None:
    with database.transaction() as db:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        db.add(Candidate(id_number=number, name=name, gender="男", birth_date=born))


def test_a_good_file_opens_each_certificates_chain_and_records_the_import(
    database: Database, kinds_made: dict[str, int]
) -> None:
    add_candidate(database, LI, "李四")
    data = xlsx(
        [
            row(),
            row("李四", "女", LI, first=date(2024, 1, 15), until=date(2030, 1, 15), review=None),
            ["王五", "", WANG, "", PRINCIPAL, "2025-05-20", "2028-05-20", "", "", "GL2025001"],
        ],
        [*HEADER, "证书编号"],
    )
    imported = import_(database, data)
    assert len(imported.certificates) == 3 and imported.new_holders == 2
    with database.transaction(write=False) as db:
        made = {h.name: c for c, h in db.execute(select(Certificate, Candidate).join(Candidate))}
        zhang = made["张三"]
        assert (zhang.origin, zhang.state, zhang.revision, zhang.number) == ("imported", "valid", 1, ZHANG)
        assert zhang.kind_id == kinds_made["TZ-AJ"] and zhang.work_class == WORK_CLASS and zhang.category == ITEM
        # First issued 2018, renewed in 2024 for another 6 years: the validity running began then.
        assert (zhang.first_issued_on, zhang.issued_on) == (date(2018, 6, 1), date(2024, 6, 1))
        assert (zhang.valid_until, zhang.next_review_on) == (date(2030, 6, 1), date(2027, 6, 1))
        assert made["李四"].next_review_on is None and made["李四"].issued_on == date(2024, 1, 15)
        wang = made["王五"]
        assert (wang.number, wang.issuer, wang.kind_id) == ("GL2025001", "山西省应急管理厅", kinds_made["GL-ZY"])
        holder = db.scalar(select(Candidate).where(Candidate.id_number == WANG))
        assert holder is not None and (holder.gender, holder.birth_date) == ("男", date(1979, 1, 30))
        for certificate in made.values():
            assert ledger.check(db, certificate).intact
            opening = events(db, certificate.chain)[0]
            assert opening.action == "certificate.imported"
            assert payload_of(opening)["file"] == "登记表.xlsx"
        assert payload_of(events(db, zhang.chain)[0])["row"] == 2
        [summary] = events(db, registry.CHAIN)
        said = payload_of(summary)
        assert (said["certificates"], said["new_holders"], said["file_sha256"]) == (3, 2, imported.sha256)
        assert len(said["file_sha256"]) == 64


def test_a_bad_id_number_refuses_the_whole_file(database: Database, kinds_made: dict[str, int]) -> None:
    bad = ZHANG[:17] + ("0" if ZHANG[17] != "0" else "1")
    problems = refused(database, xlsx([row("李四", "女", LI), row(number=bad), row("王五", number=WANG)]))
    assert problems == ["登记表.xlsx，工作表“证书”，第3行，“身份证号”列：身份证号校验码不正确，请核对"]


def test_every_bad_row_is_named_not_just_the_first(database: Database, kinds_made: dict[str, int]) -> None:
    problems = refused(
        database,
        xlsx(
            [
                row(number="1401051985041200"),
                row("李四", "男", LI),
                row("王五", number=WANG, until=date(2017, 1, 1), review=None),
                row("赵六", number=id_number(date(1970, 2, 2), 4), first="去年"),
            ]
        ),
    )
    assert [re.sub(r"^.*?第(\d+)行，“(.+?)”列：.*$", r"\1 \2", p) for p in problems] == [
        "2 身份证号",
        "3 性别",
        "4 有效期至",
        "5 初领日期",
    ]


RULES = [
    ("性别", "gender_mismatch", [row(gender="女")]),
    ("有效期至", "dates_order", [row(first=date(2020, 1, 1), until=date(2019, 1, 1))]),
    ("有效期至", "too_long", [row(first=date(2020, 1, 1), until=date(2033, 1, 1))]),
    ("初领日期", "future_date", [row(first=date(2026, 5, 1))]),
    ("初领日期", "bad_date", [row(first="2020-02-30")]),
    ("复审日期", "review_outside", [row(review=date(2031, 1, 1))]),
    ("身份证号", "duplicate_row", [row(), row(first=date(2019, 1, 1))]),
    ("准操项目", "unknown_kind", [row(item="煤矿瓦斯检查作业")]),
    ("准操项目", "missing_item", [row(item="")]),
    ("姓名", "missing_name", [row(name="")]),
    (
        "复审日期",
        "no_review",
        [["王五", "男", WANG, "", PRINCIPAL, "2025-05-20", "2028-05-20", "2027-01-01", "", "GL8"]],
    ),
    ("证书编号", "missing_number", [["王五", "男", WANG, "", PRINCIPAL, "2025-05-20", "2028-05-20", "", ""]]),
    ("证书编号", "number_mismatch", [[*row(), "T" + LI]]),
    (
        "姓名",
        "name_differs",
        [
            row(),
            [
                *row(
                    "张三丰", item=PRINCIPAL, work_class="", first=date(2025, 5, 20), until=date(2028, 5, 20), review=""
                ),
                "GL7",
            ],
        ],
    ),
]


@pytest.mark.parametrize(("column", "code", "rows"), RULES, ids=[f"{c}-{k}" for c, k, _ in RULES])
def test_each_row_rule_names_its_column(
    database: Database, kinds_made: dict[str, int], column: str, code: str, rows: list[list[Any]]
) -> None:
    good = row("李四", "女", LI)
    with database.transaction(write=False) as db, pytest.raises(Invalid) as caught:
        registry.import_file(
            db, filename="f.xlsx", data=xlsx([good, *rows], [*HEADER, "证书编号"]), today=TODAY, actor=TEST_ACTOR
        )
    assert [(p.code, p.where.split("，")[-1]) for p in caught.value.problems] == [(code, f"“{column}”列")]
    assert counts(database)[0] == 0


def test_a_name_other_than_the_registered_one_is_refused(database: Database, kinds_made: dict[str, int]) -> None:
    add_candidate(database, ZHANG, "张叁")
    [problem] = refused(database, xlsx([row()]))
    assert problem.endswith("第2行，“姓名”列：该身份证号已登记的姓名为“张叁”，本行为“张三”")


def test_a_certificate_already_held_is_refused_until_its_validity_ended(
    database: Database, kinds_made: dict[str, int]
) -> None:
    import_(database, xlsx([row()]))
    [problem] = refused(database, xlsx([row(first=date(2024, 6, 1))]))
    assert "“准操项目”列：张三已持有“特种作业操作证”（有效期至2030-06-01），与本行的有效期重叠" in problem
    assert refused(database, xlsx([row()]))  # the same file twice: nothing doubles
    with database.transaction() as db:  # a revoked one no longer stands in the way
        db.execute(update(Certificate).values(state="revoked"))
    assert len(import_(database, xlsx([row(first=date(2024, 6, 1))])).certificates) == 1


def test_a_serial_number_is_used_once(database: Database, kinds_made: dict[str, int]) -> None:
    header = [*HEADER, "证书编号"]
    first = ["王五", "男", WANG, "", PRINCIPAL, "2025-05-20", "2028-05-20", "", "", "GL1"]
    import_(database, xlsx([first], header))
    other = ["赵六", "男", id_number(date(1970, 2, 2), 4), "", PRINCIPAL, "2025-05-20", "2028-05-20", "", "", "GL1"]
    [problem] = refused(database, xlsx([other], header))
    assert problem.endswith("“证书编号”列：证书编号“GL1”与已有证书重复")


def test_files_without_the_layout_are_refused_whole(database: Database, kinds_made: dict[str, int]) -> None:
    assert refused(database, xlsx([row()], ["姓名", "身份证号", "作业类别"])) == [
        "登记表.xlsx，工作表“证书”，第1行：表头缺少列：准操项目、初领日期、有效期至"
    ]
    assert "找不到表头" in refused(database, xlsx([["甲", "乙"]], ["编号", "备注"]))[0]
    assert refused(database, xlsx([])) == ["登记表.xlsx：文件中没有证书"]
    assert "Excel" in refused(database, b"PK\x03\x04 broken", "坏文件.xlsx")[0]


def test_a_csv_file_reads_as_the_workbook_does(database: Database, kinds_made: dict[str, int]) -> None:
    text = (
        ",".join(HEADER) + "\n" + ",".join(["张三", "男", ZHANG, WORK_CLASS, ITEM, "2018/6/1", "2030年6月1日", "", ""])
    )
    imported = import_(database, text.encode("utf-8"), "登记表.csv")
    [(read, certificate)] = imported.certificates
    assert (certificate.valid_until, certificate.next_review_on, read.row) == (date(2030, 6, 1), None, 2)


# --- export, and reading it back -----------------------------------------------------------------


@pytest.fixture
def second(settings: Settings, fresh_database_url: str) -> Iterator[Database]:
    """Another examhall's database: where a registry export is taken to."""
    command.upgrade(alembic_config(fresh_database_url), "head")
    other = Database(settings.model_copy(update={"database_url": fresh_database_url}))
    yield other
    other.dispose()


def cells(data: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c.value for c in r] for r in sheet.iter_rows()]


def export(database: Database, **where: Any) -> bytes:
    with database.transaction(write=False) as db:
        return registry.export_file(db, today=TODAY, **where)


def test_an_export_reads_back_into_another_examhall(
    database: Database, second: Database, kinds_made: dict[str, int]
) -> None:
    header = [*HEADER, "证书编号", "工作单位"]
    import_(
        database,
        xlsx(
            [
                [*row(), "", "晋能控股煤业集团"],
                [*row("李四", "女", LI, review=None), "", "阳泉煤业"],
                ["王五", "男", WANG, "", PRINCIPAL, "2025-05-20", "2028-05-20", "", "太原市应急管理局", "GL9"],
            ],
            header,
        ),
    )
    exported = export(database)
    assert cells(exported)[0] == [*HEADER, "证书编号", "工作单位", "状态"]
    assert cells(exported)[1][:3] == ["张三", "男", ZHANG]  # the ID number as text, never a number
    add_kinds(second)
    imported = import_(second, exported, "证书登记表.xlsx")
    assert len(imported.certificates) == 3 and imported.new_holders == 3
    assert cells(export(second)) == cells(exported)
    with second.transaction(write=False) as db:
        assert {e.name for e in db.scalars(select(Enterprise))} == {"晋能控股煤业集团", "阳泉煤业"}


def test_an_exported_suspended_certificate_is_not_imported_as_valid(
    database: Database, second: Database, kinds_made: dict[str, int]
) -> None:
    import_(database, xlsx([row(), row("李四", "女", LI)]))
    with database.transaction() as db:
        db.execute(update(Certificate).where(Certificate.number == LI).values(state="suspended"))
    assert len(cells(export(database, state="suspended"))) == 2
    add_kinds(second)
    [problem] = refused(second, export(database))
    assert problem.endswith("第3行，“状态”列：证书状态为“暂扣”，只能导入有效的证书；请删去此行")


# --- the pages -----------------------------------------------------------------------------------


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _upload(client: TestClient, data: bytes, name: str = "登记表.xlsx") -> Any:
    token = form_token(client, "/admin/certificates/import")
    files = {"file": (name, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    return client.post("/admin/certificates/import", data={"csrf_token": token, "step": "check"}, files=files)


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, name
    return html.unescape(found.group(1))


def test_the_upload_page_names_each_bad_row_in_chinese(
    database: Database, kinds_made: dict[str, int], staff_client: Callable[..., TestClient]
) -> None:
    admin = staff_client("admin")
    bad = ZHANG[:17] + ("0" if ZHANG[17] != "0" else "1")
    response = _upload(admin, xlsx([row(number=bad), row("李四", "男", LI)]))
    assert response.status_code == 422
    text = _text(response.text)
    assert "“登记表.xlsx”有2处问题，未导入任何证书" in text
    assert "工作表“证书”，第2行，“身份证号”列：身份证号校验码不正确，请核对" in text
    assert "第3行，“性别”列：性别“男”与身份证号（女）不符" in text
    assert 'name="file"' in response.text  # chosen again on the same page
    assert counts(database)[:2] == (0, 0)


def test_a_checked_file_is_shown_then_imported_when_confirmed(
    database: Database, kinds_made: dict[str, int], staff_client: Callable[..., TestClient]
) -> None:
    admin = staff_client("admin")
    checked = _upload(admin, xlsx([row(), row("李四", "女", LI)]))
    assert checked.status_code == 200
    text = _text(checked.text)
    assert "检查通过" in text and "将导入 2 本证书" in text and "140105********" in text
    assert counts(database)[:2] == (0, 0)  # shown, not written
    form = {
        "csrf_token": _hidden(checked.text, "csrf_token"),
        "step": "confirm",
        **{k: _hidden(checked.text, k) for k in ("filename", "sha256", "carried")},
    }
    tampered = admin.post("/admin/certificates/import", data={**form, "sha256": "0" * 64})
    assert "待确认的文件内容不完整，请重新上传文件" in tampered.text and counts(database)[0] == 0
    done = admin.post("/admin/certificates/import", data=form)
    assert done.status_code == 200
    assert "已导入“登记表.xlsx”：2本证书，新登记持证人2名" in _text(done.text)
    assert counts(database)[:2] == (2, 2)
    again = admin.post("/admin/certificates/import", data=form)  # sent twice: refused, nothing doubles
    assert "已持有“特种作业操作证”" in _text(again.text) and counts(database)[0] == 2


def test_an_upload_without_a_file_is_told_so(
    database: Database, kinds_made: dict[str, int], staff_client: Callable[..., TestClient]
) -> None:
    admin = staff_client("admin")
    token = form_token(admin, "/admin/certificates/import")
    response = admin.post("/admin/certificates/import", data={"csrf_token": token, "step": "check"})
    assert response.status_code == 422 and "请选择要导入的文件" in response.text


def test_the_export_downloads_with_a_filter(
    database: Database, kinds_made: dict[str, int], staff_client: Callable[..., TestClient]
) -> None:
    import_(database, xlsx([row(), row("李四", "女", LI)]))
    admin = staff_client("admin")
    response = admin.get("/admin/certificates/export.xlsx")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/vnd.openxml")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    assert len(cells(response.content)) == 3
    other = admin.get(f"/admin/certificates/export.xlsx?kind={kinds_made['GL-ZY']}&state=valid")
    assert len(cells(other.content)) == 1


@pytest.mark.parametrize("role", ["proctor", "chief_examiner", "inspector", "judge", "trainer"])
def test_only_administrators_reach_the_registry(
    database: Database, staff_client: Callable[..., TestClient], role: str
) -> None:
    other = staff_client(role)
    for path in ("/admin/certificates/import", "/admin/certificates/export.xlsx", "/admin/certificates/reviews"):
        assert other.get(path).status_code == 403, path
    assert other.post("/admin/certificates/import", data={"step": "check"}).status_code == 403


def test_the_pages_answer_the_administrator(database: Database, staff_client: Callable[..., TestClient]) -> None:
    admin = staff_client("admin")
    page = admin.get("/admin/certificates/import")
    assert page.status_code == 200 and "还没有设定证书种类" in page.text
    assert admin.get("/admin/certificates/reviews").status_code == 200


def test_the_command_line_checks_imports_and_exports(
    settings: Settings, database: Database, kinds_made: dict[str, int], tmp_path: Path, capsys: Any
) -> None:
    parser = argparse.ArgumentParser()
    groups = parser.add_subparsers()

    def leaf(parent: Any, name: str, help: str, run: commands.Command) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = parent.add_parser(name, help=help)
        sub.set_defaults(run=run)
        return sub

    commands.register(groups, leaf)

    def run(*argv: str) -> str:
        args = parser.parse_args(argv)
        args.run(args, settings)
        out: str = capsys.readouterr().out
        return out

    path = tmp_path / "登记表.xlsx"
    path.write_bytes(xlsx([row(), row("李四", "女", LI)]))
    assert "checked (nothing imported): 2 certificates, 2 new holders" in run("import", str(path), "--dry-run")
    assert counts(database)[0] == 0
    assert "imported: 2 certificates, 2 new holders; sha256 " in run("import", str(path))
    with pytest.raises(Invalid) as again:
        run("import", str(path))
    assert "row 2, column '准操项目': 张三 already holds a TZ-AJ certificate" in again.value.problems[0].text("en")
    output = tmp_path / "导出.xlsx"
    assert "wrote " in run("export", "--output", str(output), "--kind", "TZ-AJ", "--state", "valid")
    assert [r[0] for r in cells(output.read_bytes())] == ["姓名", "张三", "李四"]
