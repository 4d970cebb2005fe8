"""The room dashboard as the room is: a 60-seat room whole on a 1366x768 screen and a 120-seat
room on 1920x1080, in their own rows; a sealed sitting that looks sealed, with a waiting
candidate told the exam is over; an inspector on a phone reaching the patrol form first. The
rooms and sittings are made through the admin API of the test's own server. Screenshots land in
tests/e2e/artifacts/."""

import csv
import io
import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from examhall.sittings.identity import check_character
from tests.e2e.conftest import Server
from tests.e2e.test_candidate import expect, watch_strictly
from tests.e2e.test_proctoring import INSPECTOR, staff_log_in

pytestmark = pytest.mark.e2e

ADMIN = ("admin", "admin-demo")
CHIEF = ("chief", "chief-demo")
DESKTOP = {"width": 1366, "height": 768}
WIDE = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS_JS = "() => document.documentElement.scrollWidth <= window.innerWidth"
# Every seat of the map, empty ones too, with its box in the viewport (the page not scrolled).
SEAT_BOXES_JS = """() => Array.from(document.querySelectorAll('#seats > li')).map(li => {
  const r = li.getBoundingClientRect();
  return {text: li.textContent.trim().slice(0, 12), top: r.top, bottom: r.bottom, left: r.left, right: r.right,
          height: r.height};
})"""


@dataclass(frozen=True)
class Made:
    sitting: int
    tickets: list[tuple[str, str, str]]  # (ticket, ID number, name) by seat


class Api:
    """A staff member on the JSON API, with a session of their own."""

    def __init__(self, playwright: Any, base_url: str, login: tuple[str, str]) -> None:
        self.api = playwright.request.new_context(base_url=base_url)
        response = self.api.post("/api/v1/accounts/login", data={"username": login[0], "password": login[1]})
        assert response.ok, response.text()
        self.headers = {"X-CSRF-Token": response.json()["csrf_token"]}

    def post(self, path: str, body: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        if body is not None:
            kwargs.update(data=json.dumps(body), headers={**self.headers, "Content-Type": "application/json"})
        else:
            kwargs.setdefault("headers", self.headers)
        response = self.api.post(path, **kwargs)
        assert response.ok, f"POST {path}: {response.status} {response.text()}"
        return response.json() if response.status != 204 else None

    def get(self, path: str) -> Any:
        response = self.api.get(path)
        assert response.ok, f"GET {path}: {response.status} {response.text()}"
        return response.json()

    def close(self) -> None:
        self.api.dispose()


class Admin(Api):
    """The demo's administrator: sites, rooms, exams and sittings for a test."""

    def staff_member(self, username: str, role: str) -> None:
        """A new account in the staff pool."""
        made = self.post(
            "/api/v1/accounts/users",
            {"username": username, "role": role, "password": f"{username}-e2e-password", "display_name": username},
        )
        self.post("/api/v1/sittings/staff-pool", {"user_id": made["id"], "institution": "测试考务中心"})

    def one_minute_blueprint(self) -> str:
        """A paper of 10 判断题 in one minute: a sitting whose time is over while a test runs."""
        name = "e2e_one_minute"
        document = {
            "format": "examhall-blueprint/1",
            "title": "一分钟测试卷",
            "duration_minutes": 1,
            "pass_mark": 80,
            "sections": [{"title": "判断题", "type": "true_false", "count": 10, "points": 10}],
        }
        response = self.api.put(
            f"/api/v1/papers/blueprints/{name}",
            data=json.dumps({"document": document}),
            headers={**self.headers, "Content-Type": "application/json"},
        )
        assert response.ok, response.text()
        return name

    def user_id(self, username: str) -> int:
        return int(next(u["id"] for u in self.get("/api/v1/accounts/users") if u["username"] == username))

    def sitting(
        self,
        *,
        seats: int,
        columns: int,
        candidates: int,
        starts_in: timedelta,
        blueprint: str = "special_operations",
        staff: tuple[str, str] = ("chief", "proctor1"),
    ) -> Made:
        """A site of its own (so that ticket numbers never meet another test's), a room of
        `seats` in rows of `columns`, and an open sitting of `candidates` seated in order,
        starting `starts_in` from now, staffed by `staff` (a chief examiner and a proctor)."""
        mark = secrets.randbelow(10**6)
        site = None
        while site is None:
            code = f"{secrets.randbelow(88) + 10:02d}"
            found = self.api.post(
                "/api/v1/sittings/sites",
                data=json.dumps({"area_code": "140105", "code": code, "name": f"测试考点{mark}"}),
                headers={**self.headers, "Content-Type": "application/json"},
            )
            site = found.json()["id"] if found.ok else None
        room = self.post(
            f"/api/v1/sittings/sites/{site}/rooms", {"name": f"{seats}座考场", "seats": seats, "columns": columns}
        )
        exam = self.post(
            "/api/v1/sittings/exams",
            {
                "name": f"煤矿安全检查作业 理论考试（测试{mark}）",
                "category": f"测试作业{mark}",
                "blueprint": blueprint,
                "banks": ["coal-safety-check"],
                "required_hours": "0",
            },
        )
        starts_at = (datetime.now(UTC) + starts_in).isoformat()
        sitting = self.post("/api/v1/sittings", {"exam_id": exam["id"], "room_id": room["id"], "starts_at": starts_at})
        people = roster(candidates, mark)
        self.post(
            f"/api/v1/sittings/{sitting['id']}/roster",
            multipart={"file": {"name": "名单.csv", "mimeType": "text/csv", "buffer": people.encode()}},
        )
        self.post(f"/api/v1/sittings/{sitting['id']}/seats", {"mode": "ordered"})
        # Staff serve one sitting at a time (each keeps them its duration and an hour): the
        # demo's serve each test's sitting at a time of its own.
        for username, role in zip(staff, ("chief_examiner", "proctor"), strict=True):
            self.post(f"/api/v1/sittings/{sitting['id']}/staff", {"user_id": self.user_id(username), "role": role})
        self.post(f"/api/v1/sittings/{sitting['id']}/open")
        seated = sorted(
            (r for r in self.get(f"/api/v1/sittings/{sitting['id']}/roster") if r["seat"]), key=lambda r: r["seat"]
        )
        return Made(sitting["id"], [(r["ticket"], r["id_number"], r["name"]) for r in seated])


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国红英春生铁柱小梅大山志强秀兰海燕玉珍"


def roster(count: int, mark: int) -> str:
    """A roster CSV of `count` adults with valid ID numbers of their own."""
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["姓名", "身份证号", "性别", "企业", "培训机构", "工种/类别", "手机", "培训学时"])
    born = date(1970, 1, 1) + timedelta(days=mark % 9000)
    for n in range(1, count + 1):
        male = n % 2 == 1
        first17 = f"140105{born:%Y%m%d}{n * 2 + (1 if male else 0):03d}"
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 2) % len(GIVEN)] + GIVEN[(n * 3 + 1) % len(GIVEN)]
        writer.writerow(
            [
                name,
                first17 + check_character(first17),
                "男" if male else "女",
                "测试煤业公司",
                "测试培训学校",
                "",
                f"139{n:08d}",
                80,
            ]
        )
    return rows.getvalue()


def open_page(browser: Any, viewport: dict[str, int], zone: str = "Asia/Shanghai") -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id=zone)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, watch_strictly(page)


def every_seat_on_screen(page: Any, seats: int, viewport: dict[str, int]) -> None:
    boxes = page.evaluate(SEAT_BOXES_JS)
    assert len(boxes) == seats, f"{len(boxes)} seats drawn for a {seats}-seat room"
    off = [b for b in boxes if b["top"] < 0 or b["bottom"] > viewport["height"] or b["right"] > viewport["width"]]
    assert off == [], f"seats off the screen: {off[:5]}"
    assert min(b["height"] for b in boxes) >= 44, "seats too small to tap"


def tomorrow_at(hour: int) -> timedelta:
    """From now to `hour` o'clock tomorrow, the exam body's time: whatever the hour of the run,
    clear of the demo's sittings (one now, one tomorrow at 9:00), which keep the same staff busy."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    return now.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=1) - now


@pytest.fixture
def admin(playwright: Any, server: Server) -> Iterator[Admin]:
    made = Admin(playwright, server.base_url, ADMIN)
    yield made
    made.close()


def test_the_whole_room_is_on_one_screen_in_its_own_rows(
    server: Server, browser: Any, admin: Admin, artifacts: Path
) -> None:
    check = expect()
    sixty = admin.sitting(seats=60, columns=6, candidates=60, starts_in=tomorrow_at(14))
    big = admin.sitting(seats=120, columns=10, candidates=99, starts_in=tomorrow_at(18))

    context, page, problems = open_page(browser, DESKTOP)
    staff_log_in(page, server, ADMIN, f"/proctor/sittings/{sixty.sitting}")
    check(page.locator("#connection")).to_have_class(re.compile(r"\blive\b"))
    check(page.locator("#seats button.seat")).to_have_count(60)
    every_seat_on_screen(page, 60, DESKTOP)
    # Six to a row, as the room is laid out: seat 7 starts the second row under seat 1.
    first, seventh, sixth = (page.locator(f"#seats button[data-seat='{n}']").bounding_box() for n in (1, 7, 6))
    assert abs(first["x"] - seventh["x"]) < 2 and seventh["y"] > first["y"] + first["height"] - 1
    assert abs(first["y"] - sixth["y"]) < 2
    check(page.locator("#seats button[data-seat='1']")).to_contain_text(sixty.tickets[0][2])
    assert page.evaluate(NO_SIDEWAYS_JS)
    page.screenshot(path=str(artifacts / "room-60-1366x768.png"))

    # Arrow keys walk the rows: down from seat 2 is seat 8.
    page.locator("#seats button[data-seat='2']").focus()
    page.keyboard.press("ArrowDown")
    check(page.locator("#seats button[data-seat='8']")).to_be_focused()

    # 授权全部 asks first, naming how many and whom; 取消 sends nothing.
    for ticket, id_number, _ in sixty.tickets[:2]:
        logged = admin.api.post("/api/v1/delivery/login", data={"ticket": ticket, "id_number": id_number})
        assert logged.ok, logged.text()
    check(page.locator("#waiting-count")).to_have_text("2", timeout=5_000)
    page.locator("#authorize-all").click()
    question = page.locator("#confirm-dialog")
    check(question).to_be_visible()
    check(question).to_contain_text("授权 2 名考生开考")
    check(question).to_contain_text(f"1 号 {sixty.tickets[0][2]}")
    page.screenshot(path=str(artifacts / "room-authorize-all-1366x768.png"))
    question.get_by_role("button", name="取消").click()
    check(page.locator("#seats button[data-seat='1'] .seat-state .long")).to_have_text("已登录，待授权")
    page.locator("#authorize-all").click()
    question.get_by_role("button", name="授权 2 人").click()
    check(page.locator("#room-result")).to_have_text("已授权 2 名考生开考。")
    check(page.locator("#seats button[data-seat='2'] .seat-state .long")).to_have_text("已授权，待开始")
    check(page.locator("#authorize-all")).to_be_disabled()
    every_seat_on_screen(page, 60, DESKTOP)

    # A phone gets small squares; the map scrolls inside itself, the page never sideways.
    page.set_viewport_size(PHONE)
    check(page.locator("#seats")).to_have_attribute("data-density", "mini")
    assert page.evaluate(NO_SIDEWAYS_JS)
    page.screenshot(path=str(artifacts / "room-60-390x844.png"), full_page=True)
    context.close()

    context, wide, wide_problems = open_page(browser, WIDE)
    staff_log_in(wide, server, ADMIN, f"/proctor/sittings/{big.sitting}")
    check(wide.locator("#connection")).to_have_class(re.compile(r"\blive\b"))
    check(wide.locator("#seats button.seat")).to_have_count(99)
    check(wide.locator("#seats li.empty")).to_have_count(21)  # a sitting seats at most 99
    every_seat_on_screen(wide, 120, WIDE)
    tenth, eleventh = (wide.locator(f"#seats > li:nth-child({n})").bounding_box() for n in (10, 11))
    assert eleventh["y"] > tenth["y"], "ten seats to a row"
    assert wide.evaluate(NO_SIDEWAYS_JS)
    wide.screenshot(path=str(artifacts / "room-120-1920x1080.png"))
    context.close()
    assert problems == [] and wide_problems == [], problems + wide_problems


def test_a_sealed_sitting_looks_sealed_and_its_waiting_candidate_is_told_it_is_over(
    server: Server, browser: Any, playwright: Any, admin: Admin, artifacts: Path
) -> None:
    """A sitting is sealed only once its time is over (or everyone has finished): this one lasts
    a minute, so the test waits that long."""
    check = expect()
    mark = secrets.randbelow(10**6)
    chief_login = (f"e2e-chief-{mark}", f"e2e-chief-{mark}-e2e-password")
    proctor_login = (f"e2e-proctor-{mark}", f"e2e-proctor-{mark}-e2e-password")
    admin.staff_member(chief_login[0], "chief_examiner")
    admin.staff_member(proctor_login[0], "proctor")
    made = admin.sitting(
        seats=12,
        columns=4,
        candidates=3,
        starts_in=timedelta(seconds=3),
        blueprint=admin.one_minute_blueprint(),
        staff=(chief_login[0], proctor_login[0]),
    )
    dashboard = f"/proctor/sittings/{made.sitting}"

    # A candidate logs in and waits for a proctor who never comes; the proctor watches the room.
    candidate_context, exam, candidate_problems = open_page(browser, PHONE)
    ticket, id_number, name = made.tickets[0]
    exam.goto(f"{server.base_url}/exam")
    exam.get_by_label("准考证号").fill(ticket)
    exam.get_by_label("身份证号").fill(id_number)
    exam.get_by_role("button", name="登录").click()
    exam.wait_for_url(re.compile(r"/exam/attempts/\d+$"))
    check(exam.locator("#wait-state")).to_have_text("等待监考员授权")

    proctor_context, proctor, proctor_problems = open_page(browser, DESKTOP)
    staff_log_in(proctor, server, proctor_login, dashboard)
    check(proctor.locator("#connection")).to_have_class(re.compile(r"\blive\b"))
    check(proctor.locator("#sitting-state")).to_have_text("进行中")
    check(proctor.locator("#seats button[data-seat='1'] .seat-state .long")).to_have_text("已登录，待授权")
    check(proctor.locator("#authorize-all")).to_be_visible()

    # Once the minute is over, the chief examiner seals the sitting.
    chief = Api(playwright, server.base_url, chief_login)
    until = time.monotonic() + 120
    while True:
        response = chief.api.post(f"/api/v1/grading/sittings/{made.sitting}/seal", headers=chief.headers)
        if response.ok:
            break
        assert response.status == 409 and response.json()["code"] == "not_over", response.text()
        assert time.monotonic() < until, "the sitting's minute never ended"
        time.sleep(3)
    chief.close()

    # The open dashboard turns sealed by itself: no live indicator, nothing to do, the record.
    check(proctor.locator("#sitting-state")).to_have_text("已封存", timeout=10_000)
    check(proctor.locator("#connection")).to_be_hidden()
    check(proctor.get_by_text("实时更新中")).to_be_hidden()
    check(proctor.locator("#room-actions")).to_be_hidden()
    check(proctor.locator("#sealed-notice")).to_contain_text("本场考试已封存")
    check(proctor.locator("#sealed-notice a")).to_have_attribute("href", f"/sittings/{made.sitting}/record")

    # And so it is when opened afresh; a seat's panel offers nothing.
    proctor.reload()
    check(proctor.locator("#sitting-state")).to_have_text("已封存")
    check(proctor.locator("#connection")).to_be_hidden()
    check(proctor.locator("#room-actions")).to_be_hidden()
    check(proctor.locator(".dash-meta").get_by_role("link", name="考场记录")).to_be_visible()
    proctor.screenshot(path=str(artifacts / "dashboard-sealed-1366x768.png"))
    proctor.locator("#seats button[data-seat='1']").click()
    panel = proctor.locator("#seat-dialog")
    check(panel).to_be_visible()
    check(panel.locator("#seat-actions button")).to_have_count(0)
    check(panel.locator("#seat-actions")).to_contain_text("已封存")
    proctor.screenshot(path=str(artifacts / "dashboard-sealed-seat-1366x768.png"))
    proctor.keyboard.press("Escape")

    # The candidate still waiting stops waiting and is told the exam has ended.
    check(exam.locator("h1")).to_have_text("本场考试已结束", timeout=15_000)
    check(exam.locator(".done")).to_contain_text(name)
    check(exam.locator(".done")).not_to_contain_text("交卷时间")
    exam.screenshot(path=str(artifacts / "closed-390x844.png"), full_page=True)
    assert exam.evaluate(NO_SIDEWAYS_JS)
    # Opening /exam again in that browser shows the login form, not the finished attempt.
    exam.goto(f"{server.base_url}/exam")
    check(exam.get_by_label("准考证号")).to_be_visible()

    for context in (candidate_context, proctor_context):
        context.close()
    assert proctor_problems == [], proctor_problems
    assert candidate_problems == [], candidate_problems


def test_an_inspector_on_a_phone_reaches_the_patrol_form_first(server: Server, browser: Any, artifacts: Path) -> None:
    check = expect()
    dashboard = f"/proctor/sittings/{server.sitting_id}"
    # The phone's own clock is in another zone: the page still says the exam body's time.
    context, page, problems = open_page(browser, PHONE, zone="UTC")
    staff_log_in(page, server, INSPECTOR, "/inspect")
    assert page.evaluate(NO_SIDEWAYS_JS)
    page.screenshot(path=str(artifacts / "running-390x844.png"), full_page=True)
    page.locator(f"a[href='{dashboard}']").click()
    page.wait_for_url(re.compile(re.escape(dashboard) + "$"))
    check(page.locator("#connection")).to_have_class(re.compile(r"\blive\b"))
    note = page.get_by_label("巡考情况")
    check(note).to_be_in_viewport()
    assert note.bounding_box()["y"] < page.locator("#seats").bounding_box()["y"], "the form comes before the map"
    assert page.evaluate(NO_SIDEWAYS_JS)
    page.screenshot(path=str(artifacts / "dashboard-inspector-390x844.png"))
    note.fill("考场秩序良好，监考员在岗。")
    page.get_by_role("button", name="提交巡考记录").click()
    result = page.locator("#inspection-result")
    check(result).to_contain_text("巡考记录已提交")
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    said = re.search(r"（(\d\d:\d\d)）", result.text_content() or "")
    assert said, result.text_content()
    allowed = {(local - timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)}
    assert said.group(1) in allowed, f"{said.group(1)} is not Shanghai time {allowed}"
    page.screenshot(path=str(artifacts / "dashboard-inspector-patrolled-390x844.png"), full_page=True)
    context.close()
    assert problems == [], problems
