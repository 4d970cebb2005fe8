"""JSON API for the sitting record, the seal and its verification, results and their lookup,
appeals, and evidence bundles."""

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from examhall.accounts.permissions import Principal, allow, client_address, public
from examhall.accounts.router import throttle
from examhall.db import DbSession, Id
from examhall.grading import appeals, evidence, record, results, sealing, service
from examhall.grading.schemas import (
    AppealIn,
    CheckOut,
    DecisionIn,
    LookupIn,
    ProposalIn,
    RemarksIn,
    ResultOut,
    ResultsOut,
)
from examhall.proctoring.service import watched_sitting

router = APIRouter(prefix="/api/v1/grading", tags=["grading"])
Admin = Annotated[Principal, allow("admin")]
Staff = Annotated[Principal, allow("proctor", "chief_examiner", "admin")]
Chief = Annotated[Principal, allow("chief_examiner")]
Reader = Annotated[Principal, allow("proctor", "chief_examiner", "admin", "inspector")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def zone(request: Request) -> str:
    value: str = request.app.state.settings.timezone
    return value


@router.post("/sittings/{sitting_id}/record", status_code=204)
def file_record(sitting_id: Id, body: RemarksIn, db: DbSession, me: Staff) -> None:
    watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)
    record.file_record(db, sitting_id=sitting_id, remarks=body.remarks, actor=me.actor)


@router.post("/sittings/{sitting_id}/seal")
def seal(sitting_id: Id, db: DbSession, me: Chief) -> dict[str, Any]:
    made = sealing.seal(db, sitting_id=sitting_id, actor=me.actor, user_id=me.id)
    return {"root": made.root, "position": made.position, "chains": len(made.leaves)}


@router.get("/sittings/{sitting_id}/verify")
def verify(sitting_id: Id, db: DbSession, me: Reader) -> dict[str, Any]:
    watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)
    checked = sealing.verify_sitting(db, sitting_id)
    return {"intact": checked.intact, "sealed": checked.sealed, "problems": checked.lines()}


@router.post("/sittings/{sitting_id}/publish", status_code=204)
def publish(sitting_id: Id, request: Request, db: DbSession, me: Admin) -> None:
    service.publish(db, sitting_id=sitting_id, actor=me.actor, timezone=zone(request))


@router.get("/sittings/{sitting_id}/results", response_model=ResultsOut)
def sitting_results(sitting_id: Id, db: DbSession, _: Admin) -> ResultsOut:
    """The results, with the state of their check against the trace."""
    checked = sealing.verify_sitting(db, sitting_id)
    return ResultsOut(
        check=CheckOut(intact=checked.intact, sealed=checked.sealed, problems=checked.lines()),
        results=[
            ResultOut(ticket=r.ticket, name=r.name, score=r.score, status=r.status)
            for r in results.results(db, sitting_id)
        ],
    )


@router.get("/sittings/{sitting_id}/results.xlsx")
def results_xlsx(sitting_id: Id, db: DbSession, me: Annotated[Principal, allow("admin", "chief_examiner")]) -> Response:
    """The results as a spreadsheet: for the admin, and for the sitting's own chief examiner."""
    watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)
    return Response(
        service.results_xlsx(db, sitting_id),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="sitting-{sitting_id}-results.xlsx"'},
    )


@router.get("/sittings/{sitting_id}/bundle")
def bundle(
    sitting_id: Id,
    db: DbSession,
    me: Annotated[Principal, allow("admin", "chief_examiner")],
    attempt: Id | None = None,
) -> Response:
    watched_sitting(db, sitting_id=sitting_id, user_id=me.id, role=me.role)
    data = evidence.evidence(db, sitting_id=sitting_id, attempt_id=attempt)
    name = f"sitting-{sitting_id}" + (f"-attempt-{attempt}" if attempt else "") + "-evidence.zip"
    return Response(
        data, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# Candidates look up their result with ticket and ID number (a JSON body: no cross-site form).
@router.post("/results/lookup")
def look_up(
    body: LookupIn, request: Request, db: DbSession, _: Annotated[Principal | None, public()]
) -> dict[str, Any]:
    found = service.look_up(
        db,
        ticket=body.ticket,
        id_number=body.id_number,
        client=client_address(request),
        throttle=throttle(request.app.state.settings),
    )
    return {
        "exam": found.exam.name,
        "name": found.result.name,
        "status": found.result.status,
        "score": found.result.score if found.show_score else None,
        "appeal": {"state": found.appeal.state, "outcome": found.appeal.outcome} if found.appeal else None,
    }


@router.post("/results/appeals", status_code=201)
def appeal(body: AppealIn, request: Request, db: DbSession, _: Annotated[Principal | None, public()]) -> dict[str, int]:
    made = appeals.file_appeal(
        db,
        ticket=body.ticket,
        id_number=body.id_number,
        reason=body.reason,
        client=client_address(request),
        throttle=throttle(request.app.state.settings),
    )
    return {"id": made.id}


@router.post("/appeals/{appeal_id}/regrade")
def regrade(appeal_id: Id, db: DbSession, me: Admin) -> dict[str, Any]:
    made = appeals.regrade(db, appeal_id=appeal_id, actor=me.actor)
    return {"original": made.original_score, "regraded": made.regraded_score}


@router.post("/appeals/{appeal_id}/proposal")
def propose(appeal_id: Id, body: ProposalIn, db: DbSession, me: Admin) -> dict[str, Any]:
    made = appeals.propose(db, appeal_id=appeal_id, score=body.score, note=body.note, actor=me.actor)
    return {"state": made.state, "proposed": made.proposed_score}


@router.post("/appeals/{appeal_id}/decision")
def decide(appeal_id: Id, body: DecisionIn, db: DbSession, me: Chief) -> dict[str, Any]:
    made = appeals.decide(db, appeal_id=appeal_id, confirm=body.confirm, actor=me.actor, user_id=me.id)
    return {"state": made.state, "outcome": made.outcome}


@router.delete("/sittings/{sitting_id}", status_code=204)
def purge(sitting_id: Id, db: DbSession, me: Admin) -> None:
    evidence.purge(db, sitting_id=sitting_id, actor=me.actor)
