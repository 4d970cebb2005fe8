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

    # The identity check: the candidate's details, waiting for the proctor; the start time in a
    # Chinese date, said once; the brand in Chinese only.
    check(page.locator(".identity")).to_contain_text(candidate.name)
    check(page.locator(".identity")).to_contain_text(re.compile(r"开考时间\s*\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d"))
    assert "/" not in (page.locator(".identity dd").last.text_content() or "")
    assert (page.locator("main").text_content() or "").count("开考时间") <= 1
    assert "examhall" not in (page.locator("body").inner_text() + page.title())
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
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
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/api/" in request.url else None)
    start.click()
    page.wait_for_url(attempt_url)
    wait_for_paper(page)
    # Pressing start is one request: its reply carries the paper, which the exam page is handed.
    assert [url for url in asked if url.endswith(("/start", "/paper"))] == [
        f"{server.base_url}/api/v1/delivery/attempts/{attempt_id}/start"
    ]
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
    # No one-time code was asked for, so none is named.
    check(page.get_by_role("alert")).not_to_contain_text("验证码")
    check(page.get_by_role("alert")).not_to_contain_text("登录码")
    check(page.get_by_role("link", name="成绩查询")).to_have_attribute("href", "/results")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    check(page.get_by_label("准考证号")).to_have_value(candidate.ticket)
    page.screenshot(path=str(artifacts / "login-390x844.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})

    attempt_url = log_in_and_start(page, server, proctor, candidate, artifacts / "confirm-1366x768.png")

    kinds = page.evaluate(KINDS_JS)
    by_type: dict[str, list[int]] = {}
    for item in kinds:
        by_type.setdefault(item["type"], []).append(item["n"])
    tf, sc, mc = by_type.get("true_false", []), by_type.get("single_choice", []), by_type.get("multiple_choice", [])
    assert len(tf) >= 6 and len(sc) >= 4, f"the demo paper has too few items to try: {by_type}"
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

    # By keyboard alone, the keys meaning the same on every item: A-H and 1-8 choose by position
    # (a 判断题's first choice is 对), M flags, arrows and PageDown move; F is no key of its own.
    go(page, tf[2])
    page.keyboard.press("a")
    want[tf[2]] = {"true"}
    page.keyboard.press("m")
    flagged.add(tf[2])
    go(page, tf[5])
    page.keyboard.press("f")
    check(page.locator(f"#item-{tf[5]} .flag")).to_have_attribute("aria-pressed", "false")
    assert chosen(page, tf[5]) == set()
    page.keyboard.press("b")
    want[tf[5]] = {"false"}
    check(page.locator("#keys")).to_contain_text("M 标记")
    check(page.locator("#keys")).to_contain_text("2 或 B 错")
    go(page, sc[1])
    page.keyboard.press("c")
    want[sc[1]] = {"C"}
    page.keyboard.press("f")
    check(page.locator(f"#item-{sc[1]} .flag")).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("m")
    flagged.add(sc[1])
    check(page.locator("#keys")).to_contain_text("M 标记")
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

    # A reload finds everything where it was, from the server, and the answer sheet shows the
    # item the candidate was on, far down the list as it is.
    go(page, kinds[-3]["n"])
    page.reload()
    wait_for_paper(page)
    check_answers(page, want, flagged)
    check(page.locator(f"#item-{kinds[-3]['n']}")).to_be_visible()
    current = page.locator("#sheet .cell[aria-current='true']")
    check(current).to_have_text(str(kinds[-3]["n"]))
    check(current).to_be_in_viewport()
    inside = page.evaluate(
        """() => { const g = document.getElementById('sheet-grids').getBoundingClientRect();
                   const c = document.querySelector('#sheet .cell[aria-current=true]').getBoundingClientRect();
                   return c.top >= g.top && c.bottom <= g.bottom; }"""
    )
    assert inside, "the current item's cell is scrolled out of the answer sheet"
    page.screenshot(path=str(artifacts / "exam-reloaded-1366x768.png"))

    # Saves that fail stay queued on this PC, survive a reload, and go once they can.
    page.route(ANSWERS_ROUTE, lambda route: route.abort())
    go(page, tf[3])
    page.locator(f"#item-{tf[3]} .choice[data-value='false']").click()
    want[tf[3]] = {"false"}
    check(page.locator("#save-state")).to_contain_text("未保存")
    page.reload()
    wait_for_paper(page)
    check_answers(page, want, flagged)
    check(page.locator("#save-state")).to_contain_text("未保存：1 条待发送")
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
    check(page.locator("#save-state")).to_contain_text("未保存：2 条待发送，网络恢复后自动发送")
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
    # The header still says who sits here, and where.
    check(page.locator("#who")).to_be_visible()
    check(page.locator("#who")).to_contain_text(candidate.name)
    check(page.locator("#who")).to_contain_text("座位号")
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
    check(page.locator(".done")).to_contain_text("交卷时间")
    check(page.locator(".done").get_by_role("link", name="成绩查询")).to_have_attribute("href", "/results")
    check(page.locator(".done")).to_contain_text("公布后")
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


def watch_strictly(page: Any) -> list[str]:
    """Everything that went wrong on a page: script errors, console errors, requests that failed
    or were refused (an event stream cut off by leaving the page is no failure)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on(
        "requestfailed",
        lambda r: (
            None
            if r.url.endswith("/events") or "ERR_ABORTED" in (r.failure or "")
            else problems.append(f"failed: {r.url} {r.failure}")
        ),
    )
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    return problems


def test_a_candidate_who_closed_the_tab_carries_on_in_the_same_browser(
    server: Server, browser: Any, proctor: Proctor, artifacts: Path
) -> None:
    """The same browser, its candidate session still valid, goes straight back to the exam; only
    another PC needs the proctor's approval."""
    check = expect()
    candidate = server.candidates[2]
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = watch_strictly(page)
    attempt_url = log_in_and_start(page, server, proctor, candidate, artifacts / "confirm-third-1366x768.png")
    n = int(page.locator("#items article.item").first.get_attribute("data-n") or "0")
    page.locator(f"#item-{n} .choice").first.click()
    check(page.locator("#save-state")).to_have_text("已保存")
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    page.close()

    # The tab opened again at /exam: straight back to the exam, the answer there, the clock running.
    again = context.new_page()
    again.set_default_timeout(15_000)
    problems += watch_strictly(again)
    again.goto(f"{server.base_url}/exam")
    again.wait_for_url(attempt_url)
    wait_for_paper(again)
    check(again.locator("#item-" + str(n) + " .choice").first).to_have_attribute("aria-pressed", "true")
    check(again.locator("#timer-clock")).to_have_text(re.compile(r"^(\d+:)?\d\d:\d\d$"))
    again.screenshot(path=str(artifacts / "exam-reopened-1366x768.png"))

    # The login form sent again from this browser (an old tab) carries on too: no PC was changed.
    sent = again.request.post(
        f"{server.base_url}/exam/login",
        form={"csrf_token": csrf or "", "ticket": candidate.ticket, "id_number": candidate.id_number},
        max_redirects=0,
    )
    assert sent.status == 303 and sent.headers["location"].endswith(attempt_url.removeprefix(server.base_url))
    again.reload()
    wait_for_paper(again)
    check(again.locator("#overlay")).to_have_count(0)

    # Another PC still needs the proctor's approval, and this page goes on.
    other = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    elsewhere = other.new_page()
    elsewhere.goto(f"{server.base_url}/exam")
    elsewhere.get_by_label("准考证号").fill(candidate.ticket)
    elsewhere.get_by_label("身份证号").fill(candidate.id_number)
    elsewhere.get_by_role("button", name="登录").click()
    check(elsewhere.get_by_role("alert")).to_contain_text("监考员批准")
    other.close()
    again.locator("#next").click()
    check(again.locator("#save-state")).to_have_text("已保存")
    check(again.locator("#overlay")).to_have_count(0)
    assert problems == [], problems

    # An attempt that is not this candidate's: a candidate's page says so, in Chinese only.
    stray = context.new_page()
    stray.goto(f"{server.base_url}/exam/attempts/999999")
    check(stray.locator("h1")).to_have_text("找不到这场考试")
    check(stray.get_by_role("link", name="考生登录")).to_have_attribute("href", "/exam")
    assert "examhall" not in (stray.locator("body").inner_text() + stray.title())
    context.close()


def test_a_candidate_ended_for_misconduct_is_told_the_score_is_void(
    server: Server, browser: Any, proctor: Proctor, playwright: Any, artifacts: Path
) -> None:
    check = expect()
    candidate = server.candidates[3]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = watch_strictly(page)
    log_in_and_start(page, server, proctor, candidate, artifacts / "confirm-fourth-390x844.png")
    attempt = next(r["attempt"] for r in proctor.attempts(server.sitting_id) if r["ticket"] == candidate.ticket)

    # A proctor proposes, the chief examiner confirms.
    url = f"/api/v1/proctoring/sittings/{server.sitting_id}/misconduct"
    headers = {"X-CSRF-Token": proctor.csrf, "Content-Type": "application/json"}
    proposed = proctor.api.post(
        url, data=json.dumps({"attempt_id": attempt, "facts": "考生夹带纸条，已收缴"}), headers=headers
    )
    assert proposed.ok, proposed.text()
    chief = Proctor(playwright, server.base_url, "chief", "chief-demo")
    decided = chief.api.post(
        f"{url}/{proposed.json()['id']}",
        data=json.dumps({"confirm": True, "note": "事实清楚"}),
        headers={"X-CSRF-Token": chief.csrf, "Content-Type": "application/json"},
    )
    assert decided.ok, decided.text()
    chief.close()

    # The page says who decided, that the score is void; no submit time, no result to wait for.
    check(page.locator("#overlay")).to_contain_text("经主考官确认", timeout=20_000)
    check(page.locator("h1")).to_have_text("本场考试已终止", timeout=15_000)
    done = page.locator(".done")
    check(done).to_contain_text("经主考官确认")
    check(done).to_contain_text("违纪")
    check(done).to_contain_text("成绩无效")
    check(done).not_to_contain_text("交卷时间")
    check(done).not_to_contain_text("已交卷")
    check(done).not_to_contain_text("成绩查询")
    check(done).not_to_contain_text("公布")
    check(page.locator("body")).not_to_contain_text("监考员终止")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / "ended-390x844.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path=str(artifacts / "ended-1366x768.png"))
    context.close()
    assert problems == [], problems
