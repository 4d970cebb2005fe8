"""Judge panels: 3 to 7 judges drawn at random from the pool, never one of a candidate's
institution (their own, one that trained them, one named on their exam roster) nor one who
declared a conflict; recusal before scoring, with a reason; the chief examiner under 教考分离."""

import json
from datetime import UTC, date, datetime

from examhall import clock
from examhall.accounts.models import User
from examhall.assessments import panels
from examhall.sittings.models import Candidate, Registration, Room, Site, Sitting, StaffMember
from examhall.trace import service as trace
from tests.assessments.conftest import World, lecture_marks
from tests.conftest import TEST_ACTOR, add_staff


def _events(world: World, chain: str) -> list[tuple[str, dict[str, object]]]:
    with world.database.transaction(write=False) as db:
        return [(e.action, json.loads(e.payload)) for e in trace.events(db, chain)]


def _registered_by(world: World, number: str, institution: str) -> None:
    """The candidate sat the plan's computer exam on a roster that named this institution."""
    with world.database.transaction() as db:
        site = Site(area_code="140105", code="09", name="考点")
        db.add(site)
        db.flush()
        room = Room(site_id=site.id, name="考场", seats=10, columns=5)
        db.add(room)
        db.flush()
        sitting = Sitting(
            exam_id=world.exam_id,
            room_id=room.id,
            site_id=site.id,
            year=2026,
            ticket_room="01",
            starts_at=datetime(2026, 3, 1, 1, tzinfo=UTC),
            created_at=clock.now(),
        )
        db.add(sitting)
        db.flush()
        candidate = db.query(Candidate).filter(Candidate.id_number == number).one()
        db.add(
            Registration(
                sitting_id=sitting.id,
                candidate_id=candidate.id,
                institution_id=world.institutions[institution],
                row=1,
                eligible=True,
                refusals=[],
                created_at=clock.now(),
            )
        )


def _declare(world: World, judge: str, **conflict: str) -> None:
    with world.database.transaction() as db:
        panels.declare_conflict(
            db,
            user_id=world.user_id(judge),
            institution_name=conflict.get("institution", ""),
            id_number=conflict.get("id_number", ""),
            reason="曾在该单位任职" if "institution" in conflict else "近亲属",
            actor=TEST_ACTOR,
        )


def test_no_judge_with_a_tie_to_a_candidate_is_ever_drawn(world: World) -> None:
    wang, li, zhang, zhao = world.candidates
    world.add_judge("own_inst", "晋安培训中心")  # 王老师's own institution
    world.add_judge("trained", "太原培训学校")  # trained 李老师 (a Training record)
    world.add_judge("roster", "大同安全学校")  # named on 张老师's exam roster
    _registered_by(world, zhang, "大同安全学校")
    world.add_judge("person")
    _declare(world, "person", id_number=zhao)
    world.add_judge("declared_inst")
    _declare(world, "declared_inst", institution="阳泉职业学院")  # 赵老师's own institution
    plan = world.teacher_plan()
    roster = [(wang, "晋安培训中心"), (li, ""), (zhang, ""), (zhao, "阳泉职业学院")]
    aid = world.assessment(plan, candidates=roster, panel_size=7)
    clean = {f"judge{n}" for n in range(1, 8)}
    assert set(world.panel(aid)) == clean  # 7 of 12 may judge; all 7 of them were drawn
    drawn = next(p for a, p in _events(world, f"assessment:{aid}") if a == "panel.drawn")
    assert drawn["excluded"] == {
        "own_inst": ["same_institution"],
        "trained": ["same_institution"],
        "roster": ["same_institution"],
        "person": ["declared_person"],
        "declared_inst": ["declared_institution"],
    }
    assert set(drawn["eligible"]) == clean  # type: ignore[arg-type]

    # With one of the seven disabled, a panel of 7 cannot be drawn, and says why.
    with world.database.transaction() as db:
        db.get(User, world.user_id("judge7")).disabled = True  # type: ignore[union-attr]
    again = world.assessment(plan, candidates=roster, panel_size=7, open_it=False)
    short = world.admin.post(f"/api/v1/assessments/{again}/panel/draw")
    assert short.status_code == 409 and "无回避关系的只有" in short.json()["message"]


def test_draws_are_random_among_those_who_may_judge(world: World) -> None:
    plan = world.teacher_plan()
    seen: set[str] = set()
    for _ in range(6):
        aid = world.assessment(plan, candidates=[(world.candidates[0], "")], panel_size=3)
        panel = world.panel(aid)
        assert len(set(panel)) == 3 and set(panel) <= set(world.judges)
        seen |= set(panel)
    assert len(seen) > 3  # six draws of 3 from 7 that all came out the same would be a broken draw


def test_a_panel_has_3_to_7_judges_and_needs_its_candidates_first(world: World) -> None:
    plan = world.teacher_plan()
    for size in (2, 8):
        made = world.admin.post(
            "/api/v1/assessments",
            json={"plan_id": plan, "name": "x", "held_on": date.today().isoformat(), "panel_size": size},
        )
        assert made.status_code == 422 and made.json()["problems"][0]["where"] == "panel_size"
    aid = world.assessment(plan, candidates=[], open_it=False)
    early = world.admin.post(f"/api/v1/assessments/{aid}/panel/draw")
    assert early.status_code == 409 and "先添加考生" in early.json()["message"]
    assert world.admin.post(f"/api/v1/assessments/{aid}/open").status_code == 409


def test_a_candidate_who_conflicts_with_a_drawn_judge_or_the_chief_is_refused(world: World) -> None:
    plan = world.teacher_plan()
    aid = world.assessment(plan, candidates=[(world.candidates[0], "")], panel_size=7, open_it=False)
    assert world.admin.post(f"/api/v1/assessments/{aid}/panel/draw").status_code == 200
    refused = world.admin.post(
        f"/api/v1/assessments/{aid}/candidates", json={"id_number": world.candidates[1], "institution": "评委单位3"}
    )
    assert refused.status_code == 422 and "回避" in refused.json()["message"]
    assert [p["where"] for p in refused.json()["problems"]] == ["judge3"]
    assert len(world.detail(aid)["entries"]) == 1  # nothing was added

    with world.database.transaction() as db:
        db.add(StaffMember(user_id=world.chief_user, institution_id=world.institutions["大同安全学校"], trainer=False))
    chief_conflict = world.admin.post(
        f"/api/v1/assessments/{aid}/candidates", json={"id_number": world.candidates[2], "institution": "大同安全学校"}
    )
    assert [p["where"] for p in chief_conflict.json()["problems"]] == ["chief_w"]
    trainer = add_staff(world.database, "chief_trainer", "chief_examiner")
    with world.database.transaction() as db:
        db.add(StaffMember(user_id=trainer.id, institution_id=None, trainer=True))
    refused_chief = world.admin.post(f"/api/v1/assessments/{aid}/chief", json={"user_id": trainer.id})
    assert refused_chief.status_code == 422 and refused_chief.json()["problems"][0]["code"] == "trainer"
    judge_as_chief = world.admin.post(f"/api/v1/assessments/{aid}/chief", json={"user_id": world.user_id("judge1")})
    assert judge_as_chief.json()["problems"][0]["code"] == "wrong_role"


def test_a_conflict_declared_after_the_draw_stops_the_opening(world: World) -> None:
    plan = world.teacher_plan()
    aid = world.assessment(plan, candidates=[(world.candidates[0], "")], open_it=False)
    world.admin.post(f"/api/v1/assessments/{aid}/panel/draw")
    judge = world.panel(aid)[0]
    _declare(world, judge, id_number=world.candidates[0])
    refused = world.admin.post(f"/api/v1/assessments/{aid}/open")
    assert refused.status_code == 422 and refused.json()["problems"][0]["where"] == judge
    recusal = f"/api/v1/assessments/{aid}/panel/{world.user_id(judge)}/recusal"
    assert world.admin.post(recusal, json={"reason": ""}).status_code == 422
    assert world.admin.post(recusal, json={"reason": "申报与考生有亲属关系"}).status_code == 204
    assert world.admin.post(f"/api/v1/assessments/{aid}/open").status_code == 409  # the panel is short now
    assert world.admin.post(f"/api/v1/assessments/{aid}/panel/draw").status_code == 200
    assert judge not in world.panel(aid) and len(world.panel(aid)) == 3
    assert world.admin.post(f"/api/v1/assessments/{aid}/open").status_code == 204
    actions = [a for a, _ in _events(world, f"assessment:{aid}")]
    assert actions.count("panel.drawn") == 2 and "judge.recused" in actions


def test_once_scoring_starts_only_a_judge_without_scores_leaves_and_nobody_joins(world: World) -> None:
    plan = world.teacher_plan()
    aid = world.assessment(plan, candidates=[(world.candidates[0], "")], panel_size=4)
    (entry,) = world.entries(aid)
    panel = world.panel(aid)
    for judge, total in zip(panel[:3], (80, 82, 84), strict=True):
        assert world.score(aid, entry, judge, lecture_marks(total)).status_code == 200
    scored = world.admin.post(
        f"/api/v1/assessments/{aid}/panel/{world.user_id(panel[0])}/recusal", json={"reason": "临时有事离开"}
    )
    assert scored.status_code == 409
    assert world.admin.post(f"/api/v1/assessments/{aid}/panel/draw").status_code == 409
    left = world.admin.post(
        f"/api/v1/assessments/{aid}/panel/{world.user_id(panel[3])}/recusal", json={"reason": "身体不适离场"}
    )
    assert left.status_code == 204
    cell = world.detail(aid)["cells"][0]
    assert (cell["complete"], cell["judges"], cell["score"]) == (True, 3, "82.00")
    assert [a for a, _ in _events(world, f"assessment:{aid}")][-2:] == ["judge.recused", "part.completed"]
    last = world.admin.post(
        f"/api/v1/assessments/{aid}/panel/{world.user_id(panel[2])}/recusal", json={"reason": "不能少于三人"}
    )
    assert last.status_code == 409


def test_the_judge_pool_and_its_declarations(world: World) -> None:
    pool = {j["username"]: j for j in world.admin.get("/api/v1/assessments/judges").json()}
    assert pool["judge1"]["institution"] == "评委单位1"
    not_judge = add_staff(world.database, "proctor_p", "proctor")
    refused = world.admin.post("/api/v1/assessments/judges", json={"user_id": not_judge.id, "institution": ""})
    assert refused.status_code == 422
    declare = f"/api/v1/assessments/judges/{world.user_id('judge1')}/conflicts"
    both = world.admin.post(declare, json={"institution": "某单位", "id_number": world.candidates[0], "reason": "x"})
    assert both.status_code == 422 and {p["where"] for p in both.json()["problems"]} >= {"institution", "reason"}
    bad_id = world.admin.post(declare, json={"id_number": "110101199003070000", "reason": "亲属"})
    assert bad_id.json()["problems"][0]["where"] == "id_number"
    assert world.admin.post(declare, json={"institution": "阳泉职业学院", "reason": "兼职"}).status_code == 201
    with world.database.transaction(write=False) as db:
        actions = [e.action for e in trace.events(db, "records")]
    assert actions.count("judge.pooled") == 7 and actions[-1] == "judge.conflict_declared"
