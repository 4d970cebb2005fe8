"""Assessment plans: the two presets, custom plans checked with every problem named by its
field, and plans that never change once made."""

from examhall.trace import service as trace
from tests.assessments.conftest import World


def test_the_teacher_preset(world: World) -> None:
    plan = world.admin.get(f"/api/v1/assessments/plans/{world.teacher_plan()}").json()
    exam, lecture = plan["parts"]
    assert (exam["kind"], exam["weight"], exam["pass_mark"], exam["max"], exam["exam_id"]) == (
        "computer",
        "40",
        "80",
        "100",
        world.exam_id,
    )
    assert (lecture["kind"], lecture["name"], lecture["weight"], lecture["pass_mark"], lecture["max"]) == (
        "lecture",
        "试讲",
        "60",
        "70",
        "100",
    )
    assert [(c["name"], c["max"]) for c in lecture["criteria"]] == [
        ("内容准确", "30"),
        ("联系实际", "20"),
        ("案例运用", "20"),
        ("语言表达", "20"),
        ("时间控制", "10"),
    ]
    assert (plan["kind"], plan["aggregation"], plan["pool_years"], plan["sequential"], plan["pass_mark"]) == (
        "teacher",
        "trimmed",
        3,
        False,
        None,
    )
    explanation = world.admin.get(
        f"/api/v1/assessments/plans/{world.teacher_plan('师资考核（实操讲解）', rubric='explanation')}"
    ).json()
    assert explanation["parts"][1]["name"] == "实操讲解"
    duplicate = world.admin.post(
        "/api/v1/assessments/plans/presets",
        json={"preset": "teacher", "name": "师资考核（试讲）", "category": "x", "exam_id": world.exam_id},
    )
    assert duplicate.status_code == 422 and duplicate.json()["problems"][0]["code"] == "name_taken"


def test_the_special_operations_preset(world: World) -> None:
    made = world.admin.post(
        "/api/v1/assessments/plans/presets",
        json={
            "preset": "special_operations",
            "name": "电气实操",
            "category": "煤矿井下电气作业",
            "exam_id": world.exam_id,
        },
    ).json()
    assert made["sequential"] and made["pass_mark"] == "80.00" and made["pool_years"] is None
    weights = {p["key"]: (p["weight"], p["pass_mark"], p["valid_months"]) for p in made["parts"]}
    assert weights == {
        "knowledge": ("0", "80", 12),
        "K1": ("20", None, 12),
        "K2": ("40", None, 12),
        "K3": ("20", None, 12),
        "K4": ("20", None, 12),
    }
    assert all(sum(float(c["max"]) for c in p["criteria"]) == 100 for p in made["parts"][1:])


def test_a_custom_plan_is_checked_field_by_field(world: World) -> None:
    body = {
        "name": "自定义",
        "category": "煤矿安全培训",
        "aggregation": "median",
        "spread_threshold": 0,
        "sequential": True,
        "parts": [
            {"key": "Lecture!", "kind": "lecture", "weight": 70, "pass_mark": 120, "criteria": []},
            {
                "key": "demo",
                "kind": "explanation",
                "weight": 20,
                "minutes": 0,
                "criteria": [
                    {"key": "a", "name": "操作", "max": "30.3"},
                    {"key": "a", "name": "", "max": 0},
                ],
            },
        ],
    }
    refused = world.admin.post("/api/v1/assessments/plans", json=body)
    assert refused.status_code == 422
    problems = {(p["code"], p["where"]) for p in refused.json()["problems"]}
    assert problems == {
        ("bad_aggregation", "aggregation"),
        ("bad_threshold", "spread_threshold"),
        ("bad_key", "parts[0].key"),
        ("bad_criteria", "parts[0].criteria"),
        ("bad_pass_mark", "parts[0].pass_mark"),
        ("bad_max", "parts[1].criteria[0]"),
        ("bad_criterion_key", "parts[1].criteria[0]"),
        ("bad_criterion_key", "parts[1].criteria[1]"),
        ("empty_name", "parts[1].criteria[1]"),
        ("bad_max", "parts[1].criteria[1]"),
        ("bad_minutes", "parts[1].minutes"),
        ("weights_sum", "parts"),
        ("sequential_needs_exam", "sequential"),
    }
    no_exam = world.admin.post(
        "/api/v1/assessments/plans",
        json={
            "name": "x",
            "category": "y",
            "parts": [{"key": "exam", "kind": "computer", "weight": 100, "exam_id": 999}],
        },
    )
    assert {p["code"] for p in no_exam.json()["problems"]} == {"no_exam", "no_judged_part"}


def test_a_custom_plan_with_a_rubric_out_of_50_and_the_plain_mean(world: World) -> None:
    body = {
        "name": "实操讲解（简化）",
        "kind": "teacher",
        "category": "煤矿安全培训",
        "aggregation": "mean",
        "spread_threshold": "7.5",
        "pass_mark": 75,
        "parts": [
            {"key": "exam", "kind": "computer", "weight": 50, "exam_id": world.exam_id},
            {
                "key": "talk",
                "kind": "explanation",
                "weight": 50,
                "pass_mark": 30,
                "criteria": [{"key": "show", "name": "示范", "max": 25}, {"key": "tell", "name": "讲解", "max": 25}],
            },
        ],
    }
    made = world.admin.post("/api/v1/assessments/plans", json=body)
    assert made.status_code == 201, made.text
    talk = made.json()["parts"][1]
    assert (talk["name"], talk["max"]) == ("实操讲解", "50")
    assert made.json()["parts"][0]["pass_mark"] is None  # no gate given: none
    with world.database.transaction(write=False) as db:
        assert [e.action for e in trace.events(db, "records")][-1] == "assessment_plan.added"


def test_plans_never_change(world: World) -> None:
    plan = world.teacher_plan()
    for method in ("PUT", "PATCH", "DELETE"):
        assert world.admin.request(method, f"/api/v1/assessments/plans/{plan}", json={}).status_code == 405
