"""A certificate's chain is its record: every step (issued or imported, reviewed, a state
decision proposed, confirmed or rejected) is an event carrying what it changed, so the
certificate the table holds can be derived again from the chain and checked against it."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from examhall.sittings.models import Certificate
from examhall.trace.service import Actor, events, payload_of, record, verify_database

# The columns a certificate's chain fixes; a difference in any of them is a changed row.
FIELDS = (
    "candidate_id",
    "kind_id",
    "number",
    "category",
    "work_class",
    "operation_item",
    "first_issued_on",
    "issued_on",
    "valid_until",
    "next_review_on",
    "issuer",
    "state",
    "origin",
    "sitting_id",
    "assessment_id",
    "revision",
    "retraining",
)
DATES = frozenset({"first_issued_on", "issued_on", "valid_until", "next_review_on"})
OPENING = frozenset({"certificate.issued", "certificate.imported"})


def _plain(name: str, value: Any) -> Any:
    return value.isoformat() if name in DATES and value is not None else value


def _typed(name: str, value: Any) -> Any:
    return date.fromisoformat(value) if name in DATES and value is not None else value


def fields_of(certificate: Certificate) -> dict[str, Any]:
    return {name: _plain(name, getattr(certificate, name)) for name in FIELDS}


def open_certificate(db: Session, certificate: Certificate, *, actor: Actor, note: dict[str, Any]) -> None:
    """Add a new certificate and open its chain with everything it holds."""
    db.add(certificate)
    db.flush()
    action = "certificate.imported" if certificate.origin == "imported" else "certificate.issued"
    record(
        db,
        chain=certificate.chain,
        action=action,
        subject=certificate.chain,
        actor=actor,
        payload={"fields": fields_of(certificate), **note},
    )


def change(
    db: Session, certificate: Certificate, *, action: str, actor: Actor, changes: dict[str, Any], note: dict[str, Any]
) -> None:
    """Apply `changes` to the certificate and record them on its chain, in one step."""
    for name, value in changes.items():
        setattr(certificate, name, value)
    record(
        db,
        chain=certificate.chain,
        action=action,
        subject=certificate.chain,
        actor=actor,
        payload={"changes": {name: _plain(name, value) for name, value in changes.items()}, **note},
    )


def note(db: Session, certificate: Certificate, *, action: str, actor: Actor, payload: dict[str, Any]) -> None:
    """A step that changes nothing on the certificate (a proposal, a rejection)."""
    record(db, chain=certificate.chain, action=action, subject=certificate.chain, actor=actor, payload=payload)


@dataclass(frozen=True)
class Difference:
    field: str
    stored: Any
    derived: Any


@dataclass(frozen=True)
class Check:
    problems: list[str]  # in English: a broken chain, or no opening event
    differences: list[Difference]

    @property
    def intact(self) -> bool:
        return not self.problems and not self.differences

    def lines(self) -> list[str]:
        return self.problems + [
            f"{d.field}: the table holds {d.stored!r}, the chain {d.derived!r}" for d in self.differences
        ]


def derive(payloads: list[tuple[str, dict[str, Any]]]) -> dict[str, Any] | None:
    """The certificate's columns as its chain's events leave them; None without an opening."""
    derived: dict[str, Any] | None = None
    for action, payload in payloads:
        if action in OPENING:
            derived = dict(payload["fields"])
        elif derived is not None and "changes" in payload:
            derived.update(payload["changes"])
    return derived


def check(db: Session, certificate: Certificate) -> Check:
    report = verify_database(db, chains=[certificate.chain])
    problems = [str(b) for b in report.breaks]
    derived = derive([(e.action, payload_of(e)) for e in events(db, certificate.chain)])
    if derived is None:
        return Check([*problems, f"{certificate.chain} has no issue or import event"], [])
    stored = fields_of(certificate)
    differences = [
        Difference(name, _typed(name, stored[name]), _typed(name, derived.get(name)))
        for name in FIELDS
        if stored[name] != derived.get(name)
    ]
    return Check(problems, differences)
