"""JSON API: the public check of a QR code, and the administrators' certificates and issuing."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from examhall import clock
from examhall.accounts.permissions import Principal, allow, client_address, public
from examhall.accounts.router import throttle
from examhall.certificates import checking, issuing, service
from examhall.certificates.schemas import CertificateOut, CheckIn, CheckOut, IssuedOut, IssueIn, PublicCertificateOut
from examhall.db import DbSession, Id

router = APIRouter(prefix="/api/v1/certificates", tags=["certificates"])
Admin = Annotated[Principal, allow("admin")]


def _zone(request: Request) -> str:
    value: str = request.app.state.settings.timezone
    return value


@router.post("/check")
def check(request: Request, body: CheckIn, db: DbSession, _: Annotated[Principal | None, public()]) -> CheckOut:
    """What /verify says of a QR code, for a scanner app; throttled the same way."""
    answer = checking.by_code(
        db,
        text=body.code,
        today=clock.local_date(clock.now(), _zone(request)),
        client=client_address(request),
        throttle=throttle(request.app.state.settings),
    )
    shown = None
    if answer.certificate is not None and answer.holder is not None:
        c = answer.certificate
        shown = PublicCertificateOut(
            number=checking.masked(c.number),
            holder=answer.holder.name,
            item=c.operation_item or c.category,
            first_issued_on=c.first_issued_on or c.issued_on,
            valid_until=c.valid_until,
            next_review_on=c.next_review_on,
            issuer=c.issuer,
        )
    return CheckOut(
        standing=answer.standing.code, standing_zh=answer.standing.zh, outdated=answer.outdated, certificate=shown
    )


@router.get("/{certificate_id}")
def certificate(request: Request, certificate_id: Id, db: DbSession, _: Admin) -> CertificateOut:
    seen = service.view(db, certificate_id, today=clock.local_date(clock.now(), _zone(request)))
    c = seen.certificate
    return CertificateOut(
        id=c.id,
        number=c.number,
        holder=seen.holder.name,
        id_number=seen.holder.id_number,
        kind=seen.kind.code if seen.kind else "",
        category=c.category,
        operation_item=c.operation_item,
        first_issued_on=c.first_issued_on,
        issued_on=c.issued_on,
        valid_until=c.valid_until,
        next_review_on=c.next_review_on,
        issuer=c.issuer,
        state=c.state,
        standing=seen.standing.code,
        origin=c.origin,
        intact=seen.check.intact,
        problems=seen.check.lines(),
    )


@router.get("")
def certificates(
    request: Request, db: DbSession, _: Admin, q: Annotated[str, Query(max_length=100)] = ""
) -> list[CertificateOut]:
    today = clock.local_date(clock.now(), _zone(request))
    return [certificate(request, row.certificate.id, db, _) for row in service.search(db, text=q, today=today)]


@router.post("/sittings/{sitting_id}")
def issue_for_sitting(request: Request, sitting_id: Id, body: IssueIn, db: DbSession, me: Admin) -> IssuedOut:
    made = issuing.issue_for_sitting(
        db, sitting_id=sitting_id, expected=body.expected, actor=me.actor, timezone=_zone(request)
    )
    return IssuedOut(issued=[c.id for c in made])
