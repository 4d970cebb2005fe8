"""What a sealed sitting leaves for others: evidence bundles that an auditor checks offline with
the exam body's public key (or the trace key), and the rule that its records are kept."""

import json
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.delivery.models import Attempt
from examhall.errors import Conflict, not_found
from examhall.grading.access import sitting_of
from examhall.papers import service as papers
from examhall.proctoring import service as proctoring
from examhall.trace import service as trace
from examhall.trace.bundle import write_bundle
from examhall.trace.sealing import seal_of, signed
from examhall.trace.seals import sealed_from_event
from examhall.trace.service import Actor, record

RETENTION_YEARS = 3


@dataclass
class _Documents:
    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, name: str, value: Any) -> None:
        self.files[name] = json.dumps(value, ensure_ascii=False, indent=1, default=str).encode()


def evidence(db: Session, *, sitting_id: int, attempt_id: int | None = None) -> bytes:
    """A zip with one candidate's (or the whole sitting's) full record and the chain proofs up
    to the seal: verifiable offline with the trace key (`examhall trace verify --bundle`)."""
    sitting = sitting_of(db, sitting_id)
    sealed = seal_of(db, sitting.chain)
    if sealed is None:
        raise Conflict("not_sealed", "场次尚未封存，暂不能导出证据包", "the sitting is not sealed yet")
    attempts = list(
        db.scalars(
            select(Attempt)
            .where(Attempt.sitting_id == sitting.id)
            .where(*([Attempt.id == attempt_id] if attempt_id is not None else []))
        )
    )
    if attempt_id is not None and not attempts:
        raise not_found("考生", "attempt")
    chains = [sitting.chain, *(a.chain for a in attempts)]
    rows = trace.rows_by_chain(db, chains)
    seal_event = rows[sitting.chain][sealed.position - 1]
    documents = _Documents()
    people = proctoring.candidates_of(db, sitting.id)
    for attempt in attempts:
        registration, candidate = people[attempt.id]
        folder = f"candidate-{registration.ticket}"
        view = papers.paper_view(db, attempt.paper_id)
        events = rows[attempt.chain]
        documents.add(f"{folder}/paper.json", {"sections": view.sections(), "items": [i.as_dict() for i in view.items]})
        documents.add(
            f"{folder}/answers.json",
            [{"at": e.at.isoformat(), **json.loads(e.payload)} for e in events if e.action == "answers.saved"],
        )
        documents.add(
            f"{folder}/integrity.json",
            [
                {"at": e.at.isoformat(), "signal": e.action.split(".", 1)[1], **json.loads(e.payload)}
                for e in events
                if e.action.startswith("integrity.")
            ],
        )
        documents.add(
            f"{folder}/proctor_actions.json",
            [
                {"at": e.at.isoformat(), "action": e.action, "by": e.actor, **json.loads(e.payload)}
                for e in events
                if e.role in ("proctor", "chief_examiner", "admin")
            ],
        )
        documents.add(
            f"{folder}/score.json",
            {
                "candidate": candidate.name,
                "ticket": registration.ticket,
                "score": attempt.score,
                "voided": attempt.voided,
                "rules": view.sections(),
                "marks": attempt.score_detail,
            },
        )
    return write_bundle(
        subject=attempts[0].chain if attempt_id is not None else sitting.chain,
        seal=sealed_from_event(seal_event),
        chains=rows,
        heads=trace.heads(db, chains),
        signatures=signed(db, sitting.chain),
        documents=documents.files,
    )


# --- retention ---------------------------------------------------------------------------------------


def purge(db: Session, *, sitting_id: int, actor: Actor) -> NoReturn:
    """Deleting a sitting's records is refused within 3 years of the sitting, and the attempt is
    traced. (Past that, archiving is the operator's; the trace itself is never deleted.)"""
    sitting = sitting_of(db, sitting_id)
    until = sitting.starts_at.replace(year=sitting.starts_at.year + RETENTION_YEARS)
    record(
        db,
        chain=sitting.chain,
        action="purge.refused",
        subject=f"sitting:{sitting.id}",
        actor=actor,
        payload={"kept_until": until.isoformat()},
    )
    raise Conflict(
        "retained",
        f"场次记录须保存至{until.date()}（考试后3年），不能删除",
        f"a sitting's records are kept until {until.date()} (3 years); refused",
        commit=True,
    )
