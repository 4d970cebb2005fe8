"""Assessments end to end: the computer part is the candidate's published result (only once its
sitting is sealed and published), weighted with the judged part and gated; the knowledge exam
admits the practical for 12 months; the seal fixes the results, fills the teacher pool, covers
the chains, and refuses every later change; every step is on the assessment's chain."""

import io
import json
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from examhall import clock
from examhall.assessments import sealing
from examhall.assessments.models import JudgeScore, PoolEntry
from examhall.assessments.scoring import add_months
from examhall.banks.items import LABELS
from examhall.delivery.models import Attempt
from examhall.papers import service as papers
from examhall.papers.scoring import shown_key
from examhall.trace import service as trace
from tests.assessments.conftest import World, lecture_marks, make_world
from tests.conftest import add_staff, log_in
from tests.delivery.conftest import Room, later
from tests.grading.conftest import chief as sitting_chief
from tests.sittings.conftest import ZONE


def _held_world(held: Room) -> World:
    world = make_world(held.app, held.database, exam_id=held.arranged.exam_id)
    for n in range(1, 6):
        world.add_judge(f"judge{n}", f"评委单位{n}")
    return world


def _answer(view: Any, n: int, right: bool) -> Any:
    version, _, order = view.choices[n - 1]
    if version.type == "true_false":
        return bool(version.answer) == right
    key = sorted(shown_key(version.answer, order))
    wrong = [i for i in range(len(version.options)) if i not in key][:1]
    return "".join(LABELS[i] for i in (key if right else wrong))


def _sit(room: Room, scores: list[int]) -> Room:
    """The first candidates sit the exam and earn these scores (one point an item, the items
    answered right from the first); the others never come; the sitting's time runs out."""
    for k, score in enumerate(scores):
        browser, attempt = room.started(k)
        with room.database.transaction(write=False) as db:
            view = papers.paper_view(db, db.get(Attempt, attempt).paper_id)  # type: ignore[union-attr]
        entries = [{"seq": n, "n": n, "response": _answer(view, n, n <= score)} for n in range(1, len(view.items) + 1)]
        assert (
            browser.post(f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": entries}).status_code == 200
        )
        assert browser.post(f"/api/v1/delivery/attempts/{attempt}/submit").status_code == 200
    later(room, minutes=121)
    return room


def _publish(held: Room) -> None:
    assert sitting_chief(held).post(f"/api/v1/grading/sittings/{held.sitting_id}/seal").status_code == 200
    add_staff(held.database, "admin_pub", "admin")
    admin = log_in(TestClient(held.app), "admin_pub")
    assert admin.post(f"/api/v1/grading/sittings/{held.sitting_id}/publish").status_code == 204


def _sat_on(held: Room) -> Any:
    return clock.local_date(held.starts_at, ZONE)


def _results(world: World, aid: int) -> dict[str, dict[str, Any]]:
    response = world.admin.get(f"/api/v1/assessments/{aid}/results")
    assert response.status_code == 200, response.text
    return {r["candidate"]: r for r in response.json()["results"]}


def test_a_computer_result_counts_only_once_its_sitting_is_sealed_and_published(room: Room) -> None:
    held = _sit(room, [85, 90, 60])  # the fourth candidate never comes
    world = _held_world(held)
    plan = world.teacher_plan()
    aid = world.assessment(plan, candidates=[(number, "") for number in held.ids], held_on=_sat_on(held))
    before = _results(world, aid)
    assert before[held.ids[0]]["parts"]["exam"] == {"name": "计算机考试", "score": None, "note": "没有已发布的考试成绩"}

    entries = world.entries(aid)
    for entry, totals in zip(entries, ([80, 78, 76], [68, 66, 64], [95, 95, 95], [90, 90, 90]), strict=True):
        for judge, total in zip(world.panel(aid), totals, strict=True):
            assert world.score(aid, entry, judge, lecture_marks(total)).status_code == 200
    found = _results(world, aid)
    assert found[held.ids[0]]["passed"] is False and found[held.ids[0]]["score"] is None
    assert found[held.ids[0]]["reason"] == "计算机考试无有效成绩（没有已发布的考试成绩）"
    assert sitting_chief(held).post(f"/api/v1/grading/sittings/{held.sitting_id}/seal").status_code == 200
    assert _results(world, aid)[held.ids[0]]["parts"]["exam"]["score"] is None  # sealed, not yet published
    add_staff(held.database, "admin_pub", "admin")
    admin = log_in(TestClient(held.app), "admin_pub")
    assert admin.post(f"/api/v1/grading/sittings/{held.sitting_id}/publish").status_code == 204
    assert _results(world, aid)[held.ids[0]]["parts"]["exam"]["score"] == "85.00"


def test_the_composite_once_the_exam_is_published(room: Room) -> None:
    held = _sit(room, [85, 90, 60])
    world = _held_world(held)
    _publish(held)
    plan = world.teacher_plan()
    aid = world.assessment(plan, candidates=[(number, "") for number in held.ids], held_on=_sat_on(held))
    entries = world.entries(aid)
    for entry, totals in zip(entries, ([80, 78, 76], [68, 66, 64], [95, 95, 95], [90, 90, 90]), strict=True):
        for judge, total in zip(world.panel(aid), totals, strict=True):
            world.score(aid, entry, judge, lecture_marks(total))
    provisional = world.admin.get(f"/api/v1/assessments/{aid}/results").json()
    assert provisional["final"] is False
    sealed = world.chief.post(f"/api/v1/assessments/{aid}/seal")
    assert sealed.status_code == 200 and sealed.json()["chains"] == 2  # the assessment's and the sitting's
    final = world.admin.get(f"/api/v1/assessments/{aid}/results").json()
    assert final["final"] is True
    got = {r["candidate"]: r for r in final["results"]}
    day = _sat_on(held)
    # 85 × 40% + 78 × 60% = 80.80
    first = got[held.ids[0]]
    assert (first["score"], first["passed"], first["reason"]) == ("80.80", True, "")
    assert first["parts"]["exam"] == {"name": "计算机考试", "score": "85.00", "note": f"{day}考试，合格"}
    assert first["parts"]["lecture"]["score"] == "78.00"
    # 90 × 40% + 66 × 60% = 75.60, but the lecture is under its gate of 70
    assert (got[held.ids[1]]["score"], got[held.ids[1]]["passed"]) == ("75.60", False)
    assert got[held.ids[1]]["reason"] == "试讲66.00分，未达到70分"
    # 60 × 40% + 95 × 60% = 81.00, but the computer exam is under its gate of 80
    assert (got[held.ids[2]]["score"], got[held.ids[2]]["reason"]) == ("81.00", "计算机考试60.00分，未达到80分")
    # absent from the computer exam
    assert got[held.ids[3]]["score"] is None
    assert got[held.ids[3]]["reason"] == f"计算机考试无有效成绩（{day}考试，缺考）"

    # Only the teacher who passed joins the pool, for 3 years.
    pool = world.admin.get("/api/v1/assessments/pool").json()
    assert [(p["id_number"], p["score"], p["subject"]) for p in pool] == [(held.ids[0], "80.80", "煤矿安全培训")]
    assert pool[0]["valid_until"] == (add_months(day, 36) - timedelta(days=1)).isoformat() and pool[0]["valid"]
    sheet = openpyxl.load_workbook(io.BytesIO(world.admin.get("/api/v1/assessments/pool.xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:5] == ("姓名", "身份证号", "所属机构", "学科", "综合成绩")
    assert rows[1][1] == held.ids[0] and rows[1][-1] == "有效" and "试讲 78.00" in rows[1][5]
    page = world.admin.get("/teacher-pool")
    assert page.status_code == 200 and held.ids[0] in page.text and "80.80" in page.text
    clock.freeze(clock.now() + timedelta(days=3 * 366))
    assert world.admin.get("/api/v1/assessments/pool", params={"current": True}).json() == []
    assert world.admin.get("/api/v1/assessments/pool").json()[0]["valid"] is False
    with world.database.transaction(write=False) as db:
        assert sealing.verify(db, aid) == []


def test_a_knowledge_exam_admits_the_practical_for_12_months(room: Room) -> None:
    held = _sit(room, [85, 60])
    world = _held_world(held)
    _publish(held)
    preset = {"preset": "special_operations", "name": "煤矿安全检查作业实操", "category": "煤矿安全检查作业"}
    plan = world.admin.post("/api/v1/assessments/plans/presets", json={**preset, "exam_id": world.exam_id}).json()
    assert plan["sequential"] and [p["key"] for p in plan["parts"]] == ["knowledge", "K1", "K2", "K3", "K4"]
    sat_on = _sat_on(held)

    def admitted(held_on: Any, number: str) -> Any:
        aid = world.assessment(plan["id"], candidates=[], held_on=held_on, open_it=False)
        return world.admin.post(f"/api/v1/assessments/{aid}/candidates", json={"id_number": number})

    assert admitted(add_months(sat_on, 11), held.ids[0]).status_code == 201  # passed 11 months before
    late = admitted(add_months(sat_on, 13), held.ids[0])  # passed 13 months before
    assert late.status_code == 422 and late.json()["problems"][0]["where"] == "knowledge"
    assert "已超过12个月有效期" in late.json()["problems"][0]["message"]
    assert admitted(add_months(sat_on, 12) - timedelta(days=1), held.ids[0]).status_code == 201
    assert admitted(add_months(sat_on, 12), held.ids[0]).status_code == 422
    failed = admitted(add_months(sat_on, 1), held.ids[1]).json()
    assert "不合格" in failed["problems"][0]["message"] and failed["message"] == "考生2不能参加本次考核"
    assert "缺考" in admitted(add_months(sat_on, 1), held.ids[3]).json()["problems"][0]["message"]
    assert (
        "没有已发布的考试成绩" in admitted(add_months(sat_on, 1), world.candidates[0]).json()["problems"][0]["message"]
    )


def _sealed(world: World) -> tuple[int, int, list[str]]:
    plan = world.teacher_plan()
    aid = world.assessment(plan, candidates=[(world.candidates[0], ""), (world.candidates[1], "")])
    entry, absent = world.entries(aid)
    panel = world.panel(aid)
    for judge in panel:
        world.score(aid, entry, judge, lecture_marks(75))
    refused = world.chief.post(f"/api/v1/assessments/{aid}/seal")
    assert refused.status_code == 409 and "评分未完成" in refused.json()["message"]
    assert world.chief.post(f"/api/v1/assessments/{aid}/entries/{entry}/absent").status_code == 409  # scored
    assert world.chief.post(f"/api/v1/assessments/{aid}/entries/{absent}/absent").status_code == 204
    assert world.score(aid, absent, panel[0], lecture_marks(75)).status_code == 409
    assert world.chief.post(f"/api/v1/assessments/{aid}/seal").status_code == 200
    return aid, entry, panel


def test_after_the_seal_nothing_of_the_assessment_changes(world: World) -> None:
    aid, entry, panel = _sealed(world)
    with world.database.transaction(write=False) as db:
        length = len(trace.events(db, f"assessment:{aid}"))
        scores = db.scalar(select(func.count()).select_from(JudgeScore))
        score_id = db.scalar(select(JudgeScore.id).where(JudgeScore.judge_id == world.user_id(panel[0])))
    base = f"/api/v1/assessments/{aid}"
    attempts = [
        world.score(aid, entry, panel[0], lecture_marks(90)),
        world.client(panel[0]).post(f"{base}/scores/{score_id}/reopen", json={"reason": "封存后想改分"}),
        world.chief.post(f"{base}/scores/{score_id}/reopen", json={"reason": "封存后想改分"}),
        world.chief.post(f"{base}/entries/{entry}/parts/lecture/resolution", json={"action": "accept", "note": "认可"}),
        world.chief.post(f"{base}/entries/{entry}/absent"),
        world.chief.post(f"{base}/entries/{entry}/parts/lecture/task"),
        world.chief.post(f"{base}/seal"),
        world.admin.post(f"{base}/candidates", json={"id_number": world.candidates[2]}),
        world.admin.post(f"{base}/chief", json={"user_id": world.chief_user}),
        world.admin.post(f"{base}/panel/draw"),
        world.admin.post(f"{base}/panel/{world.user_id(panel[0])}/recusal", json={"reason": "封存后回避"}),
        world.admin.post(f"{base}/open"),
    ]
    assert [r.status_code for r in attempts] == [409] * len(attempts), [r.text for r in attempts]
    assert all("封存" in r.json()["message"] for r in attempts)
    with world.database.transaction(write=False) as db:
        assert len(trace.events(db, f"assessment:{aid}")) == length
        assert db.scalar(select(func.count()).select_from(JudgeScore)) == scores
        assert sealing.verify(db, aid) == []
    result = {r["entry"]: r for r in world.admin.get(f"{base}/results").json()["results"]}
    assert result[entry]["parts"]["lecture"]["score"] == "75.00"
    assert (result[entry]["score"], result[entry]["passed"]) == (None, False)  # no computer result
    assert [r["reason"] for r in result.values()][1] == "缺考"
    assert world.admin.get("/api/v1/assessments/pool").json() == []


def test_every_step_is_an_event_on_the_assessments_chain_and_the_seal_covers_it(world: World) -> None:
    aid, _, panel = _sealed(world)
    with world.database.transaction(write=False) as db:
        events = trace.events(db, f"assessment:{aid}")
        report = trace.verify_database(db, chains=[f"assessment:{aid}"])
    actions = [e.action for e in events]
    assert actions == [
        "assessment.created",
        "candidate.added",
        "candidate.added",
        "chief.assigned",
        "panel.drawn",
        "assessment.opened",
        "score.submitted",
        "score.submitted",
        "score.submitted",
        "part.completed",
        "candidate.absent",
        "results.final",
        "assessment.sealed",
    ]
    assert report.intact
    seal = json.loads(events[-1].payload)
    assert seal["leaves"] == [[f"assessment:{aid}", len(events) - 1, events[-2].hash]]
    assert events[-1].actor == "chief_w" and events[-1].role == "chief_examiner"
    submitted = json.loads(events[6].payload)
    assert submitted["part"] == "lecture" and set(submitted["marks"]) == {
        "accuracy",
        "practice",
        "cases",
        "delivery",
        "timing",
    }
    assert {e.actor for e in events[6:9]} == set(panel)
    verify = world.admin.get(f"/api/v1/assessments/{aid}/verify").json()
    assert verify == {"intact": True, "problems": []}


def test_the_seal_is_the_chief_examiners_of_this_assessment(world: World, staff_client: Any) -> None:
    plan = world.teacher_plan()
    aid = world.assessment(plan, candidates=[(world.candidates[0], "")])
    assert world.admin.post(f"/api/v1/assessments/{aid}/seal").status_code == 403
    assert staff_client("chief_examiner").post(f"/api/v1/assessments/{aid}/seal").status_code == 404
    assert world.chief.get("/api/v1/assessments").json()[0]["id"] == aid
    with world.database.transaction(write=False) as db:
        assert db.scalar(select(func.count()).select_from(PoolEntry)) == 0


@pytest.mark.parametrize("field", ["held_on", "name"])
def test_an_assessment_needs_a_name_and_a_date_not_past(world: World, field: str) -> None:
    plan = world.teacher_plan()
    body = {"plan_id": plan, "name": "考核", "held_on": clock.now().date().isoformat(), "panel_size": 3}
    body["held_on" if field == "held_on" else "name"] = "2020-01-01" if field == "held_on" else " "
    refused = world.admin.post("/api/v1/assessments", json=body)
    assert refused.status_code == 422 and refused.json()["problems"][0]["where"] == field
