"""An administrator's exam-day preparation in a real browser, at a desk (1366×768) and on a phone
(390×844), on the demo server: upload a 15,000-item bank through the page (progress shown, the
button cannot send twice; the empty template refused), search the bank with 全部 and page through
it, add a site, a room and an exam, schedule a sitting, import its roster, see a staff draw
refused with its reasons, add staff accounts and put them in the pool, draw again, seat the
candidates, open the sitting through its confirmation, and print the tickets. Every success is
said, every refused form keeps what was typed, no page is wider than the screen, and no page
logs an error or fails a request. Screenshots of every main admin page land in
tests/e2e/artifacts/ (admin-<page>-<width>x<height>.png)."""

import csv
import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import Server
from tests.sittings.conftest import id_number

pytestmark = pytest.mark.e2e

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
DEMO_INSTITUTION = "太原市安全培训考试中心"  # where the demo's proctors and chief examiner come from
BANK_ITEMS = 15_000
TEMPLATE = Path(__file__).resolve().parents[2] / "question_banks" / "template.xlsx"


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


@dataclass
class Watch:
    """What the browser reports while the walk goes on: console errors, failed requests, and
    responses over 399 other than the refusals the walk provokes on purpose."""

    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    posts: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.method} {r.url}: {r.failure}"))
        page.on("response", self._response)
        page.on("request", self._request)

    def _request(self, request: Any) -> None:
        if request.method == "POST":
            self.posts.append(urlsplit(request.url).path)

    def _console(self, message: Any) -> None:
        # A refused form's page comes with a 4xx status, which Chromium also logs; the
        # responses themselves are checked below.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.request.method} {urlsplit(response.url).path}")

    def refused(self, status: int, path: str) -> None:
        """The one refusal the step just provoked, taken off the list of failures."""
        wanted = f"{status} POST {path}"
        assert wanted in self.failed, f"expected the refusal {wanted}, saw {self.failed}"
        self.failed.remove(wanted)

    def clean(self) -> None:
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.failed == [], f"failed requests: {self.failed}"


class Walk:
    """The administrator's browser at one screen size."""

    def __init__(self, page: Any, server: Server, size: str, artifacts: Path, watch: Watch) -> None:
        self.page, self.base, self.size, self.artifacts, self.watch = page, server.base_url, size, artifacts, watch
        self.width, self.height = SIZES[size]
        self.demo_id_number = server.candidates[0].id_number

    @property
    def phone(self) -> bool:
        return self.size == "phone"

    def fits(self) -> None:
        scroll, inner = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{self.page.url} is {scroll}px wide on a {inner}px screen"

    def shot(self, name: str) -> None:
        self.fits()
        self.page.screenshot(path=self.artifacts / f"admin-{name}-{self.width}x{self.height}.png", full_page=True)

    def menu(self, link: str) -> None:
        """Go somewhere through the menu, as a person would: on a phone it opens first."""
        nav = self.page.locator("header nav")
        if self.phone:
            expect()(nav).to_be_hidden()
            self.page.get_by_role("button", name="菜单").click()
        expect()(nav).to_be_visible()
        with self.page.expect_navigation():
            nav.get_by_role("link", name=link, exact=True).click()
        self.fits()

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.fits()

    def done(self) -> str:
        notice = self.page.locator(".notice.ok")
        expect()(notice).to_be_visible()
        text: str = notice.inner_text()
        return text

    def alert(self) -> str:
        notice = self.page.locator(".notice.bad")
        expect()(notice).to_be_visible()
        text: str = notice.inner_text()
        return text

    def submit(self, form: str, button: str) -> None:
        with self.page.expect_navigation():
            self.page.locator(form).get_by_role("button", name=button).click()
        self.fits()

    def confirm(self, *, cancel: bool = False) -> str:
        dialog = self.page.locator("dialog.confirm-dialog[open]")
        expect()(dialog).to_be_visible()
        self.fits()
        text: str = dialog.locator(".confirm-text").inner_text()
        if cancel:
            dialog.get_by_role("button", name="取消").click()
            expect()(dialog).to_be_hidden()
        else:
            with self.page.expect_navigation():
                dialog.locator(".confirm-ok").click()
            self.fits()
        return text


@pytest.fixture(params=list(SIZES))
def walk(request: Any, browser: Any, server: Server, artifacts: Path) -> Iterator[Walk]:
    width, height = SIZES[request.param]
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    watch = Watch()
    watch.attach(page)
    try:
        yield Walk(page, server, request.param, artifacts, watch)
    finally:
        context.close()


def bank_csv(tag: str, count: int) -> bytes:
    """Half true/false, half single choice, every stem different."""
    true_false = "判断,{tag}题库第{n}题：入井人员必须随身携带自救器,,,,,对,煤矿安全检查作业,自救器"
    single = "单选,{tag}题库第{n}题：瓦斯的主要成分是（  ）,甲烷,乙烷,丙烷,丁烷,A,煤矿安全检查作业,瓦斯"
    rows = ["编号,题型,题干,选项A,选项B,选项C,选项D,答案,分类,知识点,难度"]
    for n in range(1, count + 1):
        item = (true_false if n % 2 else single).format(tag=tag, n=n)
        rows.append(f"{tag}-{n:05d},{item},{1 + n % 5}")
    return ("\n".join(rows) + "\n").encode()


def roster_csv(tag: str) -> bytes:
    """Three candidates trained where the demo's staff work; the third short of training hours."""
    born = datetime(1986 if tag == "A" else 1987, 4, 9).date()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号", "性别", "企业", "培训机构", "工种/类别", "手机", "培训学时"])
    for n, (name, hours) in enumerate(((f"陈{tag}一", 72), (f"陈{tag}二", 80), (f"陈{tag}三", 10)), 1):
        writer.writerow(
            [name, id_number(born, n + 40), "男", "西山煤电", DEMO_INSTITUTION, "煤矿安全检查作业", "", hours]
        )
    return out.getvalue().encode()


def test_the_administrators_day(walk: Walk, tmp_path: Path) -> None:
    page, tag = walk.page, "A" if walk.size == "desktop" else "B"
    page.goto(walk.base + "/login")
    page.fill("#username", "admin")
    page.fill("#password", "admin-demo")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    walk.shot("home")
    if walk.phone:
        expect()(page.locator("header nav")).to_be_hidden()
        page.get_by_role("button", name="菜单").click()
        walk.shot("menu")
        page.get_by_role("button", name="菜单").click()
    for path, link in (("/admin/judges", "评委库"), ("/admin/tasks", "实操题库"), ("/admin/staff", "考务人员库")):
        expect()(page.locator(f'header nav a[href="{path}"]')).to_have_text(link)

    upload_bank(walk, tag, tmp_path)
    search_bank(walk, tag)
    sitting_url = arrange_sitting(walk, tag)
    staff_the_sitting(walk, tag, sitting_url, tmp_path)
    open_the_sitting(walk, sitting_url)
    arrange_an_assessment(walk, tag)
    look_at_the_other_admin_pages(walk)
    walk.watch.clean()


def upload_bank(walk: Walk, tag: str, tmp_path: Path) -> None:
    page, code = walk.page, f"e2e-bank-{tag.lower()}"
    walk.menu("题库管理")
    walk.shot("banks")
    form = 'form[action="/admin/banks/import"]'

    page.set_input_files("#file", str(TEMPLATE))
    page.fill("#code", code)
    page.fill("#name", f"大批量题库{tag}")
    page.get_by_role("button", name="上传并检查").click()
    expect()(page.locator(".notice.bad")).to_contain_text("template.xlsx：文件中没有可导入的试题")
    walk.watch.refused(422, "/admin/banks/import")
    expect()(page.locator("#code")).to_have_value(code)
    expect()(page.locator("#name")).to_have_value(f"大批量题库{tag}")
    walk.shot("banks-refused")

    big = tmp_path / f"bank-{tag}.csv"
    big.write_bytes(bank_csv(f"E2E{tag}", BANK_ITEMS))
    page.set_input_files("#file", str(big))
    button = page.locator(form).get_by_role("button", name="上传并检查")
    button.click()
    expect()(button).to_be_disabled()
    expect()(page.locator(f"{form} progress.upload-progress")).to_be_visible()
    expect()(page.locator(f"{form} .busy-status")).to_contain_text("服务器正在检查", timeout=30_000)
    walk.shot("banks-uploading")
    page.evaluate(f"document.querySelector('{form}').requestSubmit()")  # a second send is refused
    expect()(page.locator("h1")).to_contain_text("导入结果", timeout=120_000)
    assert walk.watch.posts.count("/admin/banks/import") == 2  # the empty template, then this file once
    assert f"已导入题库“大批量题库{tag}”" in walk.done() and f"新增 {BANK_ITEMS} 题" in walk.done()
    walk.shot("bank-report")


def search_bank(walk: Walk, tag: str) -> None:
    page = walk.page
    with page.expect_navigation():
        page.get_by_role("link", name=f"查看题库“大批量题库{tag}”").click()
    page.select_option("#difficulty", "")
    page.select_option("#type", "")
    walk.submit("form.filters", "筛选")
    expect()(page.locator("main > p[role=status]")).to_contain_text(f"共 {BANK_ITEMS} 题，第 1/300 页")
    page.select_option("#type", "true_false")
    walk.submit("form.filters", "筛选")
    expect()(page.locator("main > p[role=status]")).to_contain_text(f"共 {BANK_ITEMS // 2} 题，第 1/150 页")
    with page.expect_navigation():
        page.get_by_role("link", name="下一页").click()
    query = parse_qs(urlsplit(page.url).query)
    assert query["type"] == ["true_false"] and query["page"] == ["2"] and "difficulty" not in query
    expect()(page.locator("#type")).to_have_value("true_false")
    expect()(page.locator("main > p[role=status]")).to_contain_text("第 2/150 页")
    walk.shot("bank-items")
    with page.expect_navigation():
        page.locator("table a").first.click()
    expect()(page.locator("h2", has_text="版本历史")).to_be_visible()
    assert "UTC" not in page.inner_text("main") and "哈希" not in page.inner_text("main")
    walk.shot("bank-item")


def arrange_sitting(walk: Walk, tag: str) -> str:
    page = walk.page
    walk.menu("考务安排")
    walk.shot("sittings")
    expect()(page.locator("label[for=starts_at]")).to_have_text("开考时间（北京时间）")

    site = f"演示第{tag}考点"
    page.fill("#area_code", "140105")
    page.fill("#site_code", "01")  # the demo's site has it
    page.fill("#site_name", site)
    page.fill("#address", "太原市迎泽区")
    walk.submit('form[action^="/admin/sites"]', "添加考点")
    walk.watch.refused(409, "/admin/sites")
    assert "地区140105已有考点代码01" in walk.alert()
    expect()(page.locator("#site_name")).to_have_value(site)
    expect()(page.locator("#address")).to_have_value("太原市迎泽区")
    walk.shot("sittings-refused")
    page.fill("#site_code", "71" if tag == "A" else "72")
    walk.submit('form[action^="/admin/sites"]', "添加考点")
    assert f"已添加考点“{site}”" in walk.done()

    room = f"第二考场{tag}"
    page.select_option("#site_id", label=site)
    page.fill("#room_name", room)
    page.fill("#seats", "10")
    page.fill("#columns", "20")
    walk.submit('form[action^="/admin/rooms"]', "添加考场")
    walk.watch.refused(422, "/admin/rooms")
    assert "每排座位数：每排座位数应为1到座位数之间" in walk.alert()
    expect()(page.locator("#room_name")).to_have_value(room)
    expect()(page.locator("#site_id option:checked")).to_have_text(site)
    page.fill("#seats", "60")
    page.fill("#columns", "10")
    walk.submit('form[action^="/admin/rooms"]', "添加考场")
    assert f"已添加考场“{room}”（60座，每排10座）" in walk.done()

    exam = f"煤矿安全检查作业理论考试{tag}"
    page.fill("#exam_name", exam)
    page.fill("#category", "煤矿安全检查作业")
    page.select_option("#blueprint", label="特种作业人员安全技术理论考试")
    page.get_by_label("煤矿安全检查作业（").check()
    page.fill("#required_hours", "72")
    walk.submit('form[action^="/admin/exams"]', "添加考试")
    assert f"已添加考试“{exam}”" in walk.done() and "题库：“煤矿安全检查作业”" in walk.done()

    starts = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    page.select_option("#exam_id", label=f"{exam}（煤矿安全检查作业）")
    page.select_option("#room_id", label=f"{site} / {room}（60 座）")
    page.fill("#starts_at", f"{starts.isoformat()}T09:00")
    walk.submit('form[action^="/admin/sittings#"]', "安排")
    assert f"{starts.year}年{starts.month}月{starts.day}日 09:00 开考" in walk.done()
    with page.expect_navigation():
        page.get_by_role("link", name=exam).click()
    url: str = page.url
    return url


def staff_the_sitting(walk: Walk, tag: str, sitting_url: str, tmp_path: Path) -> None:
    page = walk.page
    roster = tmp_path / f"roster-{tag}.csv"
    roster.write_bytes(roster_csv(tag))
    page.set_input_files("#roster", str(roster))
    page.get_by_role("button", name="导入并审查").click()  # sent by forms.js, with its progress
    expect()(page.locator(".notice.ok")).to_contain_text("已导入名单", timeout=30_000)
    assert page.url == sitting_url
    assert f"已导入名单“roster-{tag}.csv”：本场共3名考生，资格审查通过2人，未通过1人" in walk.done()

    page.get_by_role("button", name="从人员库随机抽取（2名监考员、1名主考官）").click()
    assert "与本场考生同一培训机构的人员" in walk.confirm()
    walk.watch.refused(409, urlsplit(sitting_url).path + "/staff")
    refused = walk.alert()
    assert "考务人员库中没有足够的主考官可抽取：需要1人，符合条件的只有0人" in refused
    assert "所在培训机构与本场考生的培训机构相同（教考分离）：1人（李主考）" in refused
    walk.shot("sitting-draw-refused")

    walk.menu("账号管理")
    page.fill("#username", "admin")
    page.fill("#display_name", f"孙主考{tag}")
    page.select_option("#role", "chief_examiner")
    page.fill("#password", "password-123")
    walk.submit('form[action="/admin/users"]', "添加")
    walk.watch.refused(409, "/admin/users")
    assert "用户名“admin”已存在" in walk.alert()
    expect()(page.locator("#display_name")).to_have_value(f"孙主考{tag}")
    expect()(page.locator("#role")).to_have_value("chief_examiner")
    people = [(f"e2e-chief-{tag}", f"孙主考{tag}", "chief_examiner"), (f"e2e-p1-{tag}", f"周监考{tag}", "proctor")]
    people.append((f"e2e-p2-{tag}", f"吴监考{tag}", "proctor"))
    for username, name, role in people:
        page.fill("#username", username)
        page.fill("#display_name", name)
        page.select_option("#role", role)
        page.fill("#password", "password-123")
        walk.submit('form[action="/admin/users"]', "添加")
        assert f"已添加账号“{username}”（{name}" in walk.done()
    walk.shot("users")

    walk.menu("考务人员库")
    for _, name, role in people:
        page.select_option("#user_id", label=f"{name}（{'主考官' if role == 'chief_examiner' else '监考员'}）")
        walk.submit('form[action="/admin/staff"]', "加入")
        assert f"已将{name}加入考务人员库" in walk.done()
    walk.shot("staff")

    walk.go(urlsplit(sitting_url).path)
    page.get_by_role("button", name="从人员库随机抽取（2名监考员、1名主考官）").click()
    walk.confirm()
    drawn = walk.done()
    assert drawn.startswith(f"已从人员库随机抽取主考官：孙主考{tag}；监考员：")
    assert f"周监考{tag}" in drawn and f"吴监考{tag}" in drawn

    walk.submit("main", "排座并生成准考证号")
    assert "已随机排座：2名考生，准考证号已生成" in walk.done()


def open_the_sitting(walk: Walk, sitting_url: str) -> None:
    page = walk.page
    page.get_by_role("button", name="检查题库并生成试卷").click()
    asked = walk.confirm(cancel=True)
    assert "锁定考生名单（3人，其中已排座2人）" in asked and "为2个座位各生成一份试卷" in asked
    assert "此操作不能撤销" in asked
    assert walk.watch.posts.count(urlsplit(sitting_url).path + "/open") == 0  # 取消 sent nothing
    page.get_by_role("button", name="检查题库并生成试卷").click()
    walk.shot("sitting-confirm")
    walk.confirm()
    assert "已生成试卷2份" in walk.done()
    expect()(page.get_by_role("button", name="检查题库并生成试卷")).to_have_count(0)
    walk.shot("sitting")
    with page.expect_navigation():
        page.get_by_role("link", name="打印准考证（2张）").click()
    expect()(page.locator("article.ticket")).to_have_count(2)
    walk.shot("tickets")


def arrange_an_assessment(walk: Walk, tag: str) -> None:
    """A teacher assessment on the demo's exam: its plan, the assessment, a candidate refused by
    a wrong ID number (named 身份证号, the typed number kept), then added."""
    page = walk.page
    walk.menu("考核管理")
    assert "/api/" not in page.inner_text("main")
    plan = f"师资考核方案{tag}"
    page.select_option("#preset", "teacher")
    page.fill("#plan_name", plan)
    page.fill("#category", "煤矿安全培训")
    page.select_option("#exam_id", label="煤矿安全检查作业 安全技术理论考试（演示）（及格80分）")
    walk.submit('form[action="/admin/assessments/plans"]', "新建方案")
    assert f"已新建考核方案“{plan}”" in walk.done()
    page.select_option("#plan_id", label=plan)
    page.fill("#name", f"师资考核{tag}")
    page.fill("#venue", "太原市安全培训考试中心")
    walk.submit('form[action="/admin/assessments"]', "新建")
    assert f"已新建考核“师资考核{tag}”" in walk.done()
    walk.shot("assessments")

    wrong = walk.demo_id_number[:-1] + ("0" if walk.demo_id_number[-1] != "0" else "1")
    page.fill("#id_number", wrong)
    page.fill("#institution", "晋安安全培训学校")
    walk.submit("main form", "加入名单")
    walk.watch.refused(422, urlsplit(page.url).path)
    assert "身份证号：" in walk.alert() and "id_number" not in walk.alert()
    expect()(page.locator("#id_number")).to_have_value(wrong)
    expect()(page.locator("#institution")).to_have_value("晋安安全培训学校")
    page.fill("#id_number", walk.demo_id_number)
    walk.submit("main form", "加入名单")
    assert "加入考核名单" in walk.done()
    walk.shot("assessment")


def look_at_the_other_admin_pages(walk: Walk) -> None:
    page = walk.page
    walk.menu("考务安排")
    sealed = page.locator("main table tr", has=page.locator(".state-sealed"))
    with page.expect_navigation():
        sealed.first.locator("a").first.click()
    assert "本场已由主考官封存" in page.inner_text("main")
    expect()(page.locator('main form[method="post"]')).to_have_count(0)  # nothing left to change
    walk.shot("sitting-sealed")
    walk.menu("考核管理")
    scored = page.locator("main table tr", has_text="进行中")
    with page.expect_navigation():
        scored.first.locator("a").first.click()
    expect()(page.locator("h2", has_text="考生与评分")).to_be_visible()
    walk.shot("assessment-scoring")
    for link, name in (
        ("组卷规则", "blueprints"),
        ("评委库", "judges"),
        ("实操题库", "tasks"),
        ("师资库", "teacher-pool"),
    ):
        walk.menu(link)
        assert "Field required" not in walk.page.inner_text("main")
        walk.shot(name)
    walk.menu("留痕查询")
    walk.page.fill("#chain", "sitting:1")
    walk.submit("main form", "查询并核验")
    walk.shot("trace")
    text = walk.page.inner_text("main")
    assert "核验通过" in text and "UTC" not in text and "命令行（root）" in text
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", text)


FORMS_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/examhall.css"><script src="/static/forms.js" defer></script></head><body>
<form id="plain" method="post" action="/forms-check/plain">
  <input name="x" value="1"><button type="submit" name="go" value="yes">提交</button></form>
<form id="asked" method="post" action="/forms-check/asked" data-confirm="将锁定名单：&#10;3人，不能撤销"
  data-confirm-title="确认测试" data-confirm-button="确认执行" data-busy="正在执行…">
  <button type="submit">执行</button></form>
</body></html>"""

# While the server has not answered, note what the form shows and try to send it again.
WATCH_SENDING = """(id) => {
  const form = document.getElementById(id);
  form.addEventListener("submit", () => setTimeout(() => {
    localStorage.setItem(id, JSON.stringify([form.querySelector("button").disabled, form.innerText]));
    form.requestSubmit();
  }, 100));
}"""


def test_forms_js_asks_first_and_sends_once(browser: Any, server: Server) -> None:
    """The contract of static/forms.js that every page relies on, on a page of its own: a POST
    form is sent once, with the button that sent it, and says so while it waits; a data-confirm
    form asks with its text (lines kept), and 取消 sends nothing."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    sent: list[str] = []

    def slow_server(route: Any) -> None:
        sent.append(f"{urlsplit(route.request.url).path} {route.request.post_data}")
        time.sleep(0.6)  # the page meanwhile shows that it is sending, and refuses to send again
        route.fulfill(body="<p id=done>ok</p>", content_type="text/html")

    page.route(server.base_url + "/forms-check", lambda route: route.fulfill(body=FORMS_PAGE, content_type="text/html"))
    page.route(server.base_url + "/forms-check/*", slow_server)
    try:
        page.goto(server.base_url + "/forms-check")
        page.evaluate(WATCH_SENDING, "plain")
        page.locator("#plain").get_by_role("button", name="提交").click()
        expect()(page.locator("#done")).to_be_visible()
        assert sent == ["/forms-check/plain x=1&go=yes"]
        disabled, text = json.loads(page.evaluate("localStorage.getItem('plain')"))
        assert disabled and "正在提交，请稍候…" in text

        page.goto(server.base_url + "/forms-check")
        page.evaluate(WATCH_SENDING, "asked")
        asked = page.locator("#asked")
        dialog = page.locator("dialog.confirm-dialog")
        asked.get_by_role("button", name="执行").click()
        expect()(dialog).to_be_visible()
        expect()(dialog.locator("h2")).to_have_text("确认测试")
        assert dialog.locator(".confirm-text").inner_text() == "将锁定名单：\n3人，不能撤销"
        dialog.get_by_role("button", name="取消").click()
        expect()(dialog).to_be_hidden()
        asked.get_by_role("button", name="执行").click()
        page.keyboard.press("Escape")
        expect()(dialog).to_be_hidden()
        page.wait_for_timeout(300)
        assert len(sent) == 1  # neither 取消 nor Escape sent anything
        asked.get_by_role("button", name="执行").click()
        dialog.get_by_role("button", name="确认执行").click()
        expect()(page.locator("#done")).to_be_visible()
        assert sent[1:] == ["/forms-check/asked None"]
        disabled, text = json.loads(page.evaluate("localStorage.getItem('asked')"))
        assert disabled and "正在执行…" in text
    finally:
        context.close()
