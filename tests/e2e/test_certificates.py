"""Certificates in a real browser, on a demo server of its own: an administrator issues the
published demo sitting's certificates through the confirmation, prints one (A4 and wallet size),
a phone opens /verify with the certificate's QR text and sees it valid; two administrators revoke
it, and the same QR text then shows it revoked. Screenshots land in tests/e2e/artifacts/certificates/."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server, serve_demo

pytestmark = pytest.mark.e2e
DESK, PHONE = {"width": 1366, "height": 768}, {"width": 390, "height": 844}


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


@pytest.fixture(scope="module")
def demo(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_demo(tmp_path_factory.mktemp("e2e-certificates")) as served:
        yield served


def _page(browser: Any, viewport: dict[str, int]) -> tuple[Any, list[str]]:
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def _log_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


def _fits(page: Any) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 1, page.url


def _shot(page: Any, artifacts: Path, name: str) -> None:
    _fits(page)
    size = page.viewport_size
    page.screenshot(
        path=str(artifacts / "certificates" / f"{name}-{size['width']}x{size['height']}.png"), full_page=True
    )


def _confirm(page: Any) -> str:
    dialog = page.locator("dialog.confirm-dialog[open]")
    expect()(dialog).to_be_visible()
    text: str = dialog.locator(".confirm-text").inner_text()
    with page.expect_navigation():
        dialog.locator(".confirm-ok").click()
    return text


def _verify_on_phone(browser: Any, demo: Server, artifacts: Path, qr_text: str, name: str) -> str:
    phone, errors = _page(browser, PHONE)
    phone.goto(f"{demo.base_url}/verify")
    _shot(phone, artifacts, "verify-form")
    phone.get_by_label("或粘贴二维码内容").fill(qr_text)
    with phone.expect_navigation():
        phone.get_by_role("button", name="查验二维码").click()
    verdict: str = phone.locator(".verdict .big").inner_text()
    _shot(phone, artifacts, name)
    assert not errors, errors
    phone.context.close()
    return verdict


def test_issue_print_verify_and_revoke(demo: Server, browser: Any, artifacts: Path) -> None:
    (artifacts / "certificates").mkdir(exist_ok=True)
    admin, errors = _page(browser, DESK)
    _log_in(admin, demo.base_url, "admin", "admin-demo")
    admin.get_by_role("link", name="证书管理").first.click()
    expect()(admin.get_by_role("heading", name="证书管理")).to_be_visible()
    _shot(admin, artifacts, "list-before")

    # the published demo sitting: its results, then 颁发证书
    admin.goto(f"{demo.base_url}/admin/sittings")
    admin.locator("tr", has=admin.locator(".state-sealed")).first.get_by_role("link").first.click()
    admin.get_by_role("link", name="成绩", exact=True).click()
    admin.get_by_role("link", name="颁发证书").click()
    button = admin.get_by_role("button", name=re.compile(r"颁发 \d+ 本证书"))
    count = int(re.search(r"\d+", button.inner_text()).group())  # type: ignore[union-attr]
    assert count >= 1
    _shot(admin, artifacts, "issue")
    button.click()
    said = _confirm(admin)
    assert f"{count} 名合格人员" in said
    expect()(admin.locator(".notice.ok")).to_contain_text(f"已颁发证书 {count} 本")
    held = admin.locator("table a", has_text="已持有")
    expect()(held).to_have_count(count)

    # print the first: A4, then the wallet card
    held.first.click()
    expect()(admin.locator("h1")).to_contain_text("有效")
    _shot(admin, artifacts, "detail")
    admin.get_by_role("link", name="打印证书（A4）").click()
    qr = admin.locator(".certificate .qr")
    expect()(qr.locator("svg")).to_be_visible()
    qr_text = qr.get_attribute("data-code")
    assert qr_text and "/verify?c=EHC1." in qr_text
    _shot(admin, artifacts, "print-a4")
    admin.emulate_media(media="print")
    admin.pdf(path=str(artifacts / "certificates" / "print-a4.pdf"), format="A4")
    admin.emulate_media(media="screen")
    admin.get_by_role("link", name="改为卡片（钱包大小）").click()
    expect()(admin.locator(".card-side")).to_have_count(2)
    _shot(admin, artifacts, "print-card")
    certificate_url = admin.url.split("/print")[0]

    assert _verify_on_phone(browser, demo, artifacts, qr_text, "verify-valid") == "有效"

    # one administrator proposes the revocation, another confirms it
    admin.goto(certificate_url)
    admin.get_by_label("理由").fill("以欺骗手段取得证书")
    admin.get_by_label("依据（法规条款）").fill("《特种作业人员安全技术培训考核管理规定》第四十条")
    with admin.expect_navigation():
        admin.get_by_role("button", name="提出撤销").click()
    expect()(admin.locator(".notice.ok")).to_contain_text("须由另一名管理员确认")
    assert admin.get_by_role("button", name="确认撤销").count() == 0
    _shot(admin, artifacts, "revoke-proposed")
    second, second_errors = _page(browser, DESK)
    _log_in(second, demo.base_url, "admin2", "admin2-demo")
    second.get_by_role("link", name="证书管理").first.click()
    expect()(second.locator("section.card")).to_contain_text("待确认的处理意见（1）")
    second.locator("section.card a").first.click()
    second.get_by_role("button", name="确认撤销").click()
    _confirm(second)
    expect()(second.locator("h1")).to_contain_text("已撤销")
    _shot(second, artifacts, "revoked")

    assert _verify_on_phone(browser, demo, artifacts, qr_text, "verify-revoked") == "已撤销"
    assert not errors and not second_errors, errors + second_errors
