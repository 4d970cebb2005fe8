"""A published sitting is summarised once, on the first look, and shows on the pages; inspectors
read all but the item analysis; bad filters get a Chinese message."""

import io

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from examhall.oversight.models import AttemptFact, ItemStats, SummarisedSitting
from tests.conftest import add_staff, log_in
from tests.delivery.conftest import Room
from tests.grading.conftest import chief


def _published(room: Room) -> TestClient:
    assert chief(room).post(f"/api/v1/grading/sittings/{room.sitting_id}/seal").status_code == 200
    add_staff(room.database, "admin_o", "admin")
    admin = log_in(TestClient(room.app), "admin_o")
    assert admin.post(f"/api/v1/grading/sittings/{room.sitting_id}/publish").status_code == 204
    return admin


def test_a_published_sitting_is_summarised_once_and_shown(held: Room) -> None:
    admin = _published(held)
    page = admin.get("/oversight")
    assert page.status_code == 200 and "首次考试" in page.text
    again = admin.get("/oversight?by=month")
    assert again.status_code == 200
    with held.database.transaction(write=False) as db:
        assert db.scalar(select(func.count()).select_from(SummarisedSitting)) == 1
        assert db.scalar(select(func.count()).select_from(AttemptFact)) == 3  # the absent one never sat
        assert (db.scalar(select(func.sum(ItemStats.papers))) or 0) > 0
    rates = admin.get("/api/v1/oversight/pass-rates?by=site").json()
    assert sum(r["total"]["sat"] for r in rates["rows"]) == 3
    detail = admin.get(f"/oversight/sittings/{held.sitting_id}")
    assert detail.status_code == 200 and "试卷种子" in detail.text
    papers = admin.get(f"/api/v1/oversight/sittings/{held.sitting_id}/papers").json()
    assert len(papers) == 3 and all(p["seed"] for p in papers)
    book = openpyxl.load_workbook(io.BytesIO(admin.get("/oversight/pass-rates.xlsx?by=site").content))
    assert book.sheetnames == ["合格率", "按月"]
    for path in ("/oversight/items", "/oversight/anomalies", "/oversight/report", "/oversight/sittings"):
        assert admin.get(path).status_code == 200, path


def test_inspectors_read_rates_but_not_the_items_and_bad_filters_are_named(held: Room) -> None:
    _published(held)
    add_staff(held.database, "inspector_o", "inspector")
    inspector = log_in(TestClient(held.app), "inspector_o")
    assert inspector.get("/oversight").status_code == 200
    assert inspector.get("/oversight/items").status_code == 403
    assert inspector.get("/api/v1/oversight/flags").status_code == 200
    bad = inspector.get("/oversight?institution=abc&from=2026-13")
    assert bad.status_code == 400
    assert "“abc”不是有效的培训机构" in bad.text and "起始月份应为年-月" in bad.text
    api = inspector.get("/api/v1/oversight/pass-rates?by=colour")
    assert api.status_code == 422 and api.json()["problems"][0]["where"] == "by"
