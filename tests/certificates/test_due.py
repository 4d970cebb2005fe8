"""The review list (复审名单): valid certificates falling due within N months, and those missed in
the last 90 days, per enterprise, soonest first, on the page and as a workbook."""

import io
from collections.abc import Callable
from datetime import date, timedelta

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import select

from examhall.certificates import due, ledger
from examhall.db import Database
from examhall.sittings.models import Candidate, Certificate, Enterprise
from tests.certificates.test_registry import ITEM, PRINCIPAL, TODAY, kinds_made
from tests.conftest import TEST_ACTOR
from tests.sittings.conftest import id_number

__all__ = ["kinds_made"]


def holds(
    database: Database,
    name: str,
    n: int,
    *,
    kind_id: int,
    review: date | None,
    until: date,
    enterprise: str = "",
    state: str = "valid",
) -> None:
    with database.transaction() as db:
        holder = Candidate(
            id_number=id_number(date(1980, 1, 1), n), name=name, gender="男", birth_date=date(1980, 1, 1)
        )
        if enterprise:
            found = db.scalar(select(Enterprise).where(Enterprise.name == enterprise))
            if found is None:
                found = Enterprise(name=enterprise)
                db.add(found)
                db.flush()
            holder.enterprise_id = found.id
        db.add(holder)
        db.flush()
        certificate = Certificate(
            candidate_id=holder.id,
            kind_id=kind_id,
            number=holder.id_number,
            category=ITEM if review else PRINCIPAL,
            operation_item=ITEM if review else "",
            first_issued_on=until - timedelta(days=6 * 365),
            issued_on=until - timedelta(days=6 * 365),
            valid_until=until,
            next_review_on=review,
            issuer="山西省应急管理厅",
            state=state,
            origin="imported",
            revision=1,
        )
        ledger.open_certificate(db, certificate, actor=TEST_ACTOR, note={})


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def world(database: Database, kinds: dict[str, int]) -> dict[str, int]:
    """Hand-picked dates around 2 March 2026; three months on is 2 June 2026 (92 days)."""
    special, proof = kinds["TZ-AJ"], kinds["GL-ZY"]
    far = date(2030, 1, 1)
    holds(database, "甲", 1, kind_id=special, review=days(10), until=far, enterprise="晋能煤业")
    holds(database, "乙", 2, kind_id=special, review=date(2026, 6, 2), until=far, enterprise="阳泉煤业")
    holds(database, "丙", 3, kind_id=special, review=date(2026, 6, 3), until=far, enterprise="晋能煤业")
    holds(database, "丁", 4, kind_id=proof, review=None, until=days(30), enterprise="阳泉煤业")
    holds(database, "戊", 5, kind_id=special, review=days(-10), until=far, enterprise="晋能煤业")
    holds(database, "己", 6, kind_id=special, review=days(-91), until=far)
    holds(database, "庚", 7, kind_id=special, review=days(5), until=far, state="suspended")
    holds(database, "辛", 8, kind_id=special, review=days(200), until=far, enterprise="晋能煤业")
    with database.transaction(write=False) as db:
        return {e.name: e.id for e in db.scalars(select(Enterprise))}


def names(database: Database, **where: int | None) -> list[tuple[str, int]]:
    with database.transaction(write=False) as db:
        return [(r.holder.name, r.days_left) for r in due.due_list(db, today=TODAY, **where)]  # type: ignore[arg-type]


def test_the_window_runs_from_recent_misses_to_n_months_ahead(database: Database, kinds_made: dict[str, int]) -> None:
    world(database, kinds_made)
    assert names(database) == [("戊", -10), ("甲", 10), ("丁", 30), ("乙", 92)]
    assert names(database, months=1) == [("戊", -10), ("甲", 10), ("丁", 30)]
    assert [n for n, _ in names(database, months=12)] == ["戊", "甲", "丁", "乙", "丙", "辛"]


def test_the_list_says_what_falls_due(database: Database, kinds_made: dict[str, int]) -> None:
    world(database, kinds_made)
    with database.transaction(write=False) as db:
        rows = {r.holder.name: r for r in due.due_list(db, today=TODAY)}
    assert rows["甲"].review and rows["甲"].applying and not rows["甲"].overdue
    assert not rows["丁"].review and rows["丁"].due == days(30)  # no review: its validity ends
    assert rows["戊"].overdue and not rows["戊"].applying
    assert not rows["乙"].applying  # 92 days ahead: too early to apply
    assert rows["甲"].enterprise == "晋能煤业" and rows["甲"].kind_name == "特种作业操作证"


def test_one_enterprise(database: Database, kinds_made: dict[str, int]) -> None:
    enterprises = world(database, kinds_made)
    assert names(database, enterprise_id=enterprises["阳泉煤业"]) == [("丁", 30), ("乙", 92)]
    assert [n for n, _ in names(database, months=12, enterprise_id=enterprises["晋能煤业"])] == ["戊", "甲", "丙", "辛"]


def test_the_workbook_has_the_lists_columns(database: Database, kinds_made: dict[str, int]) -> None:
    world(database, kinds_made)
    with database.transaction(write=False) as db:
        data = due.due_file(due.due_list(db, today=TODAY, months=1))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["企业", "姓名", "身份证号", "证书", "准操项目", "复审日期/有效期至", "剩余天数"]
    assert rows[1][:3] == ["晋能煤业", "戊", id_number(date(1980, 1, 1), 5)]
    assert rows[1][5].date() == days(-10) and rows[1][6] == -10
    assert rows[3][3:5] == ["安全生产知识和管理能力考核合格证明", PRINCIPAL]


def test_months_run_to_the_same_day(database: Database) -> None:
    assert due.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert due.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert due.add_months(date(2026, 3, 2), 12) == date(2027, 3, 2)


def test_the_page_and_its_download(
    database: Database, kinds_made: dict[str, int], staff_client: Callable[..., TestClient]
) -> None:
    enterprises = world(database, kinds_made)
    admin = staff_client("admin")
    page = admin.get("/admin/certificates/reviews")
    assert page.status_code == 200
    for shown in ("复审名单", "已逾期10天", "可申请复审", "有效期满", "晋能煤业", "共 4 本证书"):
        assert shown in page.text, shown
    assert "庚" not in page.text and "辛" not in page.text
    one = admin.get(f"/admin/certificates/reviews?months=12&enterprise={enterprises['阳泉煤业']}")
    assert "共 2 本证书" in one.text and "/admin/certificates/reviews.xlsx?months=12&amp;enterprise=" in one.text
    bad = admin.get("/admin/certificates/reviews?months=abc")
    assert bad.status_code == 200 and "月数应为1至36，已按3个月列出" in bad.text
    download = admin.get(f"/admin/certificates/reviews.xlsx?months=12&enterprise={enterprises['阳泉煤业']}")
    assert download.headers["content-type"].startswith("application/vnd.openxml")
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).worksheets[0]
    assert [r[1].value for r in sheet.iter_rows(min_row=2)] == ["丁", "乙"]
    assert staff_client("inspector").get("/admin/certificates/reviews.xlsx").status_code == 403
