"""What the admin's assessment pages say: each change what it did, a refusal its field in Chinese
with what was typed kept, no instruction to call the API, and a confirmation before opening."""

import html
import re
from typing import Any

from fastapi.testclient import TestClient

from tests.assessments.conftest import World


def _post(client: TestClient, url: str, **fields: Any) -> Any:
    return client.post(url, data=fields)


def _plan(world: World, name: str = "师资考核") -> Any:
    fields = {"preset": "teacher", "name": name, "category": "煤矿安全培训", "exam_id": world.exam_id}
    return _post(world.admin, "/admin/assessments/plans", **fields)


def test_the_page_explains_custom_plans_in_chinese_without_an_api_call(world: World) -> None:
    page = world.admin.get("/admin/assessments").text
    assert "/api/" not in page and "POST" not in page
    assert "交系统技术支持人员导入" in page


def test_a_new_plan_is_named_and_a_refused_one_keeps_what_was_typed(world: World) -> None:
    made = _plan(world)
    assert made.status_code == 200 and "已新建考核方案“师资考核”（师资考核，煤矿安全培训）" in made.text
    again = _post(
        world.admin,
        "/admin/assessments/plans",
        preset="special_operations",
        name="师资考核",
        category="煤矿井下电气作业",
        exam_id=world.exam_id,
    )
    assert again.status_code == 422 and "已有同名方案" in again.text
    assert 'value="师资考核"' in again.text and 'value="煤矿井下电气作业"' in again.text
    assert re.search(r'<option value="special_operations"\s+selected>', again.text)


def test_a_wrong_id_number_is_named_in_chinese_and_kept(world: World) -> None:
    _plan(world)
    plan = world.admin.get("/api/v1/assessments/plans").json()[0]["id"]
    created = _post(world.admin, "/admin/assessments", plan_id=plan, name="第一批", held_on="2099-05-01", panel_size=3)
    assert "已新建考核“第一批”" in created.text
    url = str(created.url)
    refused = _post(world.admin, url, action="candidate", id_number="110101199003070000", institution="晋安培训中心")
    assert refused.status_code == 422
    text = html.unescape(re.sub(r"<[^>]+>", "", refused.text))
    assert "身份证号：" in text and "id_number" not in text
    assert 'value="110101199003070000"' in refused.text and 'value="晋安培训中心"' in refused.text
    added = _post(world.admin, url, action="candidate", id_number=world.candidates[0], institution="晋安培训中心")
    assert re.search(r"已将\S+加入考核名单", added.text)
    form = re.search(r'data-confirm="(开始考核后[^"]*)"', added.text)
    assert form and "考生名单（1人）" in html.unescape(form.group(1)) and "不能撤销" in html.unescape(form.group(1))
