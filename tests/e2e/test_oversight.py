"""An administrator reads oversight in a real browser on the demo server: the pass-rate page with
its charts drawn, filtered by a training institution, exported to Excel; the demo bank's
analysis narrowed to flagged items, one of them opened with its options charted and a link to
revise it; the printable monthly report. No page logs an error, asks another host, or is wider
than a phone's screen. Screenshots land in tests/e2e/artifacts/oversight/."""

import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openpyxl
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

INSTITUTION = "阳泉安全技术培训学校"


def _watch(page: Any, base: str) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("request", lambda r: None if r.url.startswith((base, "data:")) else problems.append(f"outside: {r.url}"))
    return problems


def _log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "admin-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def _no_sideways_scroll(page: Any) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 1, f"{page.url} is {wide}px wider than the screen"


def test_an_administrator_reads_rates_exports_and_opens_a_flagged_item(
    server: Server, browser: Any, artifacts: Path
) -> None:
    shots = artifacts / "oversight"
    shots.mkdir(parents=True, exist_ok=True)
    base = server.base_url
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page, base)
    _log_in(page, base)

    page.click("nav >> text=监管分析")
    page.wait_for_url(re.compile(r"/oversight$"))
    page.wait_for_selector(".chart svg .ct-line", state="attached")  # Chartist drew the trend
    assert page.locator(".chart svg .ct-bar").count() > 0
    assert page.locator("table.rates tbody tr").count() >= 3  # the demo's three institutions
    page.screenshot(path=str(shots / "pass-rates-1366.png"), full_page=True)

    page.select_option("select[name=institution]", label=INSTITUTION)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"institution=\d+"))
    page.wait_for_selector(".chart svg .ct-line", state="attached")
    rows = page.locator("table.rates").first.locator("tbody tr")
    assert rows.count() == 1 and INSTITUTION in rows.first.inner_text()
    page.screenshot(path=str(shots / "pass-rates-institution-1366.png"), full_page=True)

    with page.expect_download() as download:
        page.click("text=导出 Excel")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    table = list(book["合格率"].iter_rows(values_only=True))
    assert table[0][0] == "培训机构" and table[1][0] == INSTITUTION and len(table) == 2
    assert isinstance(table[1][1], int) and table[1][1] > 0

    page.click(".oversight-tabs >> text=试题分析")
    page.click("text=煤矿安全检查作业")
    page.click("text=只看有提示的试题")
    page.wait_for_url(re.compile(r"flagged=1"))
    flagged = page.locator("table.items-analysis tbody tr")
    assert flagged.count() > 0
    assert "区分度为负" in page.locator("table.items-analysis").inner_text()
    negative = flagged.filter(has_text="区分度为负").first
    negative.locator("a").first.click()
    page.wait_for_selector(".chart svg .ct-bar", state="attached")
    assert "区分度为负" in page.locator(".notice.bad").inner_text()
    revise = page.locator("text=修改或停用这道试题")
    href = revise.get_attribute("href") or ""
    assert re.fullmatch(r"/admin/banks/[^/]+/items/[^/]+", href), href
    page.screenshot(path=str(shots / "item-analysis-1366.png"), full_page=True)
    revise.click()
    page.wait_for_url(re.compile(r"/admin/banks/.+/items/"))
    assert page.locator("text=这道试题的作答分析").count() == 1

    page.goto(f"{base}/oversight/report")
    page.wait_for_selector(".chart svg .ct-line", state="attached")
    page.screenshot(path=str(shots / "monthly-report-1366.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(shots / "monthly-report-print.png"), full_page=True)
    page.emulate_media(media="screen")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    problems += _watch(phone, base)
    _log_in(phone, base)
    for path in ("/oversight", "/oversight/report", "/oversight/sittings", "/oversight/anomalies"):
        phone.goto(f"{base}{path}")
        phone.wait_for_load_state("networkidle")
        _no_sideways_scroll(phone)
    phone.goto(f"{base}/oversight")
    phone.wait_for_selector(".chart svg .ct-line", state="attached")
    phone.screenshot(path=str(shots / "pass-rates-390.png"), full_page=True)
    assert not problems, problems
    assert all(urlsplit(u).netloc for u in [base])
