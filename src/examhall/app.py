"""The web application: each domain's API router and pages, sessions, errors, health."""

import asyncio
import gc
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from importlib.resources import files
from typing import Annotated, Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from examhall.accounts import pages as accounts_pages
from examhall.accounts import router as accounts_router
from examhall.accounts.permissions import Principal, public
from examhall.assessments import pages as assessments_pages
from examhall.assessments import router as assessments_router
from examhall.banks import pages as banks_pages
from examhall.banks import router as banks_router
from examhall.certificates import pages as certificates_pages
from examhall.certificates import registry_pages as certificates_registry_pages
from examhall.certificates import router as certificates_router
from examhall.config import Settings, get_settings
from examhall.db import Database, schema_problem
from examhall.delivery import pages as delivery_pages
from examhall.delivery import router as delivery_router
from examhall.delivery.submitting import sweep
from examhall.errors import ExamhallError, Problem, Unauthorized
from examhall.grading import pages as grading_pages
from examhall.grading import router as grading_router
from examhall.oversight import pages as oversight_pages
from examhall.oversight import router as oversight_router
from examhall.papers import pages as papers_pages
from examhall.papers import router as papers_router
from examhall.proctoring import pages as proctoring_pages
from examhall.proctoring import router as proctoring_router
from examhall.sittings import pages as sittings_pages
from examhall.sittings import router as sittings_router
from examhall.spotchecks import pages as spotchecks_pages
from examhall.spotchecks import report_pages as spotchecks_report_pages
from examhall.spotchecks import router as spotchecks_router
from examhall.spotchecks import rule_pages as spotchecks_rule_pages
from examhall.trace import pages as trace_pages
from examhall.trace import router as trace_router
from examhall.trace import signing
from examhall.web import pages as web_pages
from examhall.web.pages import STATIC_DIR, error_page, local_time, redirect, templates

log = logging.getLogger("examhall")

# Every page's scripts and styles come from examhall itself: exam rooms are often offline, and
# the policy makes the browser refuse anything else.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


class BodyLimit:
    """Refuses a request body past the upload limit before it is read, not after it fills a disk."""

    def __init__(self, app: ASGIApp, megabytes: int) -> None:
        self.app = app
        self.megabytes = megabytes
        self.max_bytes = (megabytes + 1) * 1024 * 1024  # the file, and the form around it

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length", b"0")
            if length.isdigit() and int(length) > self.max_bytes:
                message = f"上传内容超过{self.megabytes}MB上限"
                response = JSONResponse({"code": "too_large", "message": message, "problems": []}, status_code=413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


# A JSON escape of a UTF-16 surrogate: only in a pair does it make a character.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _lone_surrogate(body: bytes) -> str | None:
    """Where in a JSON body a text holds a lone surrogate (no UTF-8 can hold it), as a field path."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: the route's own parsing says so

    def find(node: Any, path: tuple[str, ...]) -> tuple[str, ...] | None:
        if isinstance(node, str):
            return path if any("\ud800" <= c <= "\udfff" for c in node) else None
        if isinstance(node, dict):
            items: Any = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            return None
        for key, child in items:
            if (found := find(child, (*path, str(key)))) is not None:
                return found
        return None

    found = find(value, ("body",))
    return ".".join(found) if found is not None else None


class RefuseUnstorable:
    """Text no database column can store is refused before anything reads it: a NUL character
    (PostgreSQL text cannot hold one) in the address or in a JSON or form body, and a lone
    surrogate in a JSON body (not a character at all; its field is named). Nothing anyone types
    has either. (Uploaded files, which may hold any bytes, are not looked into.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.marks = {b"application/json": b"\\u0000", b"application/x-www-form-urlencoded": b"%00"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("raw_path", b"") or b"%00" in scope["query_string"]:
            await self.refuse(scope, receive, send, _NUL, "address")
            return
        kind = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        mark = self.marks.get(kind)
        if mark is None:
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if mark in body:
            await self.refuse(scope, receive, send, _NUL, "body")
            return
        if kind == b"application/json" and _SURROGATE_ESCAPE.search(body) and (where := _lone_surrogate(body)):
            await self.refuse(scope, receive, send, _SURROGATE, where)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def refuse(scope: Scope, receive: Receive, send: Send, problem: Problem, where: str) -> None:
        problems = _problems_json([replace(problem, where=where)])
        content = {"code": problem.code, "message": problem.zh, "problems": problems}
        await JSONResponse(content, status_code=422)(scope, receive, send)


_NUL = Problem("nul_character", "请求中含有空字符（NUL），已拒绝", "the request holds a NUL character")
_SURROGATE = Problem(
    "lone_surrogate", "文字中含有无法保存的字符（单独的代理码位），已拒绝", "a text holds a lone surrogate"
)


async def submit_when_time_is_up(database: Database) -> None:
    """Submit attempts whose time is up, whether or not a browser is open. Every process runs
    this; the database sees to it that each attempt is submitted once."""

    def once() -> None:
        with database.transaction() as db:
            sweep(db)

    while True:
        await asyncio.sleep(database.settings.sweep_seconds)
        try:
            await anyio.to_thread.run_sync(once)
        except Exception:
            log.exception("the time-up sweep failed; it runs again shortly")


class ProblemOut(BaseModel):
    code: str
    where: str
    message: str
    warning: bool


class RefusalOut(BaseModel):
    """Every refusal of the API: what is wrong (a code, and a message in Chinese) and, for bad
    input, each problem with where it is."""

    code: str
    message: str
    problems: list[ProblemOut]


REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": RefusalOut, "description": description}
    for status, description in (
        (400, "the request cannot be done as asked"),
        (401, "not logged in, or the session has ended"),
        (403, "the role may not do this, or the CSRF token is missing"),
        (404, "no such object, or not one of yours"),
        (409, "the object's state does not allow it"),
        (422, "bad input: each problem named with where it is"),
        (429, "too many tries; wait and try again"),
    )
}


class ConfigurationError(Exception):
    """Settings that must not serve; the message names the setting."""


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = (DOCS_CSP if scope["path"] == "/docs" else CSP).encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [
                    (b"content-security-policy", csp),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _problems_json(problems: list[Problem]) -> list[dict[str, Any]]:
    return [{"code": p.code, "where": p.where, "message": p.zh, "warning": p.warning} for p in problems]


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ExamhallError)
    async def refused(request: Request, exc: ExamhallError) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"code": exc.code, "message": exc.zh, "problems": _problems_json(exc.problems)}, status_code=exc.status
            )
        if isinstance(exc, Unauthorized):
            if request.url.path.startswith("/exam"):
                return redirect("/exam")
            return redirect(f"/login?next={request.url.path}")
        return error_page(request, exc.status, exc.zh, exc.problems)

    @app.exception_handler(RequestValidationError)
    async def unreadable(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            Problem(
                "invalid_field",
                str(e.get("msg", "")),
                str(e.get("msg", "")),
                ".".join(str(part) for part in e.get("loc", ())),
            )
            for e in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse(
                {"code": "invalid_request", "message": "请求数据有误", "problems": _problems_json(problems)},
                status_code=422,
            )
        return error_page(request, 422, "提交的内容有误", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = {404: "页面不存在", 405: "不支持此操作"}.get(exc.status_code, "请求无法处理")
        if _wants_json(request):
            return JSONResponse(
                {"code": f"http_{exc.status_code}", "message": message, "problems": []},
                status_code=exc.status_code,
                headers=exc.headers,
            )
        return error_page(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        message = "系统内部错误，已记录。请稍后重试或联系考务人员。"
        if _wants_json(request):
            return JSONResponse({"code": "internal_error", "message": message, "problems": []}, status_code=500)
        return HTMLResponse(
            f"<!doctype html><meta charset=utf-8><title>系统错误</title><p>{message}</p>", status_code=500
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if problems := settings.production_problems():
        raise ConfigurationError("; ".join(problems))
    database = Database(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # A serving process keeps a million long-lived objects (the papers of the day), and at
        # Python's default thresholds a full collection over them (half a second) came every few
        # seconds under load. Young garbage is still collected often; full passes are rarer.
        gc.set_threshold(7000, 10, 100)
        sweeper = asyncio.create_task(submit_when_time_is_up(database)) if settings.sweep_seconds else None
        yield
        if sweeper is not None:
            sweeper.cancel()
        database.dispose()

    app = FastAPI(
        title="examhall",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        description="Exam delivery for work-safety certification exams. JSON API under /api/v1.",
    )
    app.state.settings = settings
    app.state.database = database
    templates.env.filters["local"] = lambda value, zone=settings.timezone: local_time(value, zone)

    for module in (  # the candidates' API first: routes are matched in order, and theirs is the load
        delivery_router,
        accounts_router,
        trace_router,
        banks_router,
        papers_router,
        sittings_router,
        proctoring_router,
        grading_router,
        assessments_router,
        certificates_router,
        spotchecks_router,
        oversight_router,
    ):
        app.include_router(module.router, responses=REFUSALS)
    for module in (
        web_pages,
        accounts_pages,
        trace_pages,
        banks_pages,
        papers_pages,
        sittings_pages,
        delivery_pages,
        proctoring_pages,
        grading_pages,
        certificates_registry_pages,
        certificates_pages,
        spotchecks_pages,
        spotchecks_report_pages,
        spotchecks_rule_pages,
        assessments_pages,
        oversight_pages,
    ):
        app.include_router(module.router)
    app.mount("/static/docs", StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs-static")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs(_: Annotated[Principal | None, public()]) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="examhall API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
        )

    @app.get("/healthz", include_in_schema=False)
    def healthz(_: Annotated[Principal | None, public()]) -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get(signing.PUBLIC_KEY_PATH, include_in_schema=False)
    def signing_key(_: Annotated[Principal | None, public()]) -> PlainTextResponse:
        """The exam body's public key, which checks every seal, anchor and evidence bundle."""

        def read() -> str:
            with database.transaction(write=False) as db:
                return signing.public_pem(signing.signer(db).public)

        try:
            return PlainTextResponse(read(), media_type="application/x-pem-file")
        except signing.KeyProblem:
            log.exception("the signing key cannot be read")
            return PlainTextResponse("签名公钥暂不可用", status_code=503)

    @app.get("/readyz", include_in_schema=False)
    def readyz(_: Annotated[Principal | None, public()]) -> PlainTextResponse:
        problem = schema_problem(database.engine)
        return PlainTextResponse(problem or "ready", status_code=503 if problem else 200)

    _install_error_handlers(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="examhall_session",
        max_age=settings.session_max_age_minutes * 60,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(RefuseUnstorable)
    app.add_middleware(BodyLimit, megabytes=settings.max_upload_mb)
    app.add_middleware(SecurityHeaders)
    return app
