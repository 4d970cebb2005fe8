"""Assessment plans (考核方案): the parts, their rubrics, weights and gates, checked with every
problem named by its field; and the two presets, the teacher assessment and 特种作业."""

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.assessments.models import AssessmentPlan
from examhall.assessments.scoring import AGGREGATIONS, STEP, Criterion, cents
from examhall.errors import Problem, invalid, not_found
from examhall.papers import service as papers
from examhall.sittings.models import Exam
from examhall.sittings.service import RECORDS
from examhall.trace.service import Actor, record

PART_KINDS = {
    "computer": "计算机考试",
    "lecture": "试讲",
    "explanation": "实操讲解",
    "K1": "安全用具使用",
    "K2": "安全操作技术",
    "K3": "作业现场安全隐患排除",
    "K4": "作业现场应急处置",
}
PRACTICAL_SUBJECTS = ("K1", "K2", "K3", "K4")
PLAN_KINDS = {"teacher": "师资考核", "special_operations": "特种作业考核", "other": "其他"}
KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$|^K[1-4]$")
MIN_PANEL, MAX_PANEL = 3, 7


@dataclass(frozen=True)
class Part:
    key: str
    kind: str  # computer, or a rubric: lecture, explanation, K1-K4
    name: str
    weight: Decimal
    pass_mark: Decimal | None
    max: Decimal = Decimal(100)
    exam_id: int | None = None  # computer parts: the exam whose published result counts
    valid_months: int = 12  # computer parts: how long a result counts
    minutes: int | None = None  # rubric parts: the time allowed
    criteria: tuple[Criterion, ...] = field(default_factory=tuple)

    @property
    def judged(self) -> bool:
        return self.kind != "computer"

    @property
    def practical(self) -> bool:
        return self.kind in PRACTICAL_SUBJECTS

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "name": self.name,
            "weight": str(self.weight),
            "pass_mark": None if self.pass_mark is None else str(self.pass_mark),
            "max": str(self.max),
            "exam_id": self.exam_id,
            "valid_months": self.valid_months,
            "minutes": self.minutes,
            "criteria": [
                {"key": c.key, "name": c.name, "max": str(c.max), "descriptor": c.descriptor} for c in self.criteria
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Part":
        return cls(
            key=data["key"],
            kind=data["kind"],
            name=data["name"],
            weight=Decimal(data["weight"]),
            pass_mark=None if data["pass_mark"] is None else Decimal(data["pass_mark"]),
            max=Decimal(data["max"]),
            exam_id=data["exam_id"],
            valid_months=data["valid_months"],
            minutes=data["minutes"],
            criteria=tuple(
                Criterion(c["key"], c["name"], Decimal(c["max"]), c["descriptor"]) for c in data["criteria"]
            ),
        )


def parts_of(plan: AssessmentPlan) -> list[Part]:
    return [Part.from_json(p) for p in plan.parts]


def part_of(plan: AssessmentPlan, key: str) -> Part:
    found = next((p for p in parts_of(plan) if p.key == key), None)
    if found is None:
        raise not_found("考核科目", "part")
    return found


def _c(key: str, name: str, points: int, descriptor: str) -> Criterion:
    return Criterion(key, name, Decimal(points), descriptor)


LECTURE = (
    _c("accuracy", "内容准确", 30, "概念、法规条文和数据准确，无科学性错误"),
    _c("practice", "联系实际", 20, "结合煤矿现场实际和岗位风险，针对性强"),
    _c("cases", "案例运用", 20, "事故案例典型、分析透彻，能引出防范措施"),
    _c("delivery", "语言表达", 20, "普通话规范，条理清楚，板书或课件得当"),
    _c("timing", "时间控制", 10, "在规定时间内完成，详略得当"),
)
EXPLANATION = (
    _c("procedure", "操作规范", 30, "示范动作规范，步骤完整，符合操作规程"),
    _c("accuracy", "讲解准确", 25, "原理、要领讲解准确，与示范一致"),
    _c("safety", "安全要点", 25, "讲清危险点和防护措施，强调禁止行为"),
    _c("delivery", "语言表达", 10, "表达清楚，便于学员理解和模仿"),
    _c("timing", "时间控制", 10, "在规定时间内完成"),
)
PRACTICAL = {
    "K1": (
        _c("choice", "用具选择", 30, "根据作业条件选用合格、适用的安全用具"),
        _c("check", "使用前检查", 30, "检查外观、试验标签和有效期"),
        _c("use", "正确使用", 30, "穿戴、使用方法和顺序正确"),
        _c("care", "收存维护", 10, "用后清理、存放正确"),
    ),
    "K2": (
        _c("preparation", "作业准备", 20, "工具、仪表准备齐全，确认作业条件"),
        _c("steps", "操作步骤", 40, "步骤完整、顺序正确"),
        _c("standard", "操作规范", 30, "动作规范，符合操作规程，无违章"),
        _c("finish", "作业结束", 10, "清理现场，恢复设备，记录"),
    ),
    "K3": (
        _c("identify", "隐患识别", 40, "找出作业现场存在的隐患"),
        _c("analyse", "原因分析", 20, "说明隐患的危害和成因"),
        _c("remedy", "排除措施", 40, "提出并实施正确的排除措施"),
    ),
    "K4": (
        _c("judge", "险情判断", 20, "迅速判断事故或险情的性质"),
        _c("sequence", "处置程序", 40, "按应急预案的程序处置"),
        _c("method", "处置方法", 30, "方法正确，自救互救得当"),
        _c("report", "报告", 10, "及时、准确报告"),
    ),
}
PRACTICAL_WEIGHTS = {"K1": Decimal(20), "K2": Decimal(40), "K3": Decimal(20), "K4": Decimal(20)}


@dataclass(frozen=True)
class PlanDraft:
    name: str
    kind: str
    category: str
    parts: list[Part]
    aggregation: str = "trimmed"
    spread_threshold: Decimal = Decimal(15)
    pass_mark: Decimal | None = None
    sequential: bool = False
    pool_years: int | None = None


def preset(name: str, *, plan_name: str, category: str, exam_id: int, rubric: str = "lecture") -> PlanDraft:
    """The teacher assessment: the computer exam (40%, pass 80) and a trial lecture or practical
    explanation (60%, pass 70) scored by a panel; those who pass join the teacher pool for 3
    years. 特种作业: the knowledge exam (pass 80, valid 12 months) and then the practical exam,
    K1-K4 weighted 20/40/20/20, passing at 80."""
    if name == "teacher":
        if rubric not in ("lecture", "explanation"):
            raise invalid([Problem("bad_rubric", "评分项应为试讲或实操讲解", "lecture or explanation", "rubric")])
        criteria = LECTURE if rubric == "lecture" else EXPLANATION
        judged = Part(rubric, rubric, PART_KINDS[rubric], Decimal(60), Decimal(70), minutes=20, criteria=criteria)
        exam = Part("exam", "computer", "计算机考试", Decimal(40), Decimal(80), exam_id=exam_id)
        return PlanDraft(plan_name, "teacher", category, [exam, judged], pool_years=3)
    if name == "special_operations":
        knowledge = Part("knowledge", "computer", "安全技术理论考试", Decimal(0), Decimal(80), exam_id=exam_id)
        practical = [
            Part(k, k, f"{k} {PART_KINDS[k]}", PRACTICAL_WEIGHTS[k], None, minutes=15, criteria=PRACTICAL[k])
            for k in PRACTICAL_SUBJECTS
        ]
        return PlanDraft(
            plan_name, "special_operations", category, [knowledge, *practical], pass_mark=Decimal(80), sequential=True
        )
    raise not_found(f"预设方案“{name}”", f"preset '{name}'")


def _part_problems(db: Session, part: Part, where: str) -> tuple[Part, list[Problem]]:
    """The part as stored (a computer part's maximum is its exam's total) and what is wrong."""
    problems = []

    def bad(code: str, zh: str, en: str, at: str = "") -> None:
        problems.append(Problem(code, zh, en, f"{where}.{at}" if at else where))

    if not KEY.match(part.key):
        bad(
            "bad_key",
            "科目代码须为小写字母开头的字母、数字或_（最多30位），或K1-K4",
            "a part key is [a-z][a-z0-9_]*",
            "key",
        )
    if part.kind not in PART_KINDS:
        bad("bad_kind", f"科目类型应为{'、'.join(PART_KINDS)}之一", "unknown part kind", "kind")
    if not part.name.strip():
        bad("empty_name", "科目名称为空", "the part has no name", "name")
    if not Decimal(0) <= part.weight <= Decimal(100):
        bad("bad_weight", "权重应在0到100之间", "a weight is 0 to 100", "weight")
    if part.kind == "computer":
        exam = db.get(Exam, part.exam_id) if part.exam_id is not None else None
        if exam is None:
            bad("no_exam", "计算机考试科目须指定已有的考试", "a computer part names an existing exam", "exam_id")
        else:
            part = replace(part, max=papers.get_blueprint(db, exam.blueprint_name).total_points)
        if not 1 <= part.valid_months <= 60:
            bad("bad_validity", "成绩有效期应为1-60个月", "validity is 1-60 months", "valid_months")
        if part.criteria:
            bad("criteria_on_exam", "计算机考试科目没有评分项", "a computer part has no criteria", "criteria")
    elif part.kind in PART_KINDS:
        if not 1 <= len(part.criteria) <= 12:
            bad("bad_criteria", "评分表应有1-12个评分项", "a rubric has 1-12 criteria", "criteria")
        keys = [c.key for c in part.criteria]
        for n, criterion in enumerate(part.criteria):
            at = f"criteria[{n}]"
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,29}", criterion.key) or keys.count(criterion.key) > 1:
                bad("bad_criterion_key", "评分项代码须唯一，由小写字母、数字或_组成", "criterion keys are unique", at)
            if not criterion.name.strip():
                bad("empty_name", "评分项名称为空", "the criterion has no name", at)
            if not Decimal(0) < criterion.max <= Decimal(100) or criterion.max % STEP:
                bad("bad_max", "评分项满分应为0.5到100，以0.5为单位", "a criterion's maximum is 0.5-100 in halves", at)
        if part.minutes is not None and not 1 <= part.minutes <= 240:
            bad("bad_minutes", "限时应为1-240分钟", "the time allowed is 1-240 minutes", "minutes")
        if not problems:
            part = replace(part, max=sum((c.max for c in part.criteria), Decimal(0)), exam_id=None)
    if part.pass_mark is not None and not Decimal(0) <= part.pass_mark <= part.max:
        bad(
            "bad_pass_mark",
            f"及格分应在0到该科目满分{part.max}之间",
            "the pass mark is 0 to the part's maximum",
            "pass_mark",
        )
    return part, problems


def check(db: Session, draft: PlanDraft) -> tuple[list[Part], list[Problem]]:
    """Every problem of a plan at once, each named by its field."""
    problems: list[Problem] = []
    if not draft.name.strip():
        problems.append(Problem("empty_name", "方案名称为空", "the plan has no name", "name"))
    elif db.scalar(select(AssessmentPlan.id).where(AssessmentPlan.name == draft.name.strip())):
        problems.append(Problem("name_taken", "已有同名方案", "a plan of that name exists", "name"))
    if draft.kind not in PLAN_KINDS:
        problems.append(Problem("bad_kind", "方案类型应为师资考核、特种作业考核或其他", "unknown plan kind", "kind"))
    if not draft.category.strip():
        problems.append(Problem("empty_category", "类别（学科或工种）为空", "the plan has no category", "category"))
    if draft.aggregation not in AGGREGATIONS:
        problems.append(Problem("bad_aggregation", "汇总方式应为trimmed或mean", "trimmed or mean", "aggregation"))
    if draft.spread_threshold <= 0:
        problems.append(Problem("bad_threshold", "分差阈值应大于0", "the threshold is above 0", "spread_threshold"))
    if draft.pass_mark is not None and not Decimal(0) <= draft.pass_mark <= Decimal(100):
        problems.append(Problem("bad_pass_mark", "综合及格分应在0到100之间", "0 to 100", "pass_mark"))
    if draft.pool_years is not None and not 1 <= draft.pool_years <= 10:
        problems.append(Problem("bad_pool_years", "入库有效期应为1-10年", "1-10 years", "pool_years"))
    if not 1 <= len(draft.parts) <= 8:
        problems.append(Problem("bad_parts", "方案应有1-8个科目", "a plan has 1-8 parts", "parts"))
    parts = []
    for n, part in enumerate(draft.parts):
        checked, found = _part_problems(db, part, f"parts[{n}]")
        parts.append(checked)
        problems += found
    keys = [p.key for p in parts]
    if len(set(keys)) != len(keys):
        problems.append(Problem("duplicate_key", "科目代码重复", "part keys repeat", "parts"))
    if parts and not any(p.judged for p in parts):
        problems.append(
            Problem("no_judged_part", "方案至少要有一个评委评分的科目", "a plan has a judged part", "parts")
        )
    if parts and sum((p.weight for p in parts), Decimal(0)) != 100:
        problems.append(Problem("weights_sum", "各科目权重之和应为100", "the weights sum to 100", "parts"))
    if draft.sequential and not any(p.kind == "computer" for p in parts):
        problems.append(
            Problem("sequential_needs_exam", "先考理论须有计算机考试科目", "needs a computer part", "sequential")
        )
    return parts, problems


def create_plan(db: Session, *, draft: PlanDraft, actor: Actor) -> AssessmentPlan:
    """An admin makes a plan; it never changes afterwards (a different rule is a new plan)."""
    parts, problems = check(db, draft)
    if problems:
        raise invalid(problems, zh="考核方案有误，未保存", en="the plan has problems; nothing was saved")
    plan = AssessmentPlan(
        name=draft.name.strip(),
        kind=draft.kind,
        category=draft.category.strip(),
        parts=[p.as_json() for p in parts],
        aggregation=draft.aggregation,
        spread_threshold=cents(draft.spread_threshold),
        pass_mark=None if draft.pass_mark is None else cents(draft.pass_mark),
        sequential=draft.sequential,
        pool_years=draft.pool_years,
        created_at=clock.now(),
        created_by=actor.name,
    )
    db.add(plan)
    db.flush()
    record(
        db,
        chain=RECORDS,
        action="assessment_plan.added",
        subject=f"assessment_plan:{plan.id}",
        actor=actor,
        payload={
            "name": plan.name,
            "kind": plan.kind,
            "category": plan.category,
            "parts": plan.parts,
            "aggregation": plan.aggregation,
            "spread_threshold": str(plan.spread_threshold),
            "pass_mark": None if plan.pass_mark is None else str(plan.pass_mark),
            "sequential": plan.sequential,
            "pool_years": plan.pool_years,
        },
    )
    return plan


def get_plan(db: Session, plan_id: int) -> AssessmentPlan:
    plan = db.get(AssessmentPlan, plan_id)
    if plan is None:
        raise not_found("考核方案", "assessment plan")
    return plan


def list_plans(db: Session) -> list[AssessmentPlan]:
    return list(db.scalars(select(AssessmentPlan).order_by(AssessmentPlan.id.desc())))
