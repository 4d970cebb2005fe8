"""Scoring by the panel: blind until every judge of a part has submitted, on every judge-facing
route; marks checked per criterion; reopening only with a reason; the part's score aggregated;
disagreements raised and resolved by the chief examiner; who may reach what."""

import re
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from examhall.trace import service as trace
from tests.assessments.conftest import World, lecture_marks, routes_of_assessments
from tests.test_access_matrix import _declared

# A judge's marks no other mark in these tests repeats: any of them showing up elsewhere is a leak.
SECRET = {"accuracy": "27.5", "practice": "17.5", "cases": "13.5", "delivery": "16.5", "timing": "8.5"}
SECRET_TOTAL = "83.50"
PLAIN = {"accuracy": "20", "practice": "15", "cases": "15", "delivery": "15", "timing": "7"}  # 72


def opened(world: World, panel_size: int = 3, candidates: int = 1) -> tuple[int, list[int], list[str]]:
    plan = world.teacher_plan()
    aid = world.assessment(
        plan, candidates=[(n, "晋安培训中心") for n in world.candidates[:candidates]], panel_size=panel_size
    )
    return aid, world.entries(aid), world.panel(aid)


def judge_get_routes(world: World) -> list[APIRoute]:
    return [
        r for r in routes_of_assessments() if "GET" in r.methods and "judge" in (_declared(r.dependant) or frozenset())
    ]


def walk(world: World, judge: str, values: dict[str, Any]) -> dict[str, str]:
    """Every judge-facing page and API answer for this judge, by path."""
    client = world.client(judge)
    seen = {}
    for route in judge_get_routes(world):
        path = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), route.path)
        response = client.get(path)
        assert response.status_code == 200, (path, response.text)
        seen[path] = response.text
    return seen


def leaks(texts: dict[str, str]) -> list[str]:
    found = []
    for path, text in texts.items():
        for value in [*SECRET.values(), SECRET_TOTAL]:
            if re.search(rf"(?<![\d.]){re.escape(value)}(?![\d])", text):
                found.append(f"{path}: {value}")
    return found


def test_no_judge_facing_route_shows_another_judges_score_before_the_panel_is_complete(world: World) -> None:
    aid, (entry,), panel = opened(world)
    first, second, last = panel
    values = {"assessment_id": aid, "entry_id": entry, "part": "lecture"}
    routes = {r.path for r in judge_get_routes(world)}
    assert {
        "/api/v1/assessments/judging",
        "/api/v1/assessments/judging/{assessment_id}",
        "/api/v1/assessments/judging/{assessment_id}/entries/{entry_id}/parts/{part}",
        "/judge",
        "/judge/assessments/{assessment_id}",
        "/judge/assessments/{assessment_id}/entries/{entry_id}/parts/{part}",
    } <= routes

    assert world.score(aid, entry, second, SECRET).json()["total"] == SECRET_TOTAL
    submitted = world.score(aid, entry, first, PLAIN)
    assert submitted.status_code == 200 and leaks({"submit": submitted.text}) == []
    for judge in (first, last):  # one who has submitted, one who has not
        assert leaks(walk(world, judge, values)) == []
    mine = world.client(first).get(f"/api/v1/assessments/judging/{aid}/entries/{entry}/parts/lecture").json()
    assert mine["mine"]["total"] == "72.00"
    assert (mine["submitted"], mine["judges"], mine["complete"], mine["panel"], mine["score"]) == (
        2,
        3,
        False,
        [],
        None,
    )

    # A judge who reopens their own score sees no more than before.
    reopened = world.client(first).post(
        f"/api/v1/assessments/{aid}/scores/{mine['mine']['id']}/reopen", json={"reason": "合计算错，重新评分"}
    )
    assert reopened.status_code == 200 and leaks({"reopen": reopened.text}) == []
    assert leaks(walk(world, first, values)) == []
    assert world.score(aid, entry, first, PLAIN).status_code == 200

    # The last judge submits: now everyone on the panel sees every total and the part's score.
    assert world.score(aid, entry, last, lecture_marks(78)).status_code == 200
    after = world.client(first).get(f"/api/v1/assessments/judging/{aid}/entries/{entry}/parts/lecture").json()
    assert after["complete"] and sorted(p["total"] for p in after["panel"]) == ["72.00", "78.00", "83.50"]
    assert after["score"] == "77.83"  # (72 + 78 + 83.5) / 3
    assert leaks(walk(world, first, values)) != []


def test_a_judge_not_on_the_panel_finds_nothing_and_a_proctor_is_refused(world: World, staff_client: Any) -> None:
    aid, (entry,), panel = opened(world)
    outsider = next(j for j in world.judges if j not in panel)
    client = world.client(outsider)
    for path in (
        f"/api/v1/assessments/judging/{aid}",
        f"/api/v1/assessments/judging/{aid}/entries/{entry}/parts/lecture",
        f"/judge/assessments/{aid}",
        f"/judge/assessments/{aid}/entries/{entry}/parts/lecture",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get("/api/v1/assessments/judging").json() == []
    assert world.score(aid, entry, outsider, PLAIN).status_code == 404
    assert world.score(aid, entry, panel[0], PLAIN).status_code == 200
    score_id = world.client(panel[0]).get(f"/api/v1/assessments/judging/{aid}").json()["cells"][0]["mine"]["id"]
    assert (
        client.post(f"/api/v1/assessments/{aid}/scores/{score_id}/reopen", json={"reason": "别人的分"}).status_code
        == 404
    )

    proctor: TestClient = staff_client("proctor")
    for method, path in (
        ("GET", f"/api/v1/assessments/judging/{aid}"),
        ("GET", f"/api/v1/assessments/{aid}"),
        ("GET", f"/api/v1/assessments/{aid}/results"),
        ("POST", f"/api/v1/assessments/judging/{aid}/entries/{entry}/parts/lecture"),
        ("POST", f"/api/v1/assessments/{aid}/seal"),
        ("GET", "/judge"),
        ("GET", f"/assessments/{aid}"),
    ):
        assert proctor.request(method, path, json={"marks": PLAIN}).status_code == 403, path

    another_chief: TestClient = staff_client("chief_examiner")
    assert another_chief.get(f"/api/v1/assessments/{aid}").status_code == 404
    assert another_chief.post(f"/api/v1/assessments/{aid}/seal").status_code == 404
    assert another_chief.get("/api/v1/assessments").json() == []


def test_judges_see_nothing_of_an_assessment_before_it_opens(world: World) -> None:
    plan = world.teacher_plan()
    aid = world.assessment(plan, candidates=[(world.candidates[0], "")], open_it=False)
    assert world.admin.post(f"/api/v1/assessments/{aid}/panel/draw").status_code == 200
    judge = world.panel(aid)[0]
    assert world.client(judge).get(f"/api/v1/assessments/judging/{aid}").status_code == 404
    assert world.client(judge).get("/api/v1/assessments/judging").json() == []
    assert world.admin.post(f"/api/v1/assessments/{aid}/open").status_code == 204
    assert [a["id"] for a in world.client(judge).get("/api/v1/assessments/judging").json()] == [aid]


def test_marks_are_refused_past_a_criterions_maximum_or_between_halves(world: World) -> None:
    aid, (entry,), (judge, *_) = opened(world)
    over = world.score(aid, entry, judge, {**PLAIN, "accuracy": "30.5"})
    assert over.status_code == 422
    assert [(p["code"], p["where"]) for p in over.json()["problems"]] == [("mark_out_of_range", "accuracy")]
    assert "0到30之间" in over.json()["problems"][0]["message"]
    step = world.score(aid, entry, judge, {**PLAIN, "timing": "7.25"})
    assert [p["code"] for p in step.json()["problems"]] == ["mark_step"]
    missing = world.score(aid, entry, judge, {k: v for k, v in PLAIN.items() if k != "cases"})
    assert [p["where"] for p in missing.json()["problems"]] == ["cases"]
    assert world.score(aid, entry, judge, {**PLAIN, "accuracy": 29.5}).json()["total"] == "81.50"
    again = world.score(aid, entry, judge, PLAIN)
    assert again.status_code == 409 and "重新打开" in again.json()["message"]


def test_a_submitted_score_changes_only_by_reopening_it_with_a_reason(world: World) -> None:
    aid, (entry,), panel = opened(world)
    judge = panel[0]
    score_id = world.score(aid, entry, judge, PLAIN).json()["id"]
    reopen = f"/api/v1/assessments/{aid}/scores/{score_id}/reopen"
    client = world.client(judge)
    refused = client.post(reopen, json={"reason": "  "})
    assert refused.status_code == 422 and refused.json()["problems"][0]["where"] == "reason"
    assert client.post(reopen, json={"reason": "改"}).status_code == 422  # a reason of at least 4 characters
    assert client.post(reopen, json={"reason": "第二项分数录入错误"}).json()["state"] == "reopened"
    assert client.post(reopen, json={"reason": "第二项分数录入错误"}).status_code == 409
    assert world.score(aid, entry, judge, {**PLAIN, "practice": "16"}).json()["total"] == "73.00"
    for other in panel[1:]:
        world.score(aid, entry, other, PLAIN)
    late = client.post(reopen, json={"reason": "看到别人的分后想改"})
    assert late.status_code == 403 and "主考官" in late.json()["message"]
    assert world.chief.post(reopen, json={"reason": "评委申请更正笔误"}).json()["state"] == "reopened"
    with world.database.transaction(write=False) as db:
        events = [(e.action, e.actor, e.payload) for e in trace.events(db, f"assessment:{aid}")]
    reopened = [e for e in events if e[0] == "score.reopened"]
    assert [(actor, "第二项分数录入错误" in p or "评委申请更正笔误" in p) for _, actor, p in reopened] == [
        (judge, True),
        ("chief_w", True),
    ]
    submitted = [p for a, _, p in events if a == "score.submitted"]
    assert (
        '"total":"72.00"' in submitted[0] and '"total":"73.00"' in submitted[1] and '"resubmitted":true' in submitted[1]
    )


def test_five_judges_90_90_80_70_70_give_80_and_a_disagreement_the_chief_accepts(world: World) -> None:
    aid, (entry,), panel = opened(world, panel_size=5)
    for judge, total in zip(panel, (90, 90, 80, 70, 70), strict=True):
        assert world.score(aid, entry, judge, lecture_marks(total)).status_code == 200
    cell = world.detail(aid)["cells"][0]
    assert (cell["score"], cell["spread"], cell["disagreement"]) == ("80.00", "20.00", "open")
    assert world.client(panel[0]).get(f"/api/v1/assessments/judging/{aid}").json()["cells"][0]["flag"] == "open"
    refused = world.chief.post(f"/api/v1/assessments/{aid}/seal")
    assert refused.status_code == 409 and "分差" in refused.json()["message"]
    resolution = f"/api/v1/assessments/{aid}/entries/{entry}/parts/lecture/resolution"
    assert world.chief.post(resolution, json={"action": "accept", "note": ""}).status_code == 422
    assert world.admin.post(resolution, json={"action": "accept", "note": "ok"}).status_code == 403
    accepted = world.chief.post(resolution, json={"action": "accept", "note": "经合议，评分依据充分，予以认可"})
    assert accepted.json()["state"] == "accepted"
    assert world.chief.post(resolution, json={"action": "accept", "note": "再次"}).status_code == 409
    assert world.detail(aid)["cells"][0]["disagreement"] == "accepted"
    assert world.chief.post(f"/api/v1/assessments/{aid}/seal").status_code == 200
    result = world.admin.get(f"/api/v1/assessments/{aid}/results").json()
    assert result["final"] and result["results"][0]["parts"]["lecture"]["score"] == "80.00"


def test_rescoring_reopens_every_score_and_a_new_round_is_checked_again(world: World) -> None:
    aid, (entry,), panel = opened(world)
    for judge, total in zip(panel, (90, 70, 60), strict=True):
        world.score(aid, entry, judge, lecture_marks(total))
    resolution = f"/api/v1/assessments/{aid}/entries/{entry}/parts/lecture/resolution"
    rescored = world.chief.post(resolution, json={"action": "rescore", "note": "评分尺度不一，请重新评分"})
    assert rescored.json()["state"] == "rescored"
    cells = [world.client(j).get(f"/api/v1/assessments/judging/{aid}").json()["cells"][0] for j in panel]
    assert {(c["mine"]["state"], c["complete"], c["submitted"]) for c in cells} == {("reopened", False, 0)}
    assert "重新评分" in cells[0]["mine"]["reopen_reason"]
    assert world.chief.post(f"/api/v1/assessments/{aid}/seal").json()["message"].startswith("还有1项评分未完成")
    # the second round still spreads too far: a new disagreement; then within the threshold: cleared
    for judge, total in zip(panel, (88, 72, 70), strict=True):
        world.score(aid, entry, judge, lecture_marks(total))
    assert world.detail(aid)["cells"][0]["disagreement"] == "open"
    first = world.detail(aid)["cells"][0]["scores"][str(world.user_id(panel[0]))]
    world.chief.post(f"/api/v1/assessments/{aid}/scores/{first}/reopen", json={"reason": "评委更正第一项"})
    world.score(aid, entry, panel[0], lecture_marks(80))
    cell = world.detail(aid)["cells"][0]
    assert (cell["disagreement"], cell["score"], cell["spread"]) == ("", "74.00", "10.00")
    with world.database.transaction(write=False) as db:
        actions = [e.action for e in trace.events(db, f"assessment:{aid}") if e.action.startswith("disagreement.")]
    assert actions == ["disagreement.raised", "disagreement.rescored", "disagreement.raised", "disagreement.cleared"]
    assert world.chief.post(f"/api/v1/assessments/{aid}/seal").status_code == 200


def test_a_judge_who_declares_a_conflict_after_the_draw_is_left_out_of_that_candidate(world: World) -> None:
    aid, entries, panel = opened(world, panel_size=4, candidates=2)
    conflicted = panel[0]
    declared = world.client(conflicted).post(
        f"/api/v1/assessments/judges/{world.user_id(conflicted)}/conflicts",
        json={"id_number": world.candidates[1], "reason": "考生是我的表弟"},
    )
    assert declared.status_code == 201
    assert (
        world.client(panel[1])
        .post(
            f"/api/v1/assessments/judges/{world.user_id(conflicted)}/conflicts",
            json={"institution": "某机构", "reason": "代别人申报"},
        )
        .status_code
        == 404
    )
    refused = world.score(aid, entries[1], conflicted, PLAIN)
    assert refused.status_code == 403 and "回避" in refused.json()["message"]
    assert world.score(aid, entries[0], conflicted, PLAIN).status_code == 200
    for judge in panel[1:]:
        world.score(aid, entries[1], judge, PLAIN)
    cells = {(c["entry"], c["part"]): c for c in world.detail(aid)["cells"]}
    assert cells[(entries[1], "lecture")]["complete"] and cells[(entries[1], "lecture")]["judges"] == 3
    assert not cells[(entries[0], "lecture")]["complete"]
    mine = world.client(conflicted).get(f"/api/v1/assessments/judging/{aid}").json()["cells"]
    assert [c["may_judge"] for c in mine] == [True, False]
