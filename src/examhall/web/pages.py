"""What every page shares: the Jinja2 environment, rendering with the logged-in user and the
CSRF token, messages in Chinese (a refusal naming its fields as the form does, a success said
once after a redirect), local times in Chinese, the error page, the home page and the icon."""

import io
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.accounts.models import ROLE_NAMES_ZH, User
from examhall.accounts.permissions import Principal, csrf_token, public
from examhall.errors import ExamhallError, Invalid, Problem

PACKAGE = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"
templates = Jinja2Templates(
    directory=[
        Path(__file__).resolve().parent / "templates",
        *sorted(p for p in PACKAGE.glob("*/templates") if p.parent.name != "web"),
    ]
)
templates.env.globals["role_names"] = ROLE_NAMES_ZH

# The names forms give their fields, as the forms label them: a refusal says 身份证号, not id_number.
FIELD_NAMES_ZH = {
    "id_number": "身份证号",
    "name": "名称",
    "display_name": "姓名",
    "username": "用户名",
    "password": "密码",
    "new_password": "新密码",
    "current_password": "当前密码",
    "role": "角色",
    "area_code": "地区代码",
    "code": "代码",
    "address": "地址",
    "site_id": "考点",
    "room_id": "考场",
    "exam_id": "考试",
    "user_id": "人员",
    "seats": "座位数",
    "columns": "每排座位数",
    "starts_at": "开考时间",
    "category": "工种/类别",
    "blueprint": "组卷规则",
    "bank": "题库",
    "required_hours": "要求培训学时",
    "file": "文件",
    "institution": "所属机构",
    "reason": "理由",
    "note": "处理意见",
    "held_on": "考核日期",
    "panel_size": "评委人数",
    "venue": "地点",
    "plan_id": "考核方案",
    "preset": "方案",
    "minutes": "限时（分钟）",
    "title": "名称",
    "instructions": "任务要求",
    "subject": "科目",
    "difficulty": "难度",
    "page": "页码",
    "text": "规则",
    "phone": "手机",
}

# The validation messages FastAPI (pydantic) writes in English, as a form's user reads them.
FRAMEWORK_MESSAGES_ZH = [
    (re.compile(r"^Field required$"), "必须填写"),
    (re.compile(r"^Input should be a valid integer"), "应为整数"),
    (re.compile(r"^Input should be a valid number"), "应为数字"),
    (re.compile(r"^Input should be a valid date"), "应为日期（年-月-日）"),
    (re.compile(r"^Input should be a valid datetime"), "应为日期和时间"),
    (re.compile(r"^Input should be a valid boolean"), "应为是或否"),
    (re.compile(r"^String should have at most (\d+) characters?"), r"最多\1个字"),
    (re.compile(r"^String should have at least (\d+) characters?"), r"至少\1个字"),
    (re.compile(r"^Input should be greater than or equal to (\S+)"), r"应不小于\1"),
    (re.compile(r"^Input should be greater than (\S+)"), r"应大于\1"),
    (re.compile(r"^Input should be less than or equal to (\S+)"), r"应不大于\1"),
    (re.compile(r"^Input should be less than (\S+)"), r"应小于\1"),
    (re.compile(r"^Value error, (.*)$"), r"\1"),
]


def field_name(where: str, labels: Mapping[str, str] | None = None) -> str:
    """A problem's place as the page names it: `body.id_number` or `id_number` reads 身份证号."""
    names = {**FIELD_NAMES_ZH, **(labels or {})}
    parts = [p for p in where.split(".") if p not in ("body", "query", "path", "form")]
    return names.get(parts[-1] if parts else where, ".".join(parts) or where)


def message_zh(text: str) -> str:
    for pattern, zh in FRAMEWORK_MESSAGES_ZH:
        if pattern.search(text):
            return pattern.sub(zh, text, count=1)
    return text


def problem_text(problem: Problem, labels: Mapping[str, str] | None = None) -> str:
    where = field_name(problem.where, labels) if problem.where else ""
    text = message_zh(problem.zh)
    return f"{where}：{text}" if where else text


def qr_svg(text: str) -> Markup:
    out = io.BytesIO()
    # A full QR code, never a Micro QR (which segno.make picks for short numbers): phones read only QR.
    segno.make_qr(text, error="m").save(out, kind="svg", border=2, xmldecl=False, svgns=True, omitsize=True)
    return Markup(out.getvalue().decode())  # noqa: S704 (segno's own SVG)


def form_date(text: str, label: str) -> date:
    """A date typed in a form (an <input type="date"> sends YYYY-MM-DD), or the refusal naming
    the field."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(
            "bad_date",
            f"{label}应为日期",
            f"{label}: not a date",
            [Problem("bad_date", f"“{text}”不是日期（年-月-日）", f"'{text}' is not a date", where=label)],
        ) from None


def local_time(value: datetime | None, zone: str, *, seconds: bool = False) -> str:
    """A time as the exam body reads it, in its own time zone: 2026年3月5日 09:00 (and :05, to
    the second, where an audit needs the order of events)."""
    if not value:
        return ""
    at = value.astimezone(ZoneInfo(zone))
    return (
        f"{at.year}年{at.month}月{at.day}日 {at:%H:%M:%S}"
        if seconds
        else f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"
    )


def zh_date(value: date | str | None) -> str:
    """A day as Chinese pages write it: 2026年3月5日."""
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


templates.env.filters["zh_date"] = zh_date
templates.env.filters["local_seconds"] = lambda value, zone: local_time(value, zone, seconds=True)
templates.env.filters.setdefault("local", lambda value, zone="Asia/Shanghai": local_time(value, zone))


def actor_names(db: Session, actors: Iterable[str]) -> dict[str, str]:
    """Who did something, as a person reads it: an account's name, or 命令行（root） for the
    command line, never the internal `cli:root`."""
    wanted = set(actors)
    people = {
        u.username: u.display_name or u.username
        for u in db.scalars(select(User).where(User.username.in_(wanted - {""})))
    }
    return {
        actor: people.get(actor)
        or (f"命令行（{actor[4:]}）" if actor.startswith("cli:") else {"draw": "随机抽取"}.get(actor, actor))
        for actor in wanted
    }


def flash(request: Request, message: str, where: str = "") -> None:
    """A success to say on the next page shown (after the redirect that follows a change);
    `where` names the part of a page with several forms that it belongs beside."""
    request.session["done"] = [message, where]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.update(principal=getattr(request.state, "principal", None), csrf_token=csrf_token(request))
    if status_code < 300 and "done" in request.session:
        said = request.session.pop("done")
        message, where = said if isinstance(said, list) and len(said) == 2 else (str(said), "")
        context.setdefault("done", message)
        context.setdefault("done_where", where)
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def error_page(request: Request, status_code: int, message: str, problems: list[Problem] | None = None) -> HTMLResponse:
    texts = [problem_text(p) for p in problems or []]
    return render(request, "error.html", status_code=status_code, message=message, problems=texts)


def refusal(db: Session, error: ExamhallError, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What a page shows of a refused form. The transaction is rolled back (a refusal changes
    nothing) unless what it wrote is the record of the refusal itself. `labels` names the form's
    fields where the common names would not do."""
    if not error.commit:
        db.rollback()
    return {
        "status_code": error.status,
        "error": error.zh,
        "problems": [problem_text(p, labels) for p in error.problems],
    }


def form_error(request: Request, db: Session, template: str, error: ExamhallError, **context: Any) -> HTMLResponse:
    return render(request, template, **refusal(db, error), **context)


def local_path(url: str | None, default: str = "/") -> str:
    """`url` when it stays on this site, else `default`: a login's "next" is no open redirect."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return default


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: Annotated[Principal | None, public()]) -> Response:
    if principal is None:
        return redirect("/login")
    return render(request, "home.html")


@router.get("/favicon.ico")
def favicon(_: Annotated[Principal | None, public()]) -> FileResponse:
    """Browsers ask every page's host for it; without one each page logs a failed request."""
    return FileResponse(
        STATIC_DIR / "favicon.ico", media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"}
    )
