"""The quiz rules page (现场抽考规则) for administrators: each category with items to quiz from,
its rule (how many items, how long, the pass mark; the default until one is saved), and how many
items a quiz may draw from, so that a rule asking for more than the bank holds is seen here and
not at a mine gate."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.permissions import Principal, allow
from examhall.db import DbSession
from examhall.errors import ExamhallError, Invalid, Problem
from examhall.spotchecks import rules
from examhall.spotchecks.models import QuizRule
from examhall.web.pages import flash, redirect, refusal, render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, allow("admin")]
PATH = "/admin/spot-rules"


@dataclass(frozen=True)
class Line:
    category: str
    rule: QuizRule
    saved: bool  # False: the default applies
    available: int  # items in force a quiz of this category may draw


def _lines(db: Session, today: date) -> list[Line]:
    counts = rules.available(db, today)
    return [Line(c, rules.rule_for(db, c), db.get(QuizRule, c) is not None, counts[c]) for c in sorted(counts)]


def _page(request: Request, db: Session, **context: Any) -> HTMLResponse:
    today = clock.local_date(clock.now(), request.app.state.settings.timezone)
    return render(request, "spotchecks/rules.html", lines=_lines(db, today), default=rules.DEFAULT, **context)


@router.get(PATH, response_class=HTMLResponse)
def rule_list(request: Request, db: DbSession, _: Admin) -> Response:
    return _page(request, db)


def _whole(text: str, label: str, problems: list[Problem]) -> int:
    text = text.strip()
    if not text.isdigit() or len(text) > 6:
        problems.append(Problem("bad_rule", f"应为整数，而不是“{text[:20]}”", "a whole number", where=label))
        return 0
    return int(text)


def _mark(text: str, problems: list[Problem]) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value != value.quantize(Decimal("0.1")):
        problems.append(
            Problem("bad_rule", f"应为数字（最多一位小数），而不是“{text.strip()[:20]}”", "a number", where="合格分")
        )
        return Decimal(0)
    return value


@router.post(PATH, response_class=HTMLResponse)
def save(
    request: Request,
    db: DbSession,
    me: Admin,
    category: Annotated[str, Form(max_length=100)] = "",
    items: Annotated[str, Form(max_length=20)] = "",
    minutes: Annotated[str, Form(max_length=20)] = "",
    pass_mark: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    typed = {"category": category, "items": items, "minutes": minutes, "pass_mark": pass_mark}
    try:
        if category not in rules.categories(db, clock.local_date(clock.now(), request.app.state.settings.timezone)):
            raise Invalid(
                "no_category",
                f"没有“{category[:100]}”这个可抽考的工种/类别",
                "no items to quiz from in that category",
                [Problem("no_category", "请从列表中选择", "pick one listed", where="工种/类别")],
            )
        problems: list[Problem] = []
        values = (_whole(items, "题量", problems), _whole(minutes, "时长", problems), _mark(pass_mark, problems))
        if problems:
            raise Invalid("bad_rule", "抽考规则填写有误", "the quiz rule is not valid", problems)
        rule = rules.save_rule(
            db, category=category, items=values[0], minutes=values[1], pass_mark=values[2], actor=me.actor
        )
    except ExamhallError as error:
        return _page(request, db, typed=typed, **refusal(db, error))
    flash(
        request,
        f"“{rule.category}”的抽考规则已保存：{rule.items}题，{rule.minutes}分钟，{rule.pass_mark}分合格",
        category,
    )
    return redirect(PATH)
