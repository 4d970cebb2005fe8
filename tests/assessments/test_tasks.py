"""The practical task bank: versioned like items (versions never change, the database refuses
it), every change traced; one task drawn at random per candidate and subject, from the tasks in
force of the 工种 and subject, shown to the examiners and on the candidate's task card."""

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from examhall.trace import service as trace
from tests.assessments.conftest import World

CATEGORY = "煤矿井下电气作业"
K2 = [("preparation", 20), ("steps", 40), ("standard", 30), ("finish", 10)]


def _task(world: World, code: str, subject: str = "K2", category: str = CATEGORY, **extra: Any) -> Any:
    body = {
        "code": code,
        "category": category,
        "subject": subject,
        "title": f"{code} 任务",
        "instructions": f"完成{code}的操作",
        "equipment": "验电器、绝缘手套",
        "minutes": 15,
        **extra,
    }
    return world.admin.post("/api/v1/assessments/tasks", json=body)


def _practical_plan(world: World) -> int:
    plan = {
        "name": "电气作业实操（K2）",
        "kind": "special_operations",
        "category": CATEGORY,
        "pass_mark": 80,
        "parts": [
            {"key": "knowledge", "kind": "computer", "weight": 0, "pass_mark": 80, "exam_id": world.exam_id},
            {
                "key": "K2",
                "kind": "K2",
                "weight": 100,
                "criteria": [{"key": k, "name": k, "max": m} for k, m in K2],
            },
        ],
    }
    made = world.admin.post("/api/v1/assessments/plans", json=plan)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_tasks_are_versioned_and_traced_and_versions_never_change(world: World) -> None:
    assert _task(world, "DQ-K2-001").json() == {"id": 1, "version": 1}
    refused = _task(world, "DQ-K2-001", subject="K9", title=" ", minutes=0)
    assert refused.status_code == 422
    assert {p["where"] for p in refused.json()["problems"]} == {"code", "subject", "title", "minutes"}
    revise = "/api/v1/assessments/tasks/1/versions"
    body = {"title": "停送电操作", "instructions": "按停电、验电、放电、挂接地线的顺序操作", "minutes": 20}
    assert world.admin.post(revise, json=body).json()["version"] == 2
    assert world.admin.post(revise, json=body).json()["version"] == 2  # unchanged: no new version
    listed = world.admin.get("/api/v1/assessments/tasks").json()
    assert (listed[0]["version"], listed[0]["title"], listed[0]["minutes"]) == (2, "停送电操作", 20)
    assert world.admin.post("/api/v1/assessments/tasks/1/retire").status_code == 204
    assert world.admin.post("/api/v1/assessments/tasks/1/retire").status_code == 409
    assert world.admin.post(revise, json=body).status_code == 409
    with world.database.transaction(write=False) as db:
        actions = [(e.action, e.subject) for e in trace.events(db, "practical-tasks")]
    assert actions == [
        ("task.added", "task:DQ-K2-001"),
        ("task.revised", "task:DQ-K2-001"),
        ("task.retired", "task:DQ-K2-001"),
    ]
    with pytest.raises(DatabaseError), world.database.engine.begin() as conn:
        conn.execute(text("UPDATE practical_task_versions SET title = 'x'"))
    with pytest.raises(DatabaseError), world.database.engine.begin() as conn:
        conn.execute(text("DELETE FROM practical_task_versions"))


def test_a_task_is_drawn_at_random_from_the_subjects_tasks_in_force(world: World) -> None:
    for code in ("DQ-K2-001", "DQ-K2-002", "DQ-K2-003"):
        _task(world, code)
    _task(world, "DQ-K2-OLD")
    world.admin.post("/api/v1/assessments/tasks/4/retire")
    _task(world, "DQ-K1-001", subject="K1")
    _task(world, "JC-K2-001", category="煤矿安全检查作业")
    plan = _practical_plan(world)
    aid = world.assessment(plan, candidates=[(n, "") for n in world.candidates])
    entries = world.entries(aid)
    judge = world.panel(aid)[0]
    marks = {k: str(m) for k, m in K2}
    early = world.score(aid, entries[0], judge, marks, part="K2")
    assert early.status_code == 409 and "抽取" in early.json()["message"]
    not_practical = world.chief.post(f"/api/v1/assessments/{aid}/entries/{entries[0]}/parts/knowledge/task")
    assert not_practical.status_code == 409 and "K1-K4" in not_practical.json()["message"]
    drawn = set()
    for entry in entries:
        made = world.chief.post(f"/api/v1/assessments/{aid}/entries/{entry}/parts/K2/task")
        assert made.status_code == 200 and made.json()["from"] == 3, made.text
        drawn.add(world.detail(aid)["cells"][entries.index(entry)]["task"])
    assert drawn <= {"DQ-K2-001", "DQ-K2-002", "DQ-K2-003"}
    again = world.chief.post(f"/api/v1/assessments/{aid}/entries/{entries[0]}/parts/K2/task")
    assert again.status_code == 409
    assert world.admin.post(f"/api/v1/assessments/{aid}/entries/{entries[0]}/parts/K2/task").status_code == 403

    sheet = world.client(judge).get(f"/api/v1/assessments/judging/{aid}/entries/{entries[0]}/parts/K2").json()
    assert sheet["task"]["code"] in drawn and sheet["task"]["instructions"].startswith("完成DQ-K2-")
    page = world.client(judge).get(f"/judge/assessments/{aid}/entries/{entries[0]}/parts/K2")
    assert sheet["task"]["title"] in page.text and "验电器" in page.text
    overview = world.chief.get(f"/assessments/{aid}")
    assert overview.status_code == 200 and f"{sheet['task']['code']} {sheet['task']['title']}" in overview.text
    card = world.chief.get(f"/assessments/{aid}/entries/{entries[0]}/parts/K2/task")
    assert card.status_code == 200 and sheet["task"]["title"] in card.text and "限时 15 分钟" in card.text
    assert world.score(aid, entries[0], judge, marks, part="K2").json()["total"] == "100.00"
    with world.database.transaction(write=False) as db:
        event = next(e for e in trace.events(db, f"assessment:{aid}") if e.action == "task.drawn")
    payload = json.loads(event.payload)
    assert payload["part"] == "K2" and len(payload["from"]) == 3 and len(payload["content_hash"]) == 64
    assert event.actor == "chief_w"


def test_a_subject_with_no_tasks_in_force_cannot_be_drawn(world: World) -> None:
    plan = _practical_plan(world)
    aid = world.assessment(plan, candidates=[(world.candidates[0], "")])
    (entry,) = world.entries(aid)
    refused = world.chief.post(f"/api/v1/assessments/{aid}/entries/{entry}/parts/K2/task")
    assert refused.status_code == 409 and CATEGORY in refused.json()["message"]
