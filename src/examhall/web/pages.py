"""What every page shares: the Jinja2 environment, rendering with the logged-in user and the
CSRF token, the error page, and the home page."""

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from examhall.accounts.models import ROLE_NAMES_ZH
from examhall.accounts.permissions import Principal, csrf_token, public
from examhall.errors import ExamhallError, Problem

PACKAGE = Path(__file__).resolve().parent.parent
STATIC_DIR = Path(__file__).resolve().parent / "static"
templates = Jinja2Templates(
    directory=[
        Path(__file__).resolve().parent / "templates",
        *sorted(p for p in PACKAGE.glob("*/templates") if p.parent.name != "web"),
    ]
)
templates.env.globals["role_names"] = ROLE_NAMES_ZH


def local_time(value: datetime | None, zone: str) -> str:
    """A time as the exam body reads it, in its own time zone."""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") if value else ""


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.update(principal=getattr(request.state, "principal", None), csrf_token=csrf_token(request))
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def error_page(request: Request, status_code: int, message: str, problems: list[Problem] | None = None) -> HTMLResponse:
    return render(
        request, "error.html", status_code=status_code, message=message, problems=[p.text("zh") for p in problems or []]
    )


def refusal(db: Session, error: ExamhallError) -> dict[str, Any]:
    """What a page shows of a refused form. The transaction is rolled back (a refusal changes
    nothing) unless what it wrote is the record of the refusal itself."""
    if not error.commit:
        db.rollback()
    return {"status_code": error.status, "error": error.zh, "problems": [p.text("zh") for p in error.problems]}


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
