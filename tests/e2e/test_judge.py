"""A judge scores a trial lecture on a phone (390×844) in a real browser: logs in, finds the
candidate, enters a mark per criterion with the running total, submits, and sees no other
judge's score until the whole panel has submitted. The assessment is arranged beforehand through
the JSON API as the demo admin. Screenshots land in tests/e2e/artifacts/."""

import json
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
MARKS = {"accuracy": "27", "practice": "16.5", "cases": "15", "delivery": "17", "timing": "8"}  # 83.5
SMALL_TARGETS_JS = """() => Array.from(document.querySelectorAll('button, input, a'))
  .filter(e => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden' && e.type !== 'hidden')
  .filter(e => !e.closest('table'))
  .map(e => [(e.textContent || e.name || e.id).trim().slice(0, 20),
    (e.type === 'checkbox' && e.closest('label') ? e.closest('label') : e).getBoundingClientRect()])
  .filter(([, r]) => r.height < 44)
  .map(([t, r]) => `${t} ${Math.round(r.width)}x${Math.round(r.height)}`)"""


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


class Api:
    """A staff member using the JSON API, with a session of their own."""

    def __init__(self, playwright: Any, base_url: str, username: str, password: str) -> None:
        self.context = playwright.request.new_context(base_url=base_url)
        response = self.context.post("/api/v1/accounts/login", data={"username": username, "password": password})
        assert response.ok, f"{username} could not log in: {response.status} {response.text()}"
        self.csrf = response.json()["csrf_token"]

    def get(self, path: str) -> Any:
        response = self.context.get(path)
        assert response.ok, f"GET {path}: {response.status} {response.text()}"
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.context.post(
            path,
            data=json.dumps(body or {}),
            headers={"X-CSRF-Token": self.csrf, "Content-Type": "application/json"},
        )
        assert response.ok, f"POST {path}: {response.status} {response.text()}"
        return response.json() if response.status != 204 else None

    def close(self) -> None:
        self.context.dispose()


def arrange(playwright: Any, server: Server) -> tuple[int, int, str, list[tuple[str, str]]]:
    """A teacher assessment today, one demo candidate, a panel of the demo's three judges, the
    demo chief examiner, opened: (assessment, entry, candidate's name, other judges' logins)."""
    admin = Api(playwright, server.base_url, "admin", "admin-demo")
    try:
        suffix = uuid.uuid4().hex[:6]
        exam_id = next(s["exam_id"] for s in admin.get("/api/v1/sittings") if s["id"] == server.sitting_id)
        plan = admin.post(
            "/api/v1/assessments/plans/presets",
            {"preset": "teacher", "name": f"师资考核（试讲）{suffix}", "category": "煤矿安全培训", "exam_id": exam_id},
        )
        users = {u["username"]: u["id"] for u in admin.get("/api/v1/accounts/users")}
        # The demo's judge pool: judge1, judge2 and judge3, all drawn for a panel of three.
        others = [("judge2", "judge2-demo"), ("judge3", "judge3-demo")]
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
        assessment = admin.post(
            "/api/v1/assessments",
            {
                "plan_id": plan["id"],
                "name": "安全培训教师考核（演示）",
                "held_on": today,
                "venue": "太原",
                "panel_size": 3,
            },
        )
        aid = assessment["id"]
        candidate = server.candidates[-1]
        entry = admin.post(
            f"/api/v1/assessments/{aid}/candidates",
            {"id_number": candidate.id_number, "institution": "晋安安全培训学校"},
        )["id"]
        admin.post(f"/api/v1/assessments/{aid}/chief", {"user_id": users["chief"]})
        drawn = admin.post(f"/api/v1/assessments/{aid}/panel/draw")["drawn"]
        assert users["judge1"] in drawn, f"the demo judge was not drawn: {drawn}"
        admin.post(f"/api/v1/assessments/{aid}/open")
        return aid, entry, candidate.name, others
    finally:
        admin.close()


def test_a_judge_scores_a_trial_lecture_on_a_phone(
    server: Server, browser: Any, playwright: Any, artifacts: Path
) -> None:
    check = expect()
    aid, entry, name, others = arrange(playwright, server)
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    crashes: list[str] = []
    refused: list[str] = []
    page.on("pageerror", lambda error: crashes.append(str(error)))
    page.on(
        "console",
        lambda m: refused.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None,
    )

    page.goto(f"{server.base_url}/login?next=/judge")
    page.get_by_label("用户名", exact=True).fill("judge1")
    page.get_by_label("密码", exact=True).fill("judge1-demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/judge$"))
    page.get_by_role("link", name=re.compile("安全培训教师考核（演示）")).first.click()
    page.wait_for_url(re.compile(rf"/judge/assessments/{aid}$"))
    check(page.locator("h2", has_text=name)).to_be_visible()
    page.get_by_role("link", name=re.compile("试讲")).click()
    page.wait_for_url(re.compile(rf"/judge/assessments/{aid}/entries/{entry}/parts/lecture$"))
    check(page.locator("h1")).to_contain_text(name)

    # A mark per criterion; the running total follows; an impossible mark is marked as such.
    check(page.locator("#total")).to_have_text("—")
    page.locator("#mark-accuracy").fill("31")
    check(page.locator("#mark-accuracy")).to_have_attribute("aria-invalid", "true")
    for key, mark in MARKS.items():
        page.locator(f"#mark-{key}").fill(mark)
    check(page.locator("#mark-accuracy")).to_have_attribute("aria-invalid", "false")
    check(page.locator("#total")).to_have_text("83.5")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(SMALL_TARGETS_JS) == []
    page.screenshot(path=str(artifacts / "judge-score-390x844.png"), full_page=True)

    page.get_by_label("我已独立完成评分，确认提交").check()
    page.get_by_role("button", name="提交评分").click()
    check(page.locator("#my-score")).to_contain_text("83.50")
    check(page.locator("#waiting")).to_contain_text("已有 1/3 位评委提交")
    check(page.locator("#panel-result")).to_have_count(0)  # nobody else's score before all have submitted
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / "judge-submitted-390x844.png"), full_page=True)

    for (username, password), total in zip(
        others, ({**MARKS, "accuracy": "25"}, {**MARKS, "timing": "6"}), strict=True
    ):
        judge = Api(playwright, server.base_url, username, password)
        judge.post(f"/api/v1/assessments/judging/{aid}/entries/{entry}/parts/lecture", {"marks": total})
        judge.close()
    page.reload()
    result = page.locator("#panel-result")
    check(result).to_contain_text("评委组成绩：82.17")  # (83.5 + 81.5 + 81.5) / 3
    check(result.locator("tbody tr")).to_have_count(3)
    page.screenshot(path=str(artifacts / "judge-panel-390x844.png"), full_page=True)

    context.close()

    # The chief examiner's view of the same assessment, on a desktop.
    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai")
    chief = desk.new_page()
    chief.set_default_timeout(15_000)
    chief.on("pageerror", lambda error: crashes.append(str(error)))
    chief.goto(f"{server.base_url}/login?next=/assessments/{aid}")
    chief.get_by_label("用户名", exact=True).fill("chief")
    chief.get_by_label("密码", exact=True).fill("chief-demo")
    chief.get_by_role("button", name="登录").click()
    chief.wait_for_url(re.compile(rf"/assessments/{aid}$"))
    check(chief.locator("td.cell")).to_contain_text("82.17")
    check(chief.get_by_role("button", name="封存考核")).to_be_visible()
    chief.screenshot(path=str(artifacts / "chief-assessment-1366x768.png"), full_page=True)
    desk.close()
    assert crashes == [], crashes
    assert refused == [], refused
