"""The worker's quiz page: what it shows an officer's phone and a worker's own phone, that it
loads its script from examhall alone and carries no key, that a used or foreign link gets a page
in Chinese (never JSON or a traceback), and that the API replies carry what spot.js reads."""

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from examhall import clock
from examhall.spotchecks import workers
from examhall.spotchecks.models import SpotWorker
from tests.conftest import log_in
from tests.sittings.conftest import id_number
from tests.spotchecks.site import CATEGORY, Gate, gate

__all__ = ["gate"]
API = "/api/v1/spotchecks/quiz"


def _worker(gate: Gate, check_id: int, name: str = "王二小", sequence: int = 11) -> SpotWorker:
    with gate.database.transaction() as db:
        return workers.add_worker(
            db,
            check_id=check_id,
            form=workers.WorkerForm("", id_number(date(1985, 5, 5), sequence), name, "special_operations", CATEGORY),
            user_id=gate.first.id,
            actor=gate.actor(gate.first),
            timezone="Asia/Shanghai",
        )


def _link(gate: Gate, worker_id: int) -> str:
    with gate.database.transaction() as db:
        return "/spot/q/" + workers.make_link(
            db, worker_id=worker_id, user_id=gate.first.id, actor=gate.actor(gate.first)
        )


def _closed(response: object, status: int, says: str) -> None:
    assert response.status_code == status  # type: ignore[attr-defined]
    html: str = response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    assert "无法打开抽考" in html and says in html
    assert "Traceback" not in html and 'id="quiz"' not in html


def test_an_officer_s_phone_shows_the_worker_s_name_the_rules_and_a_way_back(gate: Gate) -> None:
    check_id = gate.opened()
    worker = _worker(gate, check_id)
    page = gate.browser(gate.first).get(f"/spot/quiz/{worker.id}")
    assert page.status_code == 200
    html = page.text
    assert "王二小" in html and f'data-worker="{worker.id}"' in html
    assert "共 <strong>10</strong> 题，限时 <strong>5</strong> 分钟" in html
    assert "时间以服务器为准" in html and "开始作答" in html and "交卷" in html
    assert f'href="/spot/checks/{check_id}"' in html  # back to the check, for the officer
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    scripts = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert "/static/spot.js" in scripts and "/static/spot.css" in scripts
    assert all(s.startswith("/") and not s.startswith("//") for s in scripts), scripts  # no outside host
    for asset in ("/static/spot.js", "/static/spot.css"):
        assert gate.browser(gate.first).get(asset).status_code == 200


def _spend(phone: TestClient, link: str) -> str:
    """The worker's phone opens the link and presses its button; where it is sent."""
    shown = phone.get(link)
    assert shown.status_code == 200, shown.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', shown.text)
    assert token, shown.text
    spent = phone.post(link, data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert spent.status_code == 303, spent.text
    return str(spent.headers["location"])


def test_the_worker_s_own_phone_opens_the_link_once_and_sees_no_officer_link(gate: Gate) -> None:
    check_id = gate.opened()
    worker = _worker(gate, check_id)
    link = _link(gate, worker.id)
    phone = TestClient(gate.app)
    assert _spend(phone, link) == f"/spot/quiz/{worker.id}"
    page = phone.get(f"/spot/quiz/{worker.id}")
    assert page.status_code == 200 and "王二小" in page.text
    assert "返回本次抽考" not in page.text and "/spot/checks/" not in page.text
    # the same link again, on any phone, is a page that says why
    _closed(TestClient(gate.app).get(link), 404, "此链接已使用或已失效")
    _closed(phone.get(link), 404, "此链接已使用或已失效")


def test_a_phone_without_the_link_gets_a_page_not_the_quiz(gate: Gate) -> None:
    check_id = gate.opened()
    mine, other = _worker(gate, check_id), _worker(gate, check_id, "李四", 12)
    _closed(TestClient(gate.app).get(f"/spot/quiz/{mine.id}"), 404, "没有这份抽考试卷")
    phone = TestClient(gate.app)
    _spend(phone, _link(gate, mine.id))
    _closed(phone.get(f"/spot/quiz/{other.id}"), 404, "没有这份抽考试卷")  # another worker's quiz
    _closed(phone.get("/spot/q/not-a-link"), 404, "此链接已使用或已失效")


def test_the_replies_carry_what_the_page_reads_and_never_a_key(gate: Gate) -> None:
    check_id = gate.opened()
    worker = _worker(gate, check_id)
    phone = log_in(TestClient(gate.app), gate.first.username)
    ready = phone.get(f"{API}/{worker.id}").json()
    assert ready["state"] == "ready" and ready["remaining_seconds"] == 300 and ready["last_seq"] == 0
    started = phone.post(f"{API}/{worker.id}/start").json()
    assert started["state"] == "running" and 0 < started["remaining_seconds"] <= 300
    assert len(started["items"]) == 10
    for item in started["items"]:
        assert set(item) == {"n", "type", "stem", "options"}  # nothing else: no key, no id
        assert item["type"] in ("true_false", "single_choice", "multiple_choice")
        assert all(set(o) == {"label", "text"} for o in item["options"])
    first = started["items"][0]
    response = True if first["type"] == "true_false" else first["options"][0]["label"]
    entries = [{"seq": 1, "n": 1, "response": response}, {"seq": 2, "n": 2, "response": None}]
    saved = phone.post(f"{API}/{worker.id}/answers", json={"entries": entries}).json()
    assert saved["last_seq"] == 2 and saved["remaining_seconds"] > 0
    again = phone.post(f"{API}/{worker.id}/answers", json={"entries": entries}).json()  # a resend changes nothing
    assert again["last_seq"] == 2
    view = phone.get(f"{API}/{worker.id}").json()
    assert view["saved"]["1"] == response and view["last_seq"] == 2  # keyed by the item's number, as text

    clock.freeze(clock.now() + timedelta(minutes=5, seconds=1))
    late = phone.post(f"{API}/{worker.id}/answers", json={"entries": [{"seq": 3, "n": 3, "response": None}]})
    assert late.status_code == 409 and late.json()["code"] == "time_over" and "时间已到" in late.json()["message"]
    over = phone.get(f"{API}/{worker.id}").json()
    assert over["state"] == "time_over" and over["remaining_seconds"] == 0
    done = phone.post(f"{API}/{worker.id}/submit").json()  # what the page sends once the time is over
    assert done["state"] == "submitted" and done["saved"]["1"] == response and "3" not in done["saved"]
    assert "score" not in done and "passed" not in done  # the officers tell the worker
