"""The bank pages as an administrator uses them: searching with 全部 and paging with the filters
kept, the empty template refused with its name and the typed values kept, bank names before
codes, and an item's history in local time by person, without hashes."""

import html
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from examhall.banks import service
from examhall.banks.service import shipped_dir
from examhall.db import Database
from examhall.trace.service import Actor
from tests.conftest import form_token

ALL = {"q": "", "type": "", "category": "", "knowledge_point": "", "difficulty": "", "status": "active"}


@pytest.fixture
def admin(staff_client: Callable[..., TestClient], database: Database) -> TestClient:
    path = shipped_dir() / "coal-safety-check.yaml"
    with database.transaction() as db:
        root = Actor("cli:root", "system", "cli")
        service.import_file(db, code="coal-safety-check", filename=path.name, data=path.read_bytes(), actor=root)
    client: TestClient = staff_client("admin")
    return client


def _next_link(page: str) -> str:
    found = re.search(r'<a href="([^"]+)" rel="next">下一页</a>', page)
    assert found, "no 下一页 link"
    return html.unescape(found.group(1))


def test_a_search_with_every_filter_at_all_lists_everything(admin: TestClient) -> None:
    page = admin.get("/admin/banks/coal-safety-check", params=ALL)
    assert page.status_code == 200, page.text
    assert "共 250 题，第 1/5 页" in page.text


def test_paging_keeps_the_filters_and_drops_the_empty_ones(admin: TestClient) -> None:
    first = admin.get("/admin/banks/coal-safety-check", params={**ALL, "type": "true_false"})
    assert first.status_code == 200
    total = int(re.search(r"共 (\d+) 题", first.text).group(1))  # type: ignore[union-attr]
    assert total > 50
    link = _next_link(first.text)
    query = parse_qs(urlsplit(link).query)
    assert query == {"type": ["true_false"], "status": ["active"], "page": ["2"]}
    second = admin.get("/admin/banks/coal-safety-check" + link)
    assert second.status_code == 200 and f"共 {total} 题，第 2/" in second.text
    assert "判断题" in second.text and "单选题</td>" not in second.text


def test_a_page_past_the_end_or_not_a_number_is_no_error(admin: TestClient) -> None:
    assert "第 5/5 页" in admin.get("/admin/banks/coal-safety-check", params={"page": "99"}).text
    assert "第 1/5 页" in admin.get("/admin/banks/coal-safety-check", params={"page": "", "difficulty": "x"}).text


def test_the_empty_template_is_refused_naming_the_file_and_keeping_the_typed_values(
    admin: TestClient, database: Database
) -> None:
    token = form_token(admin, "/admin/banks")
    refused = admin.post(
        "/admin/banks/import",
        data={"csrf_token": token, "code": "new-bank", "name": "新题库", "dry_run": ""},
        files={"file": ("template.xlsx", (shipped_dir() / "template.xlsx").read_bytes())},
    )
    assert refused.status_code == 422
    assert "template.xlsx：文件中没有可导入的试题" in refused.text
    assert "“template.xlsx”导入未完成" in refused.text
    assert 'value="new-bank"' in refused.text and 'value="新题库"' in refused.text
    with database.transaction(write=False) as db:
        assert [b.code for b, _ in service.list_banks(db)] == ["coal-safety-check"]


def test_the_bank_list_leads_with_names(admin: TestClient) -> None:
    page = admin.get("/admin/banks").text
    assert '<a href="/admin/banks/coal-safety-check">煤矿安全检查作业</a>' in page
    assert '<span class="code" title="命令行中使用的题库代码">代码 coal-safety-check</span>' in page


def test_an_items_history_is_in_local_time_by_person_without_hashes(admin: TestClient, database: Database) -> None:
    with database.transaction(write=False) as db:
        _, rows, _ = service.search_items(db, code="coal-safety-check", where=service.ItemFilter(), limit=1)
        item, version = rows[0]
    page = admin.get(f"/admin/banks/coal-safety-check/items/{item.key}").text
    history = page[page.index("版本历史") :]
    assert "命令行（root）" in history and "cli:root" not in history
    assert "UTC" not in history and "哈希" not in history and version.content_hash[:16] not in history
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", history)


def test_a_refused_edit_keeps_what_was_typed(admin: TestClient, database: Database) -> None:
    with database.transaction(write=False) as db:
        where = service.ItemFilter(type="single_choice")
        _, rows, _ = service.search_items(db, code="coal-safety-check", where=where, limit=1)
    key = rows[0][0].key
    form = {
        "csrf_token": form_token(admin, "/admin/banks"),
        "type": "single_choice",
        "stem": "改过的题干：瓦斯爆炸的下限浓度是（  ）",
        "option_a": "3%",
        "option_b": "5%",
        "answer": "AB",
        "difficulty": "4",
        "source": "national",
    }
    refused = admin.post(f"/admin/banks/coal-safety-check/items/{key}", data=form)
    assert refused.status_code == 422 and "单选题只能有一个答案" in refused.text
    assert "改过的题干：瓦斯爆炸的下限浓度是（  ）</textarea>" in refused.text
    assert 'value="AB"' in refused.text and '<option value="4" selected>' in refused.text
