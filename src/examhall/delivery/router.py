"""JSON API for candidates sitting their exam (their own attempt only) and for the proctors who
let them start."""

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.permissions import Principal, allow, client_address, public, start_session
from examhall.accounts.router import throttle
from examhall.db import DatabaseDep, DbSession, Id
from examhall.delivery import admission, answering, paper, service, submitting, supervision
from examhall.delivery.models import Attempt
from examhall.delivery.schemas import (
    AnswersIn,
    AnswersOut,
    AuthorizeIn,
    CandidateLoginIn,
    CandidateLoginOut,
    CodeIn,
    NoticeOut,
    PaperOut,
    RoomRow,
    SignalIn,
    StatusOut,
    SubmitOut,
)
from examhall.errors import Invalid
from examhall.sittings.models import Sitting

router = APIRouter(prefix="/api/v1/delivery", tags=["delivery"])
Candidate = Annotated[Principal, allow("candidate")]
Proctor = Annotated[Principal, allow("proctor", "chief_examiner", "admin")]
Watcher = Annotated[Principal, allow("proctor", "chief_examiner", "admin", "inspector")]


def candidate_session(request: Request, login: admission.Login) -> str:
    return start_session(
        request,
        kind="candidate",
        id=login.registration.id,
        name=login.registration.ticket or "",
        role="candidate",
        generation=login.attempt.generation,
    )


def mine(db: Any, attempt_id: Id, me: Principal) -> Attempt:
    return admission.own_attempt(db, attempt_id=attempt_id, registration_id=me.id, generation=me.generation)


CLOSED = ("ended", "sealed")  # a sitting's states once it is over


def sitting_state(db: Session, attempt: Attempt) -> str:
    """The state of the attempt's sitting. service.status has read the sitting in this session
    already, so this costs no query."""
    sitting = db.get(Sitting, attempt.sitting_id)
    return sitting.state if sitting else ""


def status_out(found: service.Status, sitting: str = "open") -> StatusOut:
    """The attempt's status. An attempt that never started in a sitting that is over shows as
    "closed", so that a page still waiting says the exam has ended; until the status carries the
    sitting's state itself, this is where that is decided."""
    attempt = found.attempt
    closed = attempt.state in ("waiting", "authorized") and sitting in CLOSED
    return StatusOut(
        state="closed" if closed else attempt.state,
        can_start=found.can_start and not closed,
        reason="本场考试已结束" if closed else found.reason,
        server_time=found.now,
        starts_at=found.starts_at,
        deadline=attempt.deadline,
        remaining_seconds=service.remaining(attempt, found.now),
        paused=attempt.paused_at is not None,
        notices=[NoticeOut(at=n.at, kind=n.kind, text=n.text) for n in found.notices],
    )


# A candidate's requests are the exam day's load: each runs its unit of work in one worker thread
# (Database.run), holding the write lock only while its statements run.


# A JSON body cannot be sent cross-site (no CORS), so the candidate's JSON login needs no token.
@router.post("/login", response_model=CandidateLoginOut)
async def login(
    body: CandidateLoginIn, request: Request, database: DatabaseDep, _: Annotated[Principal | None, public()]
) -> CandidateLoginOut:
    limits, client = throttle(request.app.state.settings), client_address(request)
    made = await database.run(
        lambda db: admission.log_in(
            db, ticket=body.ticket, id_number=body.id_number, code=body.code, client=client, throttle=limits
        )
    )
    return CandidateLoginOut(attempt=made.attempt.id, csrf_token=candidate_session(request, made))


@router.get("/attempts/{attempt_id}/status", response_model=StatusOut)
async def status(attempt_id: Id, database: DatabaseDep, me: Candidate) -> StatusOut:
    def work(db: Session) -> tuple[StatusOut, bool]:
        found = service.status(db, mine(db, attempt_id, me))
        sitting = sitting_state(db, found.attempt)
        return status_out(found, sitting), sitting in CLOSED or service.seen_lately(found.attempt)

    out, needless = await database.run(work, write=False)
    if not needless:
        # Presence is the one thing a poll writes, in its own short transaction, now and then.
        await database.run(lambda db: service.touch(db, attempt_id))
    return out


# The start returns the paper (one request for pressing start), and both return it as bytes put
# together from the paper stored when the sitting opened: nothing is validated or encoded again.
@router.post("/attempts/{attempt_id}/start", response_model=PaperOut)
async def start(attempt_id: Id, database: DatabaseDep, me: Candidate) -> Response:
    def work(db: Session) -> bytes:
        attempt = mine(db, attempt_id, me)
        fresh = attempt.started_at is None
        service.start(db, attempt=attempt, actor=me.actor)
        return paper.reply(db, attempt, status_out(service.status(db, attempt)), fresh=fresh)

    return Response(await database.run(work), media_type="application/json")


@router.get("/attempts/{attempt_id}/paper", response_model=PaperOut)
async def paper_again(attempt_id: Id, database: DatabaseDep, me: Candidate) -> Response:
    def work(db: Session) -> bytes:
        attempt = mine(db, attempt_id, me)
        if attempt.state not in ("in_progress", "submitted"):
            raise Invalid("not_started", "考试尚未开始", "the attempt has not started")
        return paper.reply(db, attempt, status_out(service.status(db, attempt)))

    return Response(await database.run(work, write=False), media_type="application/json")


@router.post("/attempts/{attempt_id}/answers", response_model=AnswersOut)
async def save(attempt_id: Id, body: AnswersIn, database: DatabaseDep, me: Candidate) -> AnswersOut:
    entries = [
        answering.Entry(
            seq=e.seq, n=e.n, response=e.response, has_response="response" in e.model_fields_set, flagged=e.flagged
        )
        for e in body.entries
    ]

    def work(db: Session) -> AnswersOut:
        saved = answering.save(
            db, attempt_id=attempt_id, registration_id=me.id, generation=me.generation, entries=entries, actor=me.actor
        )
        return AnswersOut(
            applied=saved.applied,
            ignored=saved.ignored,
            server_time=clock.now(),
            deadline=saved.deadline,
            remaining_seconds=saved.remaining_seconds,
            state="in_progress",  # anything else is refused
            paused=False,
        )

    return await database.run(work)


@router.post("/attempts/{attempt_id}/signals", status_code=204)
async def signal(attempt_id: Id, body: SignalIn, database: DatabaseDep, me: Candidate) -> None:
    await database.run(
        lambda db: service.signal(
            db, attempt=mine(db, attempt_id, me), kind=body.kind, detail=body.detail, actor=me.actor
        )
    )


@router.post("/attempts/{attempt_id}/submit", response_model=SubmitOut)
async def submit(attempt_id: Id, database: DatabaseDep, me: Candidate) -> SubmitOut:
    def work(db: Session) -> SubmitOut:
        attempt = mine(db, attempt_id, me)
        left = submitting.submit(db, attempt=attempt, by="candidate", actor=me.actor)
        return SubmitOut(state=attempt.state, unanswered=left)

    return await database.run(work)


# --- proctors -------------------------------------------------------------------------------------


def staffed(db: Any, sitting_id: Id, me: Principal) -> Sitting:
    return supervision.staffed_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)


@router.get("/sittings/{sitting_id}/attempts", response_model=list[RoomRow])
def room(sitting_id: Id, db: DbSession, me: Watcher) -> list[RoomRow]:
    staffed(db, sitting_id, me)
    return [
        RoomRow(
            registration=r.id,
            seat=r.seat,
            ticket=r.ticket,
            name=c.name,
            attempt=a.id if a else None,
            state=a.state if a else "absent",
            last_seen_at=a.last_seen_at if a else None,
        )
        for r, c, a in supervision.room_attempts(db, sitting_id)
    ]


@router.post("/sittings/{sitting_id}/authorize")
def authorize(sitting_id: Id, body: AuthorizeIn, db: DbSession, me: Proctor) -> dict[str, list[int]]:
    sitting = staffed(db, sitting_id, me)
    ids = None if body.all else (body.attempt_ids or [])
    return {"authorized": supervision.authorize(db, sitting=sitting, attempt_ids=ids, actor=me.actor)}


@router.post("/sittings/{sitting_id}/codes")
def code(sitting_id: Id, body: CodeIn, db: DbSession, me: Proctor) -> dict[str, str]:
    sitting = staffed(db, sitting_id, me)
    return {"code": supervision.issue_code(db, sitting=sitting, registration_id=body.registration_id, actor=me.actor)}


@router.post("/sittings/{sitting_id}/attempts/{attempt_id}/move", status_code=204)
def move(sitting_id: Id, attempt_id: Id, db: DbSession, me: Proctor) -> None:
    supervision.approve_move(db, sitting=staffed(db, sitting_id, me), attempt_id=attempt_id, actor=me.actor)
