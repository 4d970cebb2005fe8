"""Who is quizzed on what: a worker's post decides the category, and each category's quiz rule
(how many items, how long, the pass mark) is data the administrator may change."""

from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from examhall.banks.models import Item, ItemVersion
from examhall.errors import Invalid, Problem
from examhall.spotchecks.models import QuizRule
from examhall.trace.service import Actor, record

POSTS = {"principal": "主要负责人", "safety_manager": "安全生产管理人员", "special_operations": "特种作业人员"}
# The category principals and safety managers are quizzed in (the bank of 主要负责人和安全生产管理人员).
MANAGEMENT = "煤矿主要负责人和安全生产管理人员"
QUIZ_TYPES = ("true_false", "single_choice", "multiple_choice")  # answered with a thumb, at a mine gate
DEFAULT = QuizRule(category="", items=10, minutes=5, pass_mark=Decimal(80))
CHAIN = "spot-quiz-rules"
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


def rule_for(db: Session, category: str) -> QuizRule:
    return db.get(QuizRule, category) or QuizRule(
        category=category, items=DEFAULT.items, minutes=DEFAULT.minutes, pass_mark=DEFAULT.pass_mark
    )


def quizzable(what: SelectT, today: date) -> SelectT:
    """`what`, narrowed to the items a quiz may draw today: current versions, not retired, in
    effect, of the types answered with a thumb."""
    return what.join(Item, (ItemVersion.item_id == Item.id) & (ItemVersion.version == Item.current_version)).where(
        Item.retired_at.is_(None),
        ItemVersion.type.in_(QUIZ_TYPES),
        (ItemVersion.effective_from.is_(None)) | (ItemVersion.effective_from <= today),
        (ItemVersion.retire_on.is_(None)) | (ItemVersion.retire_on > today),
    )


def available(db: Session, today: date) -> dict[str, int]:
    """How many items each category's quizzes may draw from today."""
    query = quizzable(select(ItemVersion.category, func.count()), today).group_by(ItemVersion.category)
    return {category: int(count) for category, count in db.execute(query) if category}


def categories(db: Session, today: date) -> list[str]:
    """The categories with items to quiz from."""
    return sorted(available(db, today))


def save_rule(db: Session, *, category: str, items: int, minutes: int, pass_mark: Decimal, actor: Actor) -> QuizRule:
    problems = []
    if not 1 <= items <= 50:
        problems.append(Problem("bad_rule", "题量须为1至50题", "items is 1 to 50", where="题量"))
    if not 1 <= minutes <= 60:
        problems.append(Problem("bad_rule", "时长须为1至60分钟", "minutes is 1 to 60", where="时长"))
    if not Decimal(0) < pass_mark <= Decimal(100):
        problems.append(Problem("bad_rule", "合格分须在0至100分之间", "pass mark is 0 to 100", where="合格分"))
    if problems:
        raise Invalid("bad_rule", "抽考规则填写有误", "the quiz rule is not valid", problems)
    rule = db.get(QuizRule, category) or QuizRule(category=category)
    rule.items, rule.minutes, rule.pass_mark = items, minutes, pass_mark
    db.add(rule)
    record(
        db,
        chain=CHAIN,
        action="spot_quiz_rule.saved",
        subject=f"spot-quiz-rule:{category}",
        actor=actor,
        payload={"category": category, "items": items, "minutes": minutes, "pass_mark": str(pass_mark)},
    )
    return rule
