"""The end of a sitting in a real browser, as the chief examiner and the admin live it: the chief
reviews the sitting record and seals it, asked first with the counts (cancelling changes nothing);
the admin sees the results checked against the trace and publishes them, asked first; a candidate
appeals on their phone; the admin regrades from the trace and proposes; the chief finds the
proposal waiting at /appeals and confirms it. Screenshots land in tests/e2e/artifacts/."""

import re
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_candidate import expect
from tests.e2e.test_proctoring import staff_log_in
from tests.e2e.test_room import DESKTOP, PHONE, Admin, Api, open_page

pytestmark = pytest.mark.e2e
NO_SIDEWAYS_JS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _held(playwright: Any, server: Server, admin: Admin) -> tuple[int, tuple[str, str, str], tuple[str, str]]:
    """A sitting of one candidate who answers and submits: its id, the candidate, and its chief's login."""
    mark = secrets.randbelow(10**6)
    chief_login = (f"e2e-chief-{mark}", f"e2e-chief-{mark}-e2e-password")
    proctor_login = (f"e2e-proctor-{mark}", f"e2e-proctor-{mark}-e2e-password")
    admin.staff_member(chief_login[0], "chief_examiner")
    admin.staff_member(proctor_login[0], "proctor")
    made = admin.sitting(
        seats=6, columns=3, candidates=1, starts_in=timedelta(seconds=2), staff=(chief_login[0], proctor_login[0])
    )
    ticket, id_number, name = made.tickets[0]
    candidate = playwright.request.new_context(base_url=server.base_url)
    login = candidate.post("/api/v1/delivery/login", data={"ticket": ticket, "id_number": id_number})
    assert login.ok, login.text()
    attempt, token = login.json()["attempt"], login.json()["csrf_token"]
    proctor = Api(playwright, server.base_url, proctor_login)
    proctor.post(f"/api/v1/delivery/sittings/{made.sitting}/authorize", {"all": True})
    proctor.close()
    headers = {"X-CSRF-Token": token}
    for _ in range(40):  # the sitting starts two seconds after it was made
        if candidate.post(f"/api/v1/delivery/attempts/{attempt}/start", headers=headers).ok:
            break
        time.sleep(0.25)
    entries = [{"seq": n, "n": n, "response": n % 3 == 0} for n in range(1, 71)]
    assert candidate.post(f"/api/v1/delivery/attempts/{attempt}/answers", headers=headers, data={"entries": entries}).ok
    assert candidate.post(f"/api/v1/delivery/attempts/{attempt}/submit", headers=headers).ok
    candidate.dispose()
    return made.sitting, (ticket, id_number, name), chief_login


def _confirm(page: Any, button: Any, *, expect_text: str, cancel_first: bool = True) -> None:
    """Click `button`, read the confirmation (cancelling it once, which sends nothing), confirm."""
    check = expect()
    dialog = page.locator("dialog.confirm-dialog")
    if cancel_first:
        url = page.url
        button.click()
        check(dialog).to_be_visible()
        check(dialog).to_contain_text(expect_text)
        dialog.get_by_role("button", name="取消").click()
        check(dialog).to_be_hidden()
        assert page.url == url
    button.click()
    check(dialog).to_be_visible()
    check(dialog).to_contain_text(expect_text)
    dialog.locator("button.confirm-ok").click()


def test_the_chief_seals_the_admin_publishes_and_an_appeal_is_decided(
    server: Server, browser: Any, playwright: Any, artifacts: Path
) -> None:
    check = expect()
    admin_api = Admin(playwright, server.base_url, ("admin", "admin-demo"))
    try:
        sitting, (ticket, id_number, name), chief_login = _held(playwright, server, admin_api)
    finally:
        admin_api.close()
    record, results = f"/sittings/{sitting}/record", f"/sittings/{sitting}/results"

    # The chief examiner: from their assignments to the record, then the seal.
    chief_context, chief, chief_problems = open_page(browser, DESKTOP)
    staff_log_in(chief, server, chief_login, "/staff/sittings")
    chief.get_by_role("link", name="考场记录").first.click()
    chief.wait_for_url(re.compile(re.escape(record) + "$"))
    check(chief.locator("h1")).to_have_text("考场记录")
    check(chief.locator("main")).to_contain_text(name)
    chief.get_by_label("备注（监考员填写）").fill("考场秩序良好。")
    chief.get_by_role("button", name="保存备注").click()
    check(chief.get_by_role("status").first).to_contain_text("备注已保存")
    chief.screenshot(path=str(artifacts / "chief-record-1366x768.png"), full_page=True)
    _confirm(chief, chief.get_by_role("button", name="审核并封存本场"), expect_text="已交卷 1 人")
    check(chief.locator("h1")).to_contain_text("已封存")
    check(chief.get_by_role("status").first).to_contain_text("本场已封存")
    check(chief.locator("main")).to_contain_text("核验通过")
    check(chief.locator(".seal-proof")).to_contain_text("封存核验码")
    check(chief.get_by_role("button", name="审核并封存本场")).to_have_count(0)
    chief.screenshot(path=str(artifacts / "chief-sealed-1366x768.png"), full_page=True)

    # The admin: the results, checked against the trace, published after a confirmation.
    admin_context, admin, admin_problems = open_page(browser, DESKTOP)
    staff_log_in(admin, server, ("admin", "admin-demo"), results)
    check(admin.locator("main")).to_contain_text("成绩核验通过")
    _confirm(admin, admin.get_by_role("button", name="发布成绩"), expect_text="合格 0 人；不合格 1 人")
    check(admin.get_by_role("status").first).to_contain_text("成绩已发布")
    check(admin.get_by_role("button", name="发布成绩")).to_have_count(0)
    admin.screenshot(path=str(artifacts / "admin-published-1366x768.png"), full_page=True)

    # The candidate, on a phone: the result, and an appeal.
    phone_context, phone, phone_problems = open_page(browser, PHONE)
    phone.goto(f"{server.base_url}/results")
    phone.get_by_label("准考证号").fill(ticket)
    phone.get_by_label("身份证号").fill(id_number)
    phone.get_by_role("button", name="查询").click()
    check(phone.locator("main")).to_contain_text("不合格")
    phone.get_by_label(re.compile("申请复核")).fill("第3题应为正确，申请复核")
    phone.get_by_role("button", name="申请复核").click()
    check(phone.locator("main")).to_contain_text("复核申请已提交")
    assert phone.evaluate(NO_SIDEWAYS_JS)
    phone.screenshot(path=str(artifacts / "candidate-appealed-390x844.png"), full_page=True)

    # The admin finds it waiting, regrades it from the trace and proposes the outcome.
    admin.goto(f"{server.base_url}/appeals")
    row = admin.locator("tr", has_text="第3题应为正确")
    check(row).to_contain_text("待重新评分")
    row.get_by_role("link", name="处理").click()
    admin.get_by_role("button", name="按留痕重新评分").click()
    check(admin.get_by_role("status").first).to_contain_text("已按留痕重新评分")
    admin.get_by_label("复核意见").fill("按留痕重新评分，成绩无误")
    _confirm(admin, admin.get_by_role("button", name="提交主考官确认"), expect_text="主考官确认", cancel_first=False)
    check(admin.get_by_role("status").first).to_contain_text("已提交主考官确认")

    # The chief examiner finds the proposal waiting and confirms it.
    chief.goto(f"{server.base_url}/appeals")
    row = chief.locator("tr", has_text="第3题应为正确")
    check(row).to_contain_text("待主考官确认")
    chief.screenshot(path=str(artifacts / "chief-appeals-1366x768.png"), full_page=True)
    row.get_by_role("link", name="处理").click()
    _confirm(chief, chief.get_by_role("button", name="确认", exact=True), expect_text="维持该考生原成绩")
    check(chief.get_by_role("status").first).to_contain_text("复核后维持原成绩")
    check(chief.locator("main")).to_contain_text("成绩核验通过")
    chief.screenshot(path=str(artifacts / "chief-appeal-decided-1366x768.png"), full_page=True)

    for context in (chief_context, admin_context, phone_context):
        context.close()
    assert chief_problems == [] and admin_problems == [] and phone_problems == [], (
        chief_problems,
        admin_problems,
        phone_problems,
    )
