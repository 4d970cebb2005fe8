"""Summarised sittings and the fairness of their papers: the spread of the papers' expected
scores across seats beside the scores obtained, each paper's seed, and which was harder."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from examhall.delivery.models import Attempt
from examhall.errors import NotFound
from examhall.oversight.findings import SittingLabel, sitting_labels
from examhall.oversight.models import AttemptFact, Flag, SummarisedSitting
from examhall.papers.models import Paper
from examhall.sittings.models import Candidate, Registration

PAGE_SIZE = 50


@dataclass(frozen=True)
class SittingRow:
    sitting: SittingLabel
    sat: int
    passed: int
    lowest: Decimal | None
    highest: Decimal | None
    harder: int
    flags: int


def summarised(db: Session, *, page: int = 1) -> tuple[list[SittingRow], int]:
    total = db.scalar(select(func.count()).select_from(SummarisedSitting)) or 0
    ids = list(
        db.scalars(
            select(SummarisedSitting.sitting_id)
            .order_by(SummarisedSitting.sitting_id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    stats = {
        i: (int(n), int(p or 0), low, high, int(h or 0))
        for i, n, p, low, high, h in db.execute(
            select(
                AttemptFact.sitting_id,
                func.count(),
                func.sum(case((AttemptFact.passed, 1), else_=0)),
                func.min(AttemptFact.expected),
                func.max(AttemptFact.expected),
                func.sum(case((AttemptFact.harder, 1), else_=0)),
            )
            .where(AttemptFact.sitting_id.in_(ids))
            .group_by(AttemptFact.sitting_id)
        ).all()
    }
    flagged = dict(
        db.execute(
            select(Flag.sitting_id, func.count()).where(Flag.sitting_id.in_(ids)).group_by(Flag.sitting_id)
        ).all()
    )
    labels = sitting_labels(db, ids)
    rows = []
    for i in ids:
        n, p, low, high, h = stats.get(i, (0, 0, None, None, 0))
        rows.append(SittingRow(labels[i], n, p, low, high, h, flagged.get(i, 0)))
    return rows, total


@dataclass(frozen=True)
class Seat:
    seat: int | None
    ticket: str
    name: str
    seed: int
    expected: Decimal | None
    score: Decimal | None
    passed: bool
    voided: bool
    harder: bool
    attempt_id: int


def seats(db: Session, sitting_id: int) -> tuple[SittingLabel, list[Seat]]:
    labels = sitting_labels(db, [sitting_id])
    if sitting_id not in labels or db.get(SummarisedSitting, sitting_id) is None:
        raise NotFound("not_summarised", "没有这个场次的统计（场次成绩尚未发布）", "no summary of this sitting")
    rows = db.execute(
        select(AttemptFact, Registration.seat, Registration.ticket, Candidate.name, Paper.seed)
        .join(Attempt, Attempt.id == AttemptFact.attempt_id)
        .join(Registration, Registration.id == Attempt.registration_id)
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .join(Paper, Paper.id == Attempt.paper_id)
        .where(AttemptFact.sitting_id == sitting_id)
        .order_by(Registration.seat)
    ).all()
    return labels[sitting_id], [
        Seat(seat, ticket or "", name, seed, f.expected, f.score, f.passed, f.voided, f.harder, f.attempt_id or 0)
        for f, seat, ticket, name, seed in rows
    ]
