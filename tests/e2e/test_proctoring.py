"""The room dashboard in a real browser, live: a proctor authorizes a candidate on the seat map,
sees the answers arrive without a reload, pauses and resumes the candidate, and proposes ending
the attempt for misconduct; the attempt goes on until the chief examiner, on a dashboard of
their own, confirms. An inspector watches the same room read-only and writes a patrol record.
Screenshots land in tests/e2e/artifacts/."""

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import DemoCandidate, Server
from tests.e2e.test_candidate import expect, wait_for_paper, watch

pytestmark = pytest.mark.e2e

# The demo assigns these to its sitting (see examhall.demo).
CHIEF = ("chief", "chief-demo")
INSPECTOR = ("inspector", "inspector-demo")
DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 820, "height": 1180}
SMALL_TARGETS_JS = """() => Array.from(document.querySelectorAll('#dashboard button, #dashboard a.button'))
  .filter(b => b.offsetParent !== null && getComputedStyle(b).visibility !== 'hidden')
  .map(b => [b.textContent.trim().slice(0, 20), b.getBoundingClientRect()])
  .filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([t, r]) => `${t} ${Math.round(r.width)}x${Math.round(r.height)}`)"""


def open_page(browser: Any, viewport: dict[str, int]) -> tuple[Any, Any, list[str], list[str]]:
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15_000)
    crashes, refused = watch(page)
    return context, page, crashes, refused


def staff_log_in(page: Any, server: Server, login: tuple[str, str], path: str) -> None:
    page.goto(f"{server.base_url}/login?next={path}")
    page.get_by_label("用户名", exact=True).fill(login[0])
    page.get_by_label("密码", exact=True).fill(login[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def seat_of(page: Any, candidate: DemoCandidate) -> Any:
    return page.locator("#seats button.seat", has_text=candidate.name)


def seat_number(page: Any, candidate: DemoCandidate) -> str:
    return str(seat_of(page, candidate).get_attribute("data-seat"))


def open_seat(page: Any, candidate: DemoCandidate) -> Any:
    seat_of(page, candidate).click()
    dialog = page.locator("#seat-dialog")
    expect()(dialog).to_be_visible()
    expect()(dialog.locator("#seat-title")).to_contain_text(candidate.name)
    return dialog


def close_seat(page: Any) -> None:
    page.keyboard.press("Escape")
    expect()(page.locator("#seat-dialog")).to_be_hidden()


def answer_here(page: Any) -> None:
    """Answers the item shown (the first option: 1 is 对 or A) and moves to the next."""
    page.keyboard.press("1")
    expect()(page.locator("#save-state")).to_have_text("已保存")
    page.keyboard.press("ArrowRight")


def test_the_room_is_watched_and_acted_on_live(server: Server, browser: Any, artifacts: Path) -> None:
    check = expect()
    candidate = server.candidates[-1]  # one the candidate tests leave alone
    dashboard = f"/proctor/sittings/{server.sitting_id}"
    pages: list[tuple[Any, list[str], list[str]]] = []

    # The proctor opens the room; the stream connects.
    proctor_context, proctor, *errors = open_page(browser, DESKTOP)
    pages.append((proctor, *errors))
    staff_log_in(proctor, server, server.proctor, dashboard)
    check(proctor.locator("#connection")).to_have_class(re.compile(r"\blive\b"))
    check(seat_of(proctor, candidate).locator(".seat-state .long")).to_have_text("未到")
    proctor.evaluate("() => { window.notReloaded = true; }")

    # The candidate logs in and waits; the seat turns to waiting by itself.
    candidate_context, exam, *errors = open_page(browser, DESKTOP)
    pages.append((exam, *errors))
    exam.goto(f"{server.base_url}/exam")
    exam.get_by_label("准考证号").fill(candidate.ticket)
    exam.get_by_label("身份证号").fill(candidate.id_number)
    exam.get_by_role("button", name="登录").click()
    exam.wait_for_url(re.compile(r"/exam/attempts/\d+$"))
    check(exam.locator("#wait-state")).to_have_text("等待监考员授权")
    check(seat_of(proctor, candidate).locator(".seat-state .long")).to_have_text("已登录，待授权", timeout=5_000)
    check(proctor.locator("#waiting-count")).not_to_have_text("0")

    # Authorized from the seat's panel, by keyboard: the seat is focused and opened with Enter.
    seat_of(proctor, candidate).focus()
    proctor.keyboard.press("Enter")
    panel = proctor.locator("#seat-dialog")
    check(panel).to_be_visible()
    panel.get_by_role("button", name="核验无误，授权开考").click()
    check(panel.locator("#seat-message")).to_contain_text("已授权")
    check(seat_of(proctor, candidate).locator(".seat-state .long")).to_have_text("已授权，待开始")
    close_seat(proctor)
    check(seat_of(proctor, candidate)).to_be_focused()

    start = exam.locator("#start-button")
    check(start).to_be_visible(timeout=10_000)
    start.click()
    wait_for_paper(exam)
    check(seat_of(proctor, candidate).locator(".seat-state .long")).to_have_text("答题中", timeout=5_000)

    # Answers show on the dashboard within seconds, without a reload, with the time left counting down.
    answer_here(exam)
    answer_here(exam)
    check(seat_of(proctor, candidate).locator(".answered")).to_have_text(re.compile(r"^2/\d+$"), timeout=5_000)
    check(seat_of(proctor, candidate).locator(".seat-time")).to_have_text(re.compile(r"^剩余 (\d+:)?\d\d:\d\d$"))
    shown = seat_of(proctor, candidate).locator(".seat-time").text_content()
    check(seat_of(proctor, candidate).locator(".seat-time")).not_to_have_text(shown or "", timeout=5_000)
    assert proctor.evaluate("() => window.notReloaded === true")

    # Integrity signals: the seat counts them, and its panel lists each, newest first, by name
    # and the exam body's local time.
    exam.locator("#items article.item:not([hidden]) .stem").click(button="right")
    exam.evaluate("() => document.dispatchEvent(new Event('paste', {bubbles: true, cancelable: true}))")
    check(seat_of(proctor, candidate).locator(".seat-signals")).to_have_text("⚠2", timeout=5_000)
    panel = open_seat(proctor, candidate)
    listed = panel.locator("#seat-signals li")
    check(listed).to_have_count(2)
    check(listed.nth(0)).to_contain_text("尝试粘贴")
    check(listed.nth(1)).to_contain_text("尝试打开右键菜单")
    hour = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%H")
    check(listed.nth(0).locator("time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    assert (listed.nth(0).locator("time").text_content() or "")[:2] in {hour, f"{(int(hour) + 1) % 24:02d}"}
    proctor.screenshot(path=str(artifacts / "dashboard-signals-1366x768.png"))
    close_seat(proctor)

    # A pause reaches the candidate's page: the banner with the reason, answering off.
    panel = open_seat(proctor, candidate)
    panel.get_by_role("button", name="暂停答题").click()
    panel.locator("textarea[name=reason]").fill("核对身份证件")
    panel.get_by_role("button", name="确认暂停").click()
    check(panel.locator("#seat-message")).to_contain_text("已暂停")
    check(seat_of(proctor, candidate).locator(".seat-state .long")).to_have_text("已暂停")
    check(exam.locator("#pause-banner")).to_contain_text("核对身份证件", timeout=20_000)
    check(exam.locator("#items article.item:not([hidden]) .choice").first).to_be_disabled()

    # Resumed the same way.
    panel.get_by_role("button", name="恢复答题").click()
    check(panel.locator("#seat-message")).to_contain_text("已恢复")
    check(seat_of(proctor, candidate).locator(".seat-state .long")).to_have_text("答题中")
    close_seat(proctor)
    check(exam.locator("#pause-banner")).to_be_hidden(timeout=15_000)
    check(exam.locator("#items article.item:not([hidden]) .choice").first).to_be_enabled()

    # A proposal to end the attempt: nothing ends yet, and a proctor has no way to confirm it.
    panel = open_seat(proctor, candidate)
    panel.get_by_role("button", name="提出违纪处理").click()
    check(panel).to_contain_text("主考官确认前，该考生的考试照常进行")
    panel.get_by_role("button", name="提交主考官确认").click()
    check(panel.locator(".field-problem")).to_have_text("请填写违纪事实")
    panel.locator("textarea[name=facts]").fill("考生使用手机查阅资料，手机已暂扣")
    panel.get_by_role("button", name="提交主考官确认").click()
    check(panel.locator("#seat-message")).to_contain_text("等待主考官确认")
    check(panel.locator("#seat-case")).to_contain_text("考生使用手机查阅资料")
    check(seat_of(proctor, candidate).locator(".seat-case")).to_be_visible()
    check(proctor.get_by_role("button", name="确认违纪，终止考试")).to_have_count(0)
    check(proctor.get_by_role("button", name="审核此违纪处理")).to_have_count(0)
    check(panel.get_by_role("button", name="提出违纪处理")).to_have_count(0)
    proctor.screenshot(path=str(artifacts / "dashboard-seat-1366x768.png"))
    close_seat(proctor)
    check(proctor.locator("#cases")).to_contain_text("考生使用手机查阅资料")
    check(proctor.locator("#cases")).to_contain_text("等待主考官确认")

    answer_here(exam)
    check(exam.locator("#overlay")).to_have_count(0)
    check(seat_of(proctor, candidate).locator(".answered")).to_have_text(re.compile(r"^3/"), timeout=5_000)
    check(seat_of(proctor, candidate).locator(".seat-state .long")).to_have_text("答题中")
    assert proctor.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    proctor.screenshot(path=str(artifacts / "dashboard-1366x768.png"))

    # Tablet size: the same room, large targets, no sideways scrolling.
    proctor.set_viewport_size(TABLET)
    assert proctor.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert proctor.evaluate(SMALL_TARGETS_JS) == []
    proctor.screenshot(path=str(artifacts / "dashboard-820x1180.png"))
    open_seat(proctor, candidate)
    assert proctor.evaluate(SMALL_TARGETS_JS) == []
    proctor.screenshot(path=str(artifacts / "dashboard-seat-820x1180.png"))
    close_seat(proctor)
    proctor.set_viewport_size(DESKTOP)

    # The chief examiner sees the proposal with its facts, and confirms it.
    chief_context, chief, *errors = open_page(browser, DESKTOP)
    pages.append((chief, *errors))
    staff_log_in(chief, server, CHIEF, dashboard)
    check(chief.locator("#cases")).to_contain_text("考生使用手机查阅资料")
    chief.get_by_role("button", name="审核此违纪处理").click()
    review = chief.locator("#seat-dialog")
    check(review).to_be_visible()
    check(review.locator(".action-form")).to_contain_text("不可撤销")
    chief.screenshot(path=str(artifacts / "dashboard-chief-review-1366x768.png"))
    # Ending the attempt asks once more, saying what happens; 取消 sends nothing.
    review.get_by_role("button", name="确认违纪，终止考试").click()
    question = chief.locator("#confirm-dialog")
    check(question).to_be_visible()
    check(question).to_contain_text(f"终止 座位 {seat_number(chief, candidate)} · {candidate.name} 的考试")
    check(question).to_contain_text("本场成绩无效")
    chief.screenshot(path=str(artifacts / "dashboard-chief-confirm-1366x768.png"))
    question.get_by_role("button", name="取消").click()
    check(question).to_be_hidden()
    check(seat_of(chief, candidate).locator(".seat-case")).to_be_visible()
    review.get_by_role("button", name="确认违纪，终止考试").click()
    question.get_by_role("button", name="确认终止").click()
    check(review.locator("#seat-message")).to_contain_text("已终止")
    check(seat_of(chief, candidate).locator(".seat-state .long")).to_have_text("已终止")
    check(seat_of(proctor, candidate).locator(".seat-state .long")).to_have_text("已终止", timeout=5_000)
    check(seat_of(proctor, candidate).locator(".seat-case")).to_have_count(0)

    # The candidate's page says the attempt has ended.
    check(exam.locator("#overlay")).to_contain_text("考试已终止", timeout=20_000)
    check(exam.locator("h1")).to_have_text("本场考试已终止", timeout=15_000)

    # An inspector patrols: the list of running sittings, the same room read-only, a patrol record.
    inspector_context, inspector, *errors = open_page(browser, TABLET)
    pages.append((inspector, *errors))
    staff_log_in(inspector, server, INSPECTOR, "/inspect")
    inspector.screenshot(path=str(artifacts / "running-820x1180.png"))
    inspector.locator(f"a[href='{dashboard}']").click()
    inspector.wait_for_url(re.compile(re.escape(dashboard) + "$"))
    check(inspector.locator("#connection")).to_have_class(re.compile(r"\blive\b"))
    check(seat_of(inspector, candidate).locator(".seat-state .long")).to_have_text("已终止")
    check(inspector.locator("[data-room-action]")).to_have_count(0)
    panel = open_seat(inspector, candidate)
    check(panel.locator("#seat-actions button")).to_have_count(0)
    check(panel.locator("#seat-actions")).to_contain_text("只读")
    close_seat(inspector)
    inspector.get_by_label("巡考情况").fill("考场秩序良好，监考员在岗。")
    inspector.get_by_role("button", name="提交巡考记录").click()
    check(inspector.locator("#inspection-result")).to_contain_text("巡考记录已提交")
    inspector.screenshot(path=str(artifacts / "dashboard-inspector-820x1180.png"), full_page=True)

    # The connection indicator follows the network, and the stream comes back by itself.
    proctor_context.set_offline(True)
    check(proctor.locator("#connection")).not_to_have_class(re.compile(r"\blive\b"))
    proctor_context.set_offline(False)
    check(proctor.locator("#connection")).to_have_class(re.compile(r"\blive\b"), timeout=15_000)

    for page, crashes, refused in pages:
        assert crashes == [], (page.url, crashes)
        assert refused == [], (page.url, refused)
    for context in (proctor_context, candidate_context, chief_context, inspector_context):
        context.close()
