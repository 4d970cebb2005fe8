"""A candidate's whole exam in a real browser: login, the identity check while waiting for the
proctor, answering every kind of item by mouse and keyboard, reloads, a network that goes away
and comes back, and submitting. Screenshots land in tests/e2e/artifacts/."""

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DemoCandidate, Proctor, Server

pytestmark = pytest.mark.e2e

ANSWERS_ROUTE = "**/api/v1/delivery/attempts/*/answers"
STATUS_ROUTE = "**/api/v1/delivery/attempts/*/status"
KINDS_JS = """() => Array.from(document.querySelectorAll('#items article.item')).map(a => ({
  n: Number(a.dataset.n),
  type: a.querySelector('.choices.tf') ? 'true_false'
      : a.querySelector('.choices.multi') ? 'multiple_choice'
      : a.querySelector('.blanks') ? 'fill_blank' : 'single_choice',
}))"""
PENDING_JS = """() => {
  const raw = localStorage.getItem('examhall.attempt.' + document.body.dataset.attempt);
  return raw ? JSON.parse(raw).pending.length : 0;
}"""


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def go(page: Any, n: int) -> None:
    """To item n by its number on the answer sheet."""
    page.locator(f"#sheet .cell[aria-label^='第 {n} 题，']").click()
    expect()(page.locator(f"#item-{n}")).to_be_visible()


def chosen(page: Any, n: int) -> set[str]:
    return set(
        page.locator(f"#item-{n} .choice[aria-pressed='true']").evaluate_all("bs => bs.map(b => b.dataset.value)")
    )


def check_answers(page: Any, want: dict[int, set[str]], flagged: set[int]) -> None:
    for n, values in want.items():
        assert chosen(page, n) == values, f"item {n}: {chosen(page, n)} shown, {values} given"
        expect()(page.locator(f"#sheet .cell[aria-label^='第 {n} 题，']")).to_have_class(re.compile(r"\banswered\b"))
    for n in flagged:
        expect()(page.locator(f"#item-{n} .flag")).to_have_attribute("aria-pressed", "true")
        expect()(page.locator(f"#sheet .cell[aria-label^='第 {n} 题，']")).to_have_attribute(
            "aria-label", re.compile("已标记")
        )


def wait_for_paper(page: Any) -> None:
    expect()(page.locator("#paper")).to_be_visible(timeout=20_000)


def watch(page: Any) -> tuple[list[str], list[str]]:
    """Uncaught script errors, and anything the Content-Security-Policy refused."""
    crashes: list[str] = []
    refused: list[str] = []
    page.on("pageerror", lambda error: crashes.append(str(error)))
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return crashes, refused


def log_in_and_start(page: Any, server: Server, proctor: Proctor, candidate: DemoCandidate, shot: Path) -> str:
    """From the login page to the exam page, the proctor authorizing on the way; the attempt's URL."""
    check = expect()
    page.goto(f"{server.base_url}/exam")
    check(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_label("准考证号").fill(candidate.ticket)
    page.get_by_label("身份证号").fill(candidate.id_number)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/exam/attempts/\d+$"))
    attempt_url: str = page.url
    attempt_id = int(attempt_url.rsplit("/", 1)[1])

    # The identity check: the candidate's details, waiting for the proctor.
    check(page.locator(".identity")).to_contain_text(candidate.name)
    check(page.locator("#wait-state")).to_have_text("等待监考员授权")
    check(page.locator("#start-button")).to_be_hidden()
    page.screenshot(path=str(shot), full_page=True)

    rows = {row["ticket"]: row for row in proctor.attempts(server.sitting_id)}
    assert rows[candidate.ticket]["attempt"] == attempt_id
    assert rows[candidate.ticket]["state"] == "waiting"
    assert proctor.authorize(server.sitting_id, [attempt_id]) == [attempt_id]

    start = page.locator("#start-button")
    check(start).to_be_visible(timeout=20_000)
    check(page.locator("#wait-state")).to_have_text("可以开始")
    start.click()
    page.wait_for_url(attempt_url)
    wait_for_paper(page)
    check(page.locator("#timer-clock")).to_have_text(re.compile(r"^(\d+:)?\d\d:\d\d$"))
    check(page.locator("#save-state")).to_have_text("已保存")
    return attempt_url


def test_a_candidate_sits_the_exam(server: Server, browser: Any, proctor: Proctor, artifacts: Path) -> None:
    check = expect()
    candidate = server.candidates[0]
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15_000)
    crashes, refused = watch(page)

    # A wrong ID number is refused with a message, and the ticket number stays filled in.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server.base_url}/exam")
    page.get_by_label("准考证号").fill(candidate.ticket)
    page.get_by_label("身份证号").fill("110101199003070000")
    page.get_by_role("button", name="登录").click()
    check(page.get_by_role("alert")).to_contain_text("不正确")
    check(page.get_by_label("准考证号")).to_have_value(candidate.ticket)
    page.screenshot(path=str(artifacts / "login-390x844.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})

    attempt_url = log_in_and_start(page, server, proctor, candidate, artifacts / "confirm-1366x768.png")

    kinds = page.evaluate(KINDS_JS)
    by_type: dict[str, list[int]] = {}
    for item in kinds:
        by_type.setdefault(item["type"], []).append(item["n"])
    tf, sc, mc = by_type.get("true_false", []), by_type.get("single_choice", []), by_type.get("multiple_choice", [])
    assert len(tf) >= 5 and len(sc) >= 4, f"the demo paper has too few items to try: {by_type}"
    stem_size = page.locator(f"#item-{tf[0]} .stem").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert stem_size >= 20

    want: dict[int, set[str]] = {}
    flagged: set[int] = set()

    # By mouse.
    go(page, tf[0])
    page.locator(f"#item-{tf[0]} .choice[data-value='true']").click()
    want[tf[0]] = {"true"}
    go(page, tf[1])
    page.locator(f"#item-{tf[1]} .choice[data-value='false']").click()
    want[tf[1]] = {"false"}
    go(page, sc[0])
    page.locator(f"#item-{sc[0]} .choice[data-value='B']").click()
    want[sc[0]] = {"B"}
    page.locator(f"#item-{sc[0]} .flag").click()
    flagged.add(sc[0])
    if mc:
        go(page, mc[0])
        page.locator(f"#item-{mc[0]} .choice[data-value='C']").click()
        page.locator(f"#item-{mc[0]} .choice[data-value='A']").click()
        page.locator(f"#item-{mc[0]} .choice[data-value='D']").click()
        page.locator(f"#item-{mc[0]} .choice[data-value='D']").click()  # and unchosen again
        want[mc[0]] = {"A", "C"}

    # By keyboard alone: letters and digits choose, F or M flags, arrows and PageDown move.
    go(page, tf[2])
    page.keyboard.press("t")
    want[tf[2]] = {"true"}
    page.keyboard.press("m")
    flagged.add(tf[2])
    go(page, sc[1])
    page.keyboard.press("c")
    want[sc[1]] = {"C"}
    page.keyboard.press("f")
    flagged.add(sc[1])
    go(page, sc[2])
    page.keyboard.press("1")
    want[sc[2]] = {"A"}
    page.keyboard.press("ArrowLeft")
    check(page.locator(f"#item-{sc[2] - 1}")).to_be_visible()
    check(page.locator(f"#item-{sc[2]}")).to_be_hidden()
    page.keyboard.press("PageDown")
    check(page.locator(f"#item-{sc[2]}")).to_be_visible()
    if len(mc) > 1:
        go(page, mc[1])
        page.keyboard.press("b")
        page.keyboard.press("4")
        want[mc[1]] = {"B", "D"}

    check_answers(page, want, flagged)
    check(page.locator("#save-state")).to_have_text("已保存")
    assert page.evaluate(PENDING_JS) == 0
    page.screenshot(path=str(artifacts / "exam-1366x768.png"))

    # The whole section at once.
    go(page, sc[0])
    page.locator("#view-toggle").click()
    check(page.locator(f"#item-{sc[0]}")).to_be_visible()
    check(page.locator(f"#item-{sc[1]}")).to_be_visible()
    check(page.locator(f"#item-{tf[0]}")).to_be_hidden()
    page.screenshot(path=str(artifacts / "exam-section-1366x768.png"))
    page.locator("#view-toggle").click()

    # A reload finds everything where it was, from the server.
    page.reload()
    wait_for_paper(page)
    check_answers(page, want, flagged)

    # Saves that fail stay queued on this PC, survive a reload, and go once they can.
    page.route(ANSWERS_ROUTE, lambda route: route.abort())
    go(page, tf[3])
    page.locator(f"#item-{tf[3]} .choice[data-value='false']").click()
    want[tf[3]] = {"false"}
    check(page.locator("#save-state")).to_contain_text("未保存")
    page.reload()
    wait_for_paper(page)
    check_answers(page, want, flagged)
    check(page.locator("#save-state")).to_contain_text("未保存（1 条待发送")
    page.unroute(ANSWERS_ROUTE)
    check(page.locator("#save-state")).to_have_text("已保存", timeout=15_000)

    # Offline: answers wait, then go when the network is back.
    context.set_offline(True)
    go(page, sc[3])
    page.locator(f"#item-{sc[3]} .choice[data-value='D']").click()
    want[sc[3]] = {"D"}
    go(page, tf[4])
    page.keyboard.press("2")
    want[tf[4]] = {"false"}
    check(page.locator("#save-state")).to_contain_text("未保存（2 条待发送，网络恢复后自动发送）")
    check(page.locator("#offline-state")).to_be_visible()
    context.set_offline(False)
    check(page.locator("#save-state")).to_have_text("已保存", timeout=15_000)
    assert page.evaluate(PENDING_JS) == 0
    page.reload()
    wait_for_paper(page)
    check_answers(page, want, flagged)

    # Phone width: no sideways scrolling, big targets, the answer sheet in a drawer.
    page.set_viewport_size({"width": 390, "height": 844})
    check(page.locator("#sheet")).to_be_hidden()
    check(page.locator("#bottom-bar")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll('button'))
          .filter(b => b.offsetParent !== null && getComputedStyle(b).visibility !== 'hidden')
          .map(b => [b.textContent.trim(), b.getBoundingClientRect()])
          .filter(([, r]) => r.height < 44 || r.width < 44)
          .map(([t, r]) => `${t} ${r.width}x${r.height}`)"""
    )
    assert small == [], f"touch targets under 44px: {small}"
    page.screenshot(path=str(artifacts / "exam-390x844.png"))
    page.locator("#sheet-toggle").click()
    check(page.locator("#sheet")).to_be_visible()
    page.screenshot(path=str(artifacts / "exam-390x844-answer-sheet.png"), animations="disabled")
    page.keyboard.press("Escape")
    check(page.locator("#sheet")).to_be_hidden()
    page.set_viewport_size({"width": 1366, "height": 768})

    # Submitting asks first, listing what is unanswered.
    total = len(kinds)
    page.locator("#submit-open").click()
    dialog = page.locator("#submit-dialog")
    check(dialog).to_be_visible()
    check(dialog).to_contain_text(f"还有 {total - len(want)} 题未作答")
    page.screenshot(path=str(artifacts / "submit-1366x768.png"))
    page.locator("#submit-cancel").click()
    check(dialog).to_be_hidden()
    page.locator("#submit-open").click()
    page.locator("#submit-confirm").click()
    check(page.locator("h1")).to_have_text("已交卷")
    assert page.url == attempt_url
    check(page.locator(".done")).to_contain_text(f"{len(want)} / 100 题")
    assert page.evaluate(PENDING_JS) == 0
    page.screenshot(path=str(artifacts / "done-1366x768.png"))

    assert crashes == [], crashes
    assert refused == [], refused
    context.close()


def status_body(*, paused: bool, remaining: float, notices: list[dict[str, str]]) -> str:
    now = datetime.now(UTC)
    return json.dumps(
        {
            "state": "in_progress",
            "can_start": False,
            "reason": "",
            "server_time": now.isoformat(),
            "starts_at": (now - timedelta(minutes=5)).isoformat(),
            "deadline": (now + timedelta(seconds=remaining)).isoformat(),
            "remaining_seconds": remaining,
            "paused": paused,
            "notices": notices,
        }
    )


def test_pauses_warnings_and_time_up_come_from_the_server(
    server: Server, browser: Any, proctor: Proctor, artifacts: Path
) -> None:
    """What the status heartbeat brings, shown at once: a pause (answering off, the clock
    stopped), a proctor's warning, the last minutes; at 0 the page submits and shows the done
    page. The heartbeat's answers are stood in for here, since the server's clock cannot be
    moved on from outside."""
    check = expect()
    candidate = server.candidates[1]
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15_000)
    crashes, refused = watch(page)
    attempt_url = log_in_and_start(page, server, proctor, candidate, artifacts / "confirm-second-1366x768.png")
    first = page.locator("#items article.item").first
    n = int(first.get_attribute("data-n") or "0")

    # An answer the server refuses is dropped with its reason shown; the rest of the queue goes on.
    refusal = json.dumps({"code": "bad_response", "message": "没有这个选项", "problems": []})
    page.route(
        ANSWERS_ROUTE,
        lambda route: route.fulfill(status=422, content_type="application/json", body=refusal),
        times=1,
    )
    page.locator(f"#item-{n} .choice").first.click()
    check(page.locator(".banner.bad")).to_contain_text(f"第 {n} 题")
    check(page.locator(".banner.bad")).to_contain_text("没有这个选项")
    check(page.locator("#save-state")).to_have_text("已保存")
    check(page.locator(f"#item-{n} .choice[aria-pressed='true']")).to_have_count(0)
    page.locator(".banner.bad button").click()

    at = datetime.now(UTC).isoformat()
    pause = {"at": at, "kind": "pause", "text": "考试已由监考员暂停：设备检查"}
    warning = {"at": at, "kind": "warning", "text": "监考员警告：请勿交头接耳"}
    body = status_body(paused=True, remaining=1800, notices=[pause, warning])
    page.route(STATUS_ROUTE, lambda route: route.fulfill(status=200, content_type="application/json", body=body))
    # The page asks for the status at once when the network comes back.
    context.set_offline(True)
    context.set_offline(False)
    check(page.locator("#pause-banner")).to_contain_text("考试已由监考员暂停：设备检查")
    check(page.locator(".banner.warning")).to_contain_text("请勿交头接耳")
    check(page.locator(f"#item-{n} .choice").first).to_be_disabled()
    check(page.locator("#timer-clock")).to_have_text("30:00")
    page.keyboard.press("1")
    page.wait_for_timeout(1500)
    check(page.locator("#timer-clock")).to_have_text("30:00")
    assert chosen(page, n) == set()
    page.screenshot(path=str(artifacts / "exam-paused-1366x768.png"))

    resume = {"at": datetime.now(UTC).isoformat(), "kind": "resume", "text": "考试已恢复，计时继续"}
    # Six seconds left, counted down by every later heartbeat as the server's would.
    ends = time.monotonic() + 6
    page.unroute(STATUS_ROUTE)
    page.route(
        STATUS_ROUTE,
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=status_body(
                paused=False, remaining=max(0.0, ends - time.monotonic()), notices=[pause, warning, resume]
            ),
        ),
    )
    check(page.locator("#pause-banner")).to_be_hidden(timeout=10_000)
    check(page.locator(".banner.resume")).to_contain_text("考试已恢复，计时继续")
    check(page.locator(f"#item-{n} .choice").first).to_be_enabled()
    check(page.locator("#time-announcer")).to_contain_text("5 分钟")
    check(page.locator("#timer")).to_have_class(re.compile(r"\bcritical\b"))

    check(page.locator("#overlay")).to_contain_text("时间到", timeout=15_000)
    check(page.locator("h1")).to_have_text("已交卷", timeout=15_000)
    assert page.url == attempt_url
    assert crashes == [], crashes
    assert refused == [], refused
    context.close()
