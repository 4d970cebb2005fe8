"""The pages: an admin arranges an assessment by forms, a judge scores on the score sheet, the
chief examiner resolves and seals; refusals come back on the page in Chinese. (Who may call each
route is proven for every package at once in tests/test_access_matrix.py.)"""

from typing import Any

from fastapi.testclient import TestClient

from tests.assessments.conftest import World, lecture_marks


def _form(client: TestClient, url: str, **fields: Any) -> Any:
    return client.post(url, data=fields, follow_redirects=False)


def test_an_admin_arranges_an_assessment_by_forms(world: World) -> None:
    admin = world.admin
    page = admin.get("/admin/assessments")
    assert page.status_code == 200 and "新建考核方案" in page.text
    made = _form(
        admin,
        "/admin/assessments/plans",
        preset="teacher",
        name="师资考核",
        category="煤矿安全培训",
        exam_id=world.exam_id,
    )
    assert made.status_code == 303
    again = _form(
        admin,
        "/admin/assessments/plans",
        preset="teacher",
        name="师资考核",
        category="煤矿安全培训",
        exam_id=world.exam_id,
    )
    assert again.status_code == 422 and "已有同名方案" in again.text
    plan = admin.get("/api/v1/assessments/plans").json()[0]["id"]
    created = _form(
        admin, "/admin/assessments", plan_id=plan, name="第一批师资考核", held_on="2099-05-01", panel_size=3
    )
    assert created.status_code == 303
    url = created.headers["location"]
    early = _form(admin, url, action="open")
    assert early.status_code == 409 and "考核名单为空" in early.text
    assert (
        _form(admin, url, action="candidate", id_number=world.candidates[0], institution="晋安培训中心").status_code
        == 303
    )
    unknown = _form(admin, url, action="candidate", id_number="110101199003070000")
    assert unknown.status_code == 422 and "身份证号" in unknown.text
    assert _form(admin, url, action="chief", user_id=world.chief_user).status_code == 303
    assert _form(admin, url, action="draw").status_code == 303
    assert _form(admin, url, action="open").status_code == 303
    shown = admin.get(url)
    assert shown.status_code == 200 and "王老师" in shown.text and "进行中" in shown.text
    assert _form(admin, url, action="seal").status_code == 422  # the chief examiner's, not the admin's
    assert admin.get("/assessments", follow_redirects=False).status_code == 303


def test_a_judge_scores_on_the_score_sheet(world: World) -> None:
    plan = world.teacher_plan()
    aid = world.assessment(plan, candidates=[(world.candidates[0], "")])
    (entry,) = world.entries(aid)
    first, second, third = world.panel(aid)
    judge = world.client(first)
    home = judge.get("/judge")
    assert home.status_code == 200 and f"/judge/assessments/{aid}" in home.text
    assert "待评分" in judge.get(f"/judge/assessments/{aid}").text
    url = f"/judge/assessments/{aid}/entries/{entry}/parts/lecture"
    sheet = judge.get(url)
    assert sheet.status_code == 200 and 'max="30"' in sheet.text and 'step="0.5"' in sheet.text
    assert "/judge/score.js" in sheet.text
    keys = ["accuracy", "practice", "cases", "delivery", "timing"]
    bad = judge.post(url, data={"action": "submit", "key": keys, "mark": ["31", "15", "15", "15", "7"]})
    assert bad.status_code == 422 and "内容准确" in bad.text and "0到30之间" in bad.text
    assert 'value="31"' in bad.text  # what was entered stays in the form
    done = judge.post(url, data={"action": "submit", "key": keys, "mark": ["25", "15", "15", "15", "7"]})
    assert done.status_code == 200 and "我的评分（已提交）" in done.text and "77.00" in done.text
    assert "已有 1/3 位评委提交" in done.text and "评委组成绩" not in done.text
    score_id = judge.get(f"/api/v1/assessments/judging/{aid}").json()["cells"][0]["mine"]["id"]
    no_reason = judge.post(url, data={"action": "reopen", "score_id": score_id, "reason": ""})
    assert no_reason.status_code == 422 and "理由" in no_reason.text
    reopened = judge.post(url, data={"action": "reopen", "score_id": score_id, "reason": "第一项录入有误"})
    assert "评分已重新打开（第一项录入有误）" in reopened.text and 'value="25"' in reopened.text
    judge.post(url, data={"action": "submit", "key": keys, "mark": ["26", "15", "15", "15", "7"]})
    for other in (second, third):
        world.score(aid, entry, other, lecture_marks(80))
    complete = judge.get(url)
    assert "评委组成绩：79.33" in complete.text and "重新打开我的评分" not in complete.text
    script = TestClient(world.app).get("/judge/score.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    declared = judge.post("/judge/conflicts", data={"institution": "大同安全学校", "reason": "曾任教"})
    assert "回避申报已记录" in declared.text


def test_the_chief_examiner_resolves_and_seals_from_the_page(world: World) -> None:
    plan = world.teacher_plan()
    aid = world.assessment(plan, candidates=[(world.candidates[0], "")])
    (entry,) = world.entries(aid)
    for judge, total in zip(world.panel(aid), (95, 75, 70), strict=True):
        world.score(aid, entry, judge, lecture_marks(total))
    chief = world.chief
    assert f"/assessments/{aid}" in chief.get("/assessments").text
    url = f"/assessments/{aid}"
    page = chief.get(url)
    assert "分差25.00超过15.00分，待主考官处理" in page.text and "认可" in page.text
    refused = _form(chief, url, action="seal")
    assert refused.status_code == 409 and "分差" in refused.text
    assert _form(chief, url, action="accept", entry_id=entry, part="lecture", note="合议后认可").status_code == 303
    assert _form(chief, url, action="seal").status_code == 303
    sealed = chief.get(url)
    assert (
        "由 chief_w 于" in sealed.text
        and "已封存" in sealed.text
        and "封存根" in sealed.text
        and "80.00" in sealed.text
    )
    assert _form(chief, url, action="absent", entry_id=entry).status_code == 409


def test_the_admin_pages_of_judges_tasks_and_the_pool(world: World) -> None:
    admin = world.admin
    assert "评委单位1" in admin.get("/admin/judges").text
    assert (
        _form(admin, "/admin/judges", action="add", user_id=world.user_id("judge1"), institution="新单位").status_code
        == 303
    )
    assert "新单位" in admin.get("/admin/judges").text
    conflict = _form(admin, "/admin/judges", action="conflict", user_id=world.user_id("judge1"), reason="x")
    assert conflict.status_code == 422 and "二选一" in conflict.text
    assert (
        _form(
            admin,
            "/admin/judges",
            action="conflict",
            user_id=world.user_id("judge1"),
            id_number=world.candidates[0],
            reason="亲属",
        ).status_code
        == 303
    )
    assert "亲属" in admin.get("/admin/judges").text
    task = {"code": "K1-001", "category": "煤矿井下电气作业", "subject": "K1", "title": "绝缘手套检查", "minutes": 10}
    assert _form(admin, "/admin/tasks", action="add", instructions="检查并正确佩戴绝缘手套", **task).status_code == 303
    assert _form(admin, "/admin/tasks", action="add", instructions="", **task).status_code == 422
    revised = {"task_id": 1, "title": "绝缘手套检查与使用", "instructions": "检查、佩戴", "minutes": 10}
    assert _form(admin, "/admin/tasks", action="revise", **revised).status_code == 303
    assert "绝缘手套检查与使用" in admin.get("/admin/tasks").text
    assert _form(admin, "/admin/tasks", action="retire", task_id=1).status_code == 303
    assert "已停用" in admin.get("/admin/tasks").text
    pool = admin.get("/teacher-pool")
    assert pool.status_code == 200 and "师资库为空" in pool.text and "3年内有效" in pool.text
