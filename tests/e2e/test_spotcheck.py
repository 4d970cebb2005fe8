"""逢查必考 in a real browser at phone size, on a demo server of its own: two officers open a
check (one opens, the other confirms), add a worker by the QR text of a demo certificate, and
make a one-time link; the worker answers on a second phone whose network is cut halfway and
restored, with nothing lost, and submits; the officers see the result, decide a measure and seal
the check, one asking and the other confirming; the record opens. The link fails a second time.
Screenshots land in tests/e2e/artifacts/spotcheck/."""

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, serve_demo
from tests.e2e.test_certificates import _confirm, _log_in, expect
from tests.sittings.conftest import id_number

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
CATEGORY = "煤矿井下电气作业"  # a category the demo holds no certificate of
OFFICERS = [("officer1", "officer1-demo", "王建军"), ("officer2", "officer2-demo", "李卫东")]  # names if we add them
# What Chromium logs for a request made while the phone is offline: the point of the walk, not a fault.
OFFLINE_NOISE = ("ERR_INTERNET_DISCONNECTED", "ERR_FAILED", "Failed to fetch")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-spotcheck")


@pytest.fixture(scope="module")
def demo(chromium_path: Path, home: Path) -> Iterator[Server]:
    with serve_demo(home) as served:
        _ensure_officers(home)
        yield served


@pytest.fixture(scope="module")
def partner(demo: Server, home: Path) -> str:
    """officer2's name as the partner list shows it: the demo's own, or ours where we added them."""
    with closing(sqlite3.connect(home / "examhall.db")) as db:
        row = db.execute("SELECT display_name FROM users WHERE username = ?", (OFFICERS[1][0],)).fetchone()
    assert row and row[0], "officer2 is missing"
    return str(row[0])


def _ensure_officers(home: Path) -> None:
    """The demo's two officers, added through the CLI where the demo does not have them yet."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXAMHALL_")}
    env.update(EXAMHALL_DATABASE_URL=f"sqlite:///{home / 'examhall.db'}", EXAMHALL_ENV="development")
    for username, password, display in OFFICERS:
        done = subprocess.run(
            [sys.executable, "-m", "examhall", "user", "add", "--role", "officer", "--display-name", display, username],
            input=password + "\n",
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0 or "already exists" in done.stderr, done.stdout + done.stderr


def _phone(browser: Any) -> tuple[Any, list[str]]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def _shot(page: Any, artifacts: Path, name: str, *, full: bool = True) -> None:
    """The whole page, or (full=False) the screen as the phone shows it, the quiz's sticky bar on top."""
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 1, page.url
    page.screenshot(path=str(artifacts / "spotcheck" / f"{name}-390x844.png"), full_page=full)


def _act(page: Any, button: str, where: str, shows: str) -> None:
    """Press a button of a form that posts and comes back to the page; the page then shows `shows`."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    expect()(page.locator(where)).to_contain_text(shows)


def _qr_text(browser: Any, demo: Server) -> str:
    """A valid special-operations certificate's QR text, from its printed page, as the officer's
    camera would read it."""
    admin, _ = _phone(browser)
    _log_in(admin, demo.base_url, "admin", "admin-demo")
    admin.goto(f"{demo.base_url}/admin/certificates")
    special = admin.locator("tbody tr", has_text="特种作业操作证").filter(has=admin.locator(".standing-valid"))
    special.first.locator("a[href^='/admin/certificates/']").click()
    admin.get_by_role("link", name="打印证书（A4）").click()
    code = admin.locator(".qr[data-code]").first.get_attribute("data-code")
    assert code and "/verify?c=" in code
    admin.context.close()
    return str(code)


def _opened(
    browser: Any, base: str, partner: str, place: str, artifacts: Path | None = None
) -> tuple[Any, list[str], Any, list[str], str]:
    """officer1 opens a check naming officer2, who confirms it on their own phone: both phones,
    their console errors, and the check's address."""
    one, one_errors = _phone(browser)
    _log_in(one, base, *OFFICERS[0][:2])
    one.goto(f"{base}/spot/new")
    one.get_by_label("被检查企业").fill("晋能控股煤业集团某煤矿")
    one.get_by_label("检查地点").fill(place)
    one.get_by_label("同行执法人员").select_option(label=partner)
    if artifacts:
        _shot(one, artifacts, "01-new")
    _act(one, "开启抽考", ".spot-state", "待另一名执法人员确认")
    check_url: str = one.url
    assert re.search(r"/spot/checks/\d+$", check_url)
    assert one.get_by_role("button", name="确认同行，开始抽考").count() == 0  # not by the one who opened it
    if artifacts:
        _shot(one, artifacts, "02-proposed")
    two, two_errors = _phone(browser)
    _log_in(two, base, *OFFICERS[1][:2])
    two.goto(check_url)
    _act(two, "确认同行，开始抽考", ".spot-state", "进行中")
    if artifacts:
        _shot(two, artifacts, "03-confirmed")
    one.reload()
    return one, one_errors, two, two_errors, check_url


def _answer(page: Any, n: int) -> None:
    """The first choice of item n (正确 for a true/false item)."""
    page.locator(f"#item-{n} .choice").first.click()
    expect()(page.locator(f"#item-{n} .choice").first).to_have_attribute("aria-pressed", "true")


def _pressed(page: Any) -> int:
    count: int = page.locator(".choice[aria-pressed=true]").count()
    return count


def test_two_officers_quiz_a_worker_through_a_cut_network_and_seal_the_check(
    demo: Server, partner: str, browser: Any, artifacts: Path
) -> None:
    (artifacts / "spotcheck").mkdir(exist_ok=True)
    base = demo.base_url
    code = _qr_text(browser, demo)

    one, one_errors, two, two_errors, check_url = _opened(browser, base, partner, "主井口调度室", artifacts)

    # officer1 adds the worker by the certificate's QR text and makes the one-time link
    one.get_by_label(re.compile("证书二维码内容")).fill(code)
    _act(one, "核验证书并加入", ".spot-workers", "持有效证书")
    added = one.locator(".spot-workers li").first.inner_text()
    assert "特种作业人员 · 煤矿" in added and "主要负责人" not in added, added  # the category is the certificate's
    _shot(one, artifacts, "04-worker-added")
    one.get_by_role("link", name="本人手机扫码作答").first.click()
    with one.expect_navigation():
        one.get_by_role("button", name="生成一次性二维码").click()
    shown = one.locator(".spot-link").inner_text().strip()
    assert "/spot/q/" in shown
    link = base + "/spot/q/" + shown.rsplit("/spot/q/", 1)[1]  # the demo's public address is not this server's
    expect()(one.locator(".spot-qr svg")).to_be_visible()
    _shot(one, artifacts, "05-link")

    # the worker's own phone opens the link and starts
    worker, worker_errors = _phone(browser)
    worker.goto(link)
    _shot(worker, artifacts, "06-link-open")
    with worker.expect_navigation():
        worker.get_by_role("button", name=re.compile("开始")).click()
    expect()(worker.get_by_role("button", name="开始作答")).to_be_visible()
    expect()(worker.locator("#intro")).to_contain_text("时间以服务器为准")
    _shot(worker, artifacts, "07-quiz-intro")
    worker.get_by_role("button", name="开始作答").click()
    expect()(worker.locator(".item")).to_have_count(10)
    expect()(worker.locator("#clock")).to_have_text(re.compile(r"^[45]:\d\d$"))
    _shot(worker, artifacts, "08-quiz-started", full=False)
    for n in range(1, 6):
        _answer(worker, n)
    expect()(worker.locator("#save")).to_have_text("已保存")
    _shot(worker, artifacts, "09-quiz-saved", full=False)

    # the network drops halfway: the other five wait on the phone, then go when it comes back
    worker.context.set_offline(True)
    for n in range(6, 11):
        _answer(worker, n)
    expect()(worker.locator("#save")).to_have_text("未联网，答案已暂存在本机，恢复后自动提交")
    expect()(worker.locator("#item-10 .mark")).to_have_text("待发送")
    waiting = worker.evaluate("() => JSON.parse(localStorage.getItem(Object.keys(localStorage)[0])).pending.length")
    assert waiting == 5
    _shot(worker, artifacts, "10-quiz-offline", full=False)
    worker.context.set_offline(False)
    expect()(worker.locator("#save")).to_have_text("已保存")
    expect()(worker.locator(".item .mark", has_text="已保存")).to_have_count(10)
    worker.reload()  # what the server holds comes back: all ten
    expect()(worker.locator(".item")).to_have_count(10)
    assert _pressed(worker) == 10
    expect()(worker.locator("#count")).to_have_text("已答 10/10")

    # a change the server never got survives a reload in the outbox, and goes once it can
    worker.route("**/answers", lambda route: route.abort())
    worker.locator("#item-1 .choice").nth(1).click()
    expect()(worker.locator("#item-1 .mark")).to_have_text("待发送")
    worker.reload()
    expect()(worker.locator("#item-1 .choice").nth(1)).to_have_attribute("aria-pressed", "true")
    expect()(worker.locator("#item-1 .mark")).to_have_text("待发送")
    worker.unroute("**/answers")
    expect()(worker.locator("#item-1 .mark")).to_have_text("已保存")
    expect()(worker.locator("#save")).to_have_text("已保存")

    worker.get_by_role("button", name="交卷").click()
    dialog = worker.locator("dialog.confirm-dialog[open]")
    expect()(dialog).to_contain_text("交卷后不能再修改答案")
    dialog.locator(".confirm-ok").click()
    expect()(worker.locator("#done")).to_be_visible()
    expect()(worker.locator("#done")).to_contain_text("已交卷")
    expect()(worker.locator("#done")).to_contain_text("成绩由执法人员告知")
    assert not re.search(r"\d\s*分", worker.locator("#done").inner_text())  # no score on the worker's phone
    _shot(worker, artifacts, "11-quiz-done")
    worker.context.close()

    # the link a second time, on another phone: refused, in words
    again, again_errors = _phone(browser)
    response = again.goto(link)
    assert response.status == 404
    expect()(again.locator("h1")).to_have_text("无法打开抽考")
    expect()(again.locator(".notice.bad")).to_contain_text("此链接已使用或已失效")
    _shot(again, artifacts, "12-link-used")
    again.context.close()

    # the officers see the result at once
    one.goto(check_url)
    row = one.locator(".spot-workers li").first
    expect()(row).to_contain_text(re.compile(r"成绩 \d+(\.\d+)? 分，(不)?合格"))
    expect()(one.locator(".spot-summary")).to_contain_text("已交卷 1 人")
    _shot(one, artifacts, "13-result")

    # a measure proposed by officer1, confirmed by officer2
    one.get_by_label("措施", exact=True).select_option(label="责令限期整改")
    one.get_by_label("内容和依据").fill("组织三项岗位人员重新学习，15日内报送整改情况")
    one.get_by_label("期限").fill("2030-01-31")
    _act(one, "提出措施", ".spot-measures", "待另一名执法人员确认")
    assert one.get_by_role("button", name="确认此措施").count() == 0
    _shot(one, artifacts, "14-measure-proposed")
    two.goto(check_url)
    _act(two, "确认此措施", ".spot-measures", "两人已确认")
    _shot(two, artifacts, "15-measure-confirmed")

    # sealed: officer2 asks, officer1 confirms
    two.get_by_role("button", name="提出封存").click()
    _confirm(two)
    expect()(two.locator("main")).to_contain_text("已提出封存，等待另一名执法人员确认")
    one.goto(check_url)
    one.get_by_role("button", name="确认封存").click()
    _confirm(one)
    expect()(one.locator(".spot-state")).to_have_text("已封存")
    _shot(one, artifacts, "16-sealed")

    one.get_by_role("link", name=re.compile("现场抽考记录")).click()
    expect()(one.locator("body")).to_contain_text("现场抽考记录")
    _shot(one, artifacts, "17-record")

    offline = [e for e in worker_errors if not any(n in e for n in OFFLINE_NOISE)]
    refused = [e for e in again_errors if "status of 404" not in e]  # the used link's page is a 404
    assert not (one_errors + two_errors + offline + refused), (one_errors, two_errors, offline, refused)


def test_at_time_over_what_waits_on_a_phone_without_network_is_not_counted(
    demo: Server, partner: str, browser: Any, artifacts: Path
) -> None:
    """A quiz of one minute, answered on the officer's own phone: the third answer is given with
    the network down and is still waiting when the time is over, so it is shown as not counted."""
    (artifacts / "spotcheck").mkdir(exist_ok=True)
    base = demo.base_url
    admin, admin_errors = _phone(browser)
    _log_in(admin, base, "admin", "admin-demo")
    admin.goto(f"{base}/admin/spot-rules")
    rule = admin.locator("form", has=admin.get_by_role("heading", name=CATEGORY, exact=True))
    rule.get_by_label("时长（分钟）").fill("1")
    with admin.expect_navigation():
        rule.get_by_role("button", name="保存").click()
    expect()(admin.locator(".notice.ok")).to_contain_text("1分钟")
    admin.context.close()

    one, one_errors, _, two_errors, check_url = _opened(browser, base, partner, "副井口")
    one.get_by_label(re.compile("身份证号")).fill(id_number(date(1979, 6, 1), 41))
    one.get_by_label("姓名").fill("马铁锤")
    one.get_by_label(re.compile("作业类别")).select_option(label=CATEGORY)
    _act(one, "核验证书并加入", ".spot-workers", "未持证")
    one.get_by_role("link", name="在本机作答").first.click()
    expect()(one.get_by_role("link", name="← 返回本次抽考")).to_be_visible()
    one.get_by_role("button", name="开始作答").click()
    expect()(one.locator("#clock")).to_have_text(re.compile(r"^(1:00|0:5\d)$"))
    _answer(one, 1)
    _answer(one, 2)
    expect()(one.locator("#save")).to_have_text("已保存")
    one.context.set_offline(True)
    _answer(one, 3)
    expect()(one.locator("#item-3 .mark")).to_have_text("待发送")
    expect()(one.locator("#save")).to_have_text("时间到", timeout=75_000)
    expect()(one.locator("#item-3 .mark")).to_have_text("未计入")
    expect()(one.locator("#item-4 .choice").first).to_be_disabled()
    _shot(one, artifacts, "20-time-over-offline", full=False)
    one.context.set_offline(False)
    expect()(one.locator("#done-title")).to_have_text("时间到，已交卷")
    expect()(one.locator("#lost")).to_contain_text("第 3 题的答案未能在时间内送达服务器，未计入成绩")
    _shot(one, artifacts, "21-time-over-done")
    one.goto(check_url)
    expect()(one.locator(".spot-workers li", has_text="马铁锤")).to_contain_text(re.compile(r"成绩 \d+(\.\d+)? 分"))
    offline = [e for e in one_errors if not any(n in e for n in OFFLINE_NOISE)]
    assert not (admin_errors + offline + two_errors), (admin_errors, offline, two_errors)
