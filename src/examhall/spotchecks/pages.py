"""The officers' pages, made for a phone held in one hand at a mine gate: their checks, opening
one, the check itself (workers, results, measures, seal), the printed record; and the worker's
one-time link and quiz page."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from examhall import clock
from examhall.accounts.models import User
from examhall.accounts.permissions import Principal, allow, client_address, public
from examhall.db import DbSession, Id
from examhall.errors import ExamhallError, Invalid, NotFound
from examhall.sittings.models import Candidate, Certificate, Enterprise
from examhall.spotchecks import checks, measures, rules, workers
from examhall.spotchecks.access import SESSION_KEY, taker
from examhall.spotchecks.models import SpotCheck, SpotWorker
from examhall.trace import signing
from examhall.trace.sealing import seal_of
from examhall.trace.service import Actor
from examhall.web.pages import actor_names, flash, form_date, qr_svg, redirect, refusal, render

router = APIRouter(include_in_schema=False)
Officer = Annotated[Principal, allow("officer")]


def _today(request: Request) -> date:
    return clock.local_date(clock.now(), request.app.state.settings.timezone)


@router.get("/spot", response_class=HTMLResponse)
def home(request: Request, db: DbSession, me: Officer) -> Response:
    mine = list(
        db.scalars(
            select(SpotCheck)
            .where((SpotCheck.officer_id == me.id) | (SpotCheck.partner_id == me.id))
            .order_by(SpotCheck.id.desc())
            .limit(100)
        )
    )
    companies = {
        e.id: e.name for e in db.scalars(select(Enterprise).where(Enterprise.id.in_({c.enterprise_id for c in mine})))
    }
    return render(request, "spotchecks/home.html", checks=mine, companies=companies, states=checks.STATES)


def _new_page(request: Request, db: DbSession, me: Principal, **context: Any) -> HTMLResponse:
    partners = [u for u in checks.officers(db) if u.id != me.id]
    return render(request, "spotchecks/new.html", partners=partners, today=_today(request), **context)


@router.get("/spot/new", response_class=HTMLResponse)
def new(request: Request, db: DbSession, me: Officer) -> Response:
    return _new_page(request, db, me)


@router.post("/spot/new", response_class=HTMLResponse)
def open_check(
    request: Request,
    db: DbSession,
    me: Officer,
    enterprise: Annotated[str, Form(max_length=200)],
    place: Annotated[str, Form(max_length=300)],
    held_on: Annotated[str, Form(max_length=20)],
    partner_id: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0,
) -> Response:
    try:
        made = checks.open_check(
            db,
            enterprise=enterprise,
            place=place,
            held_on=form_date(held_on, "日期"),
            partner_id=partner_id,
            user_id=me.id,
            actor=me.actor,
        )
    except ExamhallError as error:
        typed = {"enterprise": enterprise, "place": place, "held_on": held_on, "partner_id": partner_id}
        return _new_page(request, db, me, typed=typed, **refusal(db, error))
    flash(request, "抽考已开启，请同行执法人员在其手机上确认")
    return redirect(f"/spot/checks/{made.id}")


def _shown(db: DbSession, check: SpotCheck) -> dict[str, Any]:
    """What both the check's page and its record show: the check, its enterprise and officers,
    and each worker quizzed with who they are."""
    quizzed = list(db.scalars(select(SpotWorker).where(SpotWorker.check_id == check.id).order_by(SpotWorker.id)))
    people = {c.id: c for c in db.scalars(select(Candidate).where(Candidate.id.in_([w.candidate_id for w in quizzed])))}
    officers = {
        u.id: u.display_name for u in db.scalars(select(User).where(User.id.in_([check.officer_id, check.partner_id])))
    }
    company = db.get(Enterprise, check.enterprise_id)
    return {
        "check": check,
        "company": company.name if company else "",
        "workers": quizzed,
        "people": people,
        "officers": officers,
    }


def _check_page(request: Request, db: DbSession, check_id: int, me: Principal, **context: Any) -> HTMLResponse:
    check = checks.mine(db, check_id, me.id)
    shown = _shown(db, check)
    quizzed = shown["workers"]
    certificates = {
        c.id: c
        for c in db.scalars(
            select(Certificate).where(Certificate.id.in_([w.certificate_id for w in quizzed if w.certificate_id]))
        )
    }
    done = [w for w in quizzed if w.submitted_at is not None]
    return render(
        request,
        "spotchecks/check.html",
        **shown,
        certificates=certificates,
        passed=sum(1 for w in done if w.passed),
        submitted=len(done),
        measures=measures.measures_of(db, check.id),
        kinds=measures.KINDS,
        posts=rules.POSTS,
        findings=workers.FINDINGS,
        categories=rules.categories(db, _today(request)),
        states=checks.STATES,
        me_id=me.id,
        today=_today(request),
        **context,
    )


@router.get("/spot/checks/{check_id}", response_class=HTMLResponse)
def check_page(request: Request, check_id: Id, db: DbSession, me: Officer) -> Response:
    return _check_page(request, db, check_id, me)


@router.post("/spot/checks/{check_id}", response_class=HTMLResponse)
def act(
    request: Request,
    check_id: Id,
    db: DbSession,
    me: Officer,
    action: Annotated[str, Form(max_length=30)],
    code: Annotated[str, Form(max_length=2000)] = "",
    id_number: Annotated[str, Form(max_length=30)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    post: Annotated[str, Form(max_length=30)] = "",
    category: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=30)] = "",
    detail: Annotated[str, Form(max_length=4000)] = "",
    deadline: Annotated[str, Form(max_length=20)] = "",
    worker_id: Annotated[Id | None, Form()] = None,
    measure_id: Annotated[Id | None, Form()] = None,
    follow_up: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """One form for what an officer does in a check."""
    zone = request.app.state.settings.timezone
    try:
        if action == "confirm_open":
            checks.confirm_open(db, check_id=check_id, user_id=me.id, actor=me.actor)
            done = "已确认，可以开始抽考"
        elif action == "add_worker":
            form = workers.WorkerForm(code, id_number, name, post, category)
            added = workers.add_worker(db, check_id=check_id, form=form, user_id=me.id, actor=me.actor, timezone=zone)
            done = f"已加入受检人员，证书核验：{workers.FINDINGS[added.finding]}"
        elif action == "measure":
            when = form_date(deadline, "期限") if deadline.strip() else None
            measures.propose(
                db,
                check_id=check_id,
                kind=kind,
                detail=detail,
                deadline=when,
                worker_id=worker_id,
                user_id=me.id,
                actor=me.actor,
            )
            done = "措施已提出，须由另一名执法人员确认"
        elif action == "confirm_measure" and measure_id is not None:
            measures.confirm(db, check_id=check_id, measure_id=measure_id, user_id=me.id, actor=me.actor)
            done = "措施已确认"
        elif action == "follow_up" and measure_id is not None:
            measures.follow_up(
                db, check_id=check_id, measure_id=measure_id, text=follow_up, user_id=me.id, actor=me.actor
            )
            done = "复查情况已记录"
        elif action == "ask_seal":
            checks.ask_seal(db, check_id=check_id, user_id=me.id, actor=me.actor)
            done = "已提出封存，须由另一名执法人员确认"
        elif action == "confirm_seal":
            checks.confirm_seal(db, check_id=check_id, user_id=me.id, actor=me.actor)
            done = "本次抽考已封存并签名"
        elif action == "reopen":
            checks.reopen(db, check_id=check_id, user_id=me.id, actor=me.actor)
            done = "已撤回封存"
        else:
            raise Invalid("bad_action", "不能进行此操作", "not an action you may take here")
    except ExamhallError as error:
        typed = {"id_number": id_number, "name": name, "post": post, "category": category, "code": code}
        typed |= {"kind": kind, "detail": detail, "deadline": deadline}
        return _check_page(request, db, check_id, me, typed=typed, **refusal(db, error))
    flash(request, done)
    return redirect(f"/spot/checks/{check_id}")


def _worker_in(db: DbSession, check_id: int, worker_id: int, me: Principal) -> SpotWorker:
    """A worker of one of this officer's checks; anyone else's is not found."""
    checks.mine(db, check_id, me.id)
    worker = workers.worker_of(db, worker_id)
    if worker.check_id != check_id:
        raise NotFound("no_worker", "没有这名受检人员", f"no worker {worker_id} in check {check_id}")
    return worker


@router.get("/spot/checks/{check_id}/workers/{worker_id}/link", response_class=HTMLResponse)
def link_page(request: Request, check_id: Id, worker_id: Id, db: DbSession, me: Officer) -> Response:
    _worker_in(db, check_id, worker_id, me)
    return render(request, "spotchecks/link.html", check_id=check_id, worker_id=worker_id)


@router.post("/spot/checks/{check_id}/workers/{worker_id}/link", response_class=HTMLResponse)
def make_link(request: Request, check_id: Id, worker_id: Id, db: DbSession, me: Officer) -> Response:
    """A QR code the worker scans with their own phone: it opens the quiz once, for them alone."""
    worker = _worker_in(db, check_id, worker_id, me)
    try:
        secret = workers.make_link(db, worker_id=worker_id, user_id=me.id, actor=me.actor)
    except ExamhallError as error:
        return _check_page(request, db, check_id, me, **refusal(db, error))
    link = f"{request.app.state.settings.public_url.rstrip('/')}/spot/q/{secret}"
    person = db.get(Candidate, worker.candidate_id)
    return render(
        request,
        "spotchecks/link.html",
        check_id=check_id,
        worker_id=worker_id,
        name=person.name if person else "",
        link=link,
        qr=qr_svg(link),
    )


@router.get("/spot/q/{secret}", response_class=HTMLResponse)
def link_opened(request: Request, secret: str, db: DbSession, _: Annotated[Principal | None, public()]) -> Response:
    """What the worker's camera opens: who the quiz is for, and a button that starts it. Opening
    the address uses nothing up (a link preview must not spend it); the button does."""
    worker = workers.unused_link(db, secret=secret[:64])
    if worker is None:
        return render(request, "spotchecks/quiz_closed.html", status_code=404, error=workers.LINK_USED)
    person = db.get(Candidate, worker.candidate_id)
    return render(request, "spotchecks/link_open.html", secret=secret[:64], name=person.name if person else "")


@router.post("/spot/q/{secret}", response_class=HTMLResponse)
def use_link(
    request: Request, secret: str, db: DbSession, _: Annotated[Principal | None, public(csrf=True)]
) -> Response:
    try:
        worker = workers.use_link(db, secret=secret[:64], actor=Actor("worker", "worker", client_address(request)))
    except ExamhallError as error:
        return render(request, "spotchecks/quiz_closed.html", **refusal(db, error))
    request.session.clear()
    request.session[SESSION_KEY] = worker.id
    return redirect(f"/spot/quiz/{worker.id}")


@router.get("/spot/quiz/{worker_id}", response_class=HTMLResponse)
def quiz_page(request: Request, worker_id: Id, db: DbSession, me: Annotated[Principal | None, public()]) -> Response:
    try:
        worker, _ = taker(request, db, worker_id, me)
    except ExamhallError as error:
        return render(request, "spotchecks/quiz_closed.html", **refusal(db, error))
    person = db.get(Candidate, worker.candidate_id)
    return render(
        request,
        "spotchecks/quiz.html",
        worker=worker,
        name=person.name if person else "",
        back=f"/spot/checks/{worker.check_id}" if me is not None and me.role == "officer" else "",
    )


@router.get("/spot/checks/{check_id}/record", response_class=HTMLResponse)
def record_page(request: Request, check_id: Id, db: DbSession, me: Officer) -> Response:
    """现场抽考记录: one A4 page with each worker, score and measure, and the seal."""
    check = checks.mine(db, check_id, me.id)
    sealed = seal_of(db, check.chain)
    return render(
        request,
        "spotchecks/record.html",
        **_shown(db, check),
        measures=measures.measures_of(db, check.id),
        kinds=measures.KINDS,
        posts=rules.POSTS,
        findings=workers.FINDINGS,
        seal=sealed,
        verified=checks.verify(db, check.id) if sealed else None,
        key_id=signing.signer(db).key_id,
        names=actor_names(db, [sealed.sealed_by] if sealed else []),
    )
