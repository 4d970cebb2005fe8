"""The sitting record and the results page as the chief examiner and the admin read them: people
by name, whom each incident concerns, nobody absent while the exam still runs, the check of the
results against the trace, and the appeals waiting for each of them."""

from fastapi.testclient import TestClient
from sqlalchemy import select

from examhall.accounts.models import User
from tests.conftest import add_staff, log_in
from tests.delivery.conftest import Room, later
from tests.grading.conftest import chief


def test_the_record_names_people_and_seats_and_counts_absence_only_when_the_exam_is_over(room: Room) -> None:
    browser, attempt = room.started(0)
    room.candidate(1)  # logged in, waiting to be authorized
    proctor = room.proctor()
    base = f"/api/v1/proctoring/sittings/{room.sitting_id}"
    assert proctor.post(f"{base}/warnings", json={"attempt_id": attempt, "note": "东张西望"}).status_code == 201
    with room.database.transaction() as db:
        for user in db.scalars(select(User)):
            user.display_name = {"proctor_a": "张监考", "proctor_b": "赵监考", "chief_a": "李主考"}.get(
                user.username, ""
            )
    later(room, minutes=30)
    page = chief(room).get(f"/sittings/{room.sitting_id}/record").text
    assert "1 号座" in page and "东张西望" in page
    assert "张监考" in page and "proctor_a" not in page  # people by name, never by login
    assert (
        "已登录，待监考员授权" in page
        and "未到考" in page
        and "缺考" not in page.split("<h2>考生</h2>")[1].split("</table>")[0]
    )
    browser.post(f"/api/v1/delivery/attempts/{attempt}/submit")
    later(room, minutes=125)
    page = chief(room).get(f"/sittings/{room.sitting_id}/record").text
    assert "缺考（已登录，未开考）" in page and "已登录未开考 1 人" in page
    assert "data-confirm=" in page and "缺考 3 人" in page  # the seal asks first, with the counts


def test_the_results_page_shows_the_check_and_each_waits_for_their_appeals(room: Room) -> None:
    browser, attempt = room.started(0)
    browser.post(f"/api/v1/delivery/attempts/{attempt}/submit")
    later(room, minutes=125)
    assert chief(room).post(f"/api/v1/grading/sittings/{room.sitting_id}/seal").status_code == 200
    add_staff(room.database, "admin_p", "admin")
    admin = log_in(TestClient(room.app), "admin_p")
    page = admin.get(f"/sittings/{room.sitting_id}/results").text
    assert "成绩核验通过" in page and "确认发布" in page and "合格 0 人；不合格 1 人；缺考 3 人" in page
    assert admin.post(f"/api/v1/grading/sittings/{room.sitting_id}/publish").status_code == 204
    filed = TestClient(room.app).post(
        "/api/v1/grading/results/appeals",
        json={"ticket": room.tickets[0], "id_number": room.ids[0], "reason": "第2题评分有误"},
    )
    assert filed.status_code == 201
    appeal = filed.json()["id"]
    assert "第2题评分有误" in admin.get("/appeals").text
    assert "没有待处理的复核申请" in chief(room).get("/appeals").text
    admin.post(f"/api/v1/grading/appeals/{appeal}/regrade")
    admin.post(f"/api/v1/grading/appeals/{appeal}/proposal", json={"score": None, "note": "维持"})
    waiting = chief(room).get("/appeals").text
    assert "待主考官确认" in waiting and f"#appeal-{appeal}" in waiting
    results = chief(room).get(f"/sittings/{room.sitting_id}/results").text
    assert f'id="appeal-{appeal}"' in results and "维持该考生原成绩" in results
