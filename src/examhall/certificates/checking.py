"""The public check (/verify, `examhall cert verify`): from a QR code's text, or from an ID number
and name typed in. It answers valid, expired, suspended, revoked or unknown and shows no more than
the certificate itself does; a certificate whose row does not agree with its chain is never
called valid. Typed lookups are counted and throttled per address, against enumeration; an
address held back is refused codes too."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import LoginFailure
from examhall.accounts.service import Throttle
from examhall.certificates import ledger, token
from examhall.certificates.standing import Standing, standing
from examhall.errors import TooMany
from examhall.sittings.identity import IdNumber, parse_id_number
from examhall.sittings.models import Candidate, Certificate
from examhall.trace import signing

log = logging.getLogger("examhall")
UNKNOWN = Standing("unknown", "未查到", None)
UNVERIFIED = Standing("unverified", "暂无法核验，请联系发证机关", None)


@dataclass(frozen=True)
class Answer:
    standing: Standing
    certificate: Certificate | None = None
    holder: Candidate | None = None
    outdated: bool = False  # the code is of an earlier printing: the certificate changed since
    reason: str = ""  # why a code was not accepted, for the page


def masked(id_number: str) -> str:
    """An ID number as the public page shows it: the region and the last four only."""
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:] if len(id_number) > 10 else id_number


def _throttled(db: Session, *, client: str, throttle: Throttle) -> None:
    since = clock.now() - timedelta(minutes=throttle.window_minutes)
    tried = db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.client == client, LoginFailure.at >= since, LoginFailure.username.like("verify:%"))
    )
    if (tried or 0) >= throttle.max_per_address:
        raise TooMany(
            "verify_throttled",
            f"查询次数过多，请{throttle.window_minutes}分钟后再试",
            "too many certificate lookups from this address",
        )


def _count(db: Session, *, what: str, client: str) -> None:
    db.add(LoginFailure(at=clock.now(), username=f"verify:{what}", client=client[:64]))


def _answer(db: Session, certificate: Certificate, today: date, *, outdated: bool = False) -> Answer:
    checked = ledger.check(db, certificate)
    if not checked.intact:
        log.error("certificate %s does not agree with its chain: %s", certificate.id, "; ".join(checked.lines()))
        return Answer(UNVERIFIED)
    holder = db.get(Candidate, certificate.candidate_id)
    return Answer(standing(certificate, today), certificate, holder, outdated)


def by_code(db: Session, *, text: str, today: date, client: str, throttle: Throttle) -> Answer:
    _throttled(db, client=client, throttle=throttle)
    checked = token.check(signing.signer(db).public, text)
    if checked.facts is None:  # not counted: a code that fails its signature reveals nothing to enumerate
        return Answer(UNKNOWN, reason="二维码内容不完整、被改动，或不是本发证机关签发")
    return current(db, checked.facts, today)


def current(db: Session, facts: dict[str, Any], today: date) -> Answer:
    """Where the certificate a signed code names stands today."""
    certificate = db.get(Certificate, facts["i"])
    if certificate is None or certificate.number != facts["n"]:
        return Answer(UNKNOWN, reason="签名有效，但没有这本证书的记录，请联系发证机关")
    return _answer(db, certificate, today, outdated=facts["r"] != certificate.revision)


def by_person(db: Session, *, id_number: str, name: str, today: date, client: str, throttle: Throttle) -> list[Answer]:
    """Every certificate held by the person with this ID number and this name; every lookup counts."""
    _throttled(db, client=client, throttle=throttle)
    _count(db, what="typed", client=client)
    parsed = parse_id_number(id_number, today=today)
    if not isinstance(parsed, IdNumber):
        return []
    holder = db.scalar(select(Candidate).where(Candidate.id_number == parsed.value))
    if holder is None or holder.name != name.strip():
        return []
    held = db.scalars(select(Certificate).where(Certificate.candidate_id == holder.id).order_by(Certificate.id))
    return [_answer(db, certificate, today) for certificate in held]


def facts_of(certificate: Certificate, holder: Candidate, kind_code: str) -> dict[str, object]:
    """What a certificate's QR code signs."""
    return {
        "i": certificate.id,
        "n": certificate.number,
        "h": holder.name,
        "k": kind_code,
        "c": certificate.category,
        "f": (certificate.first_issued_on or certificate.issued_on).isoformat(),
        "u": certificate.valid_until.isoformat(),
        "r": certificate.revision,
    }
