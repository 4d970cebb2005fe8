"""The candidate's pages: the same browser carrying on after its tab was closed, a waiting page
told that a sealed sitting is over, the page of an attempt ended for misconduct, and a page for
an attempt that is not the candidate's."""

import re

import httpx
from fastapi.testclient import TestClient

from tests.conftest import log_in
from tests.delivery.conftest import Room, later


def form_token(client: TestClient) -> str:
    """The CSRF token a login form carries (a browser that has only loaded the form)."""
    page = client.get("/exam")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def login_form(client: TestClient, room: Room, k: int, token: str) -> httpx.Response:
    sent: httpx.Response = client.post(
        "/exam/login",
        data={"csrf_token": token, "ticket": room.tickets[k], "id_number": room.ids[k]},
        follow_redirects=False,
    )
    return sent


def seal(room: Room) -> None:
    later(room, minutes=121)  # the sitting's time is over
    chief = log_in(TestClient(room.app), "chief_a")
    response = chief.post(f"/api/v1/grading/sittings/{room.sitting_id}/seal")
    assert response.status_code == 200, response.text


def test_the_same_browser_goes_back_to_its_exam_and_another_pc_still_needs_approval(room: Room) -> None:
    browser, attempt = room.started(0)
    again = browser.get("/exam", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/exam/attempts/{attempt}"
    assert "答题" in browser.get(f"/exam/attempts/{attempt}").text

    # The login form sent again from this browser: no move to approve, the session goes on.
    sent = login_form(browser, room, 0, browser.headers["X-CSRF-Token"])
    assert sent.status_code == 303 and sent.headers["location"] == f"/exam/attempts/{attempt}"
    assert browser.get(f"/api/v1/delivery/attempts/{attempt}/status").json()["state"] == "in_progress"

    # Another PC is refused until a proctor approves, and says so.
    other = TestClient(room.app)
    refused = login_form(other, room, 0, form_token(other))
    assert refused.status_code == 403 and "请先请监考员批准" in refused.text
    assert browser.get(f"/api/v1/delivery/attempts/{attempt}/status").status_code == 200


def test_a_pc_whose_candidate_has_finished_shows_the_login_form(room: Room) -> None:
    browser, attempt = room.started(0)
    assert browser.post(f"/api/v1/delivery/attempts/{attempt}/submit").status_code == 200
    page = browser.get("/exam", follow_redirects=False)
    assert page.status_code == 200 and 'action="/exam/login"' in page.text


def test_a_waiting_page_of_a_sealed_sitting_says_the_exam_is_over(room: Room) -> None:
    waiting, attempt = room.candidate(1)
    assert waiting.get(f"/api/v1/delivery/attempts/{attempt}/status").json()["state"] == "waiting"
    seal(room)
    status = waiting.get(f"/api/v1/delivery/attempts/{attempt}/status").json()
    assert (status["state"], status["can_start"], status["reason"]) == ("closed", False, "本场考试已结束")
    page = waiting.get(f"/exam/attempts/{attempt}").text
    assert "本场考试已结束" in page and "没有开始答题" in page and "交卷时间" not in page
    assert 'action="/exam/login"' in waiting.get("/exam").text  # no way back into a sealed sitting


def test_the_page_of_an_attempt_ended_for_misconduct_says_the_score_is_void(room: Room) -> None:
    browser, attempt = room.started(0)
    proctor = room.proctor()
    case = proctor.post(
        f"/api/v1/proctoring/sittings/{room.sitting_id}/misconduct",
        json={"attempt_id": attempt, "facts": "考生使用手机查阅资料"},
    ).json()["id"]
    chief = log_in(TestClient(room.app), "chief_a")
    decided = chief.post(f"/api/v1/proctoring/sittings/{room.sitting_id}/misconduct/{case}", json={"confirm": True})
    assert decided.status_code == 200, decided.text
    page = browser.get(f"/exam/attempts/{attempt}").text
    assert "经主考官确认" in page and "因违纪已终止" in page and "成绩无效" in page
    assert "交卷时间" not in page and "/results" not in page and "监考员终止" not in page


def test_a_submitted_attempt_page_says_when_and_where_results_come(room: Room) -> None:
    browser, attempt = room.started(0)
    browser.post(f"/api/v1/delivery/attempts/{attempt}/submit")
    page = browser.get(f"/exam/attempts/{attempt}").text
    assert "交卷时间" in page and 'href="/results"' in page and "公布后" in page


def test_an_attempt_that_is_not_the_candidates_is_a_candidate_page_not_found(room: Room) -> None:
    browser, attempt = room.candidate(0)
    page = browser.get(f"/exam/attempts/{attempt + 100}")
    assert page.status_code == 404 and "找不到这场考试" in page.text and "examhall" not in page.text
