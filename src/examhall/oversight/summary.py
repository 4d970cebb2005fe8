"""Summarising a published sitting, once: its attempts for pass rates, its answers added into
each item version's running sums, each paper's expected score, and the flags its attempts raise.

Grading comes before oversight in the flow and does not know it exists, so publication does not
call this: oversight's pages and API first summarise the published sittings not yet summarised
(`catch_up`, a few per request, each in a transaction of its own), then read the summaries."""

import logging
import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from examhall import clock
from examhall.banks.items import LABELS
from examhall.banks.models import Item, ItemVersion
from examhall.db import Database
from examhall.delivery.models import Answer, Attempt
from examhall.grading.models import Publication
from examhall.grading.results import results
from examhall.oversight import anomalies, fairness
from examhall.oversight.measures import Mark, Sheet, Sums, accumulate, facility
from examhall.oversight.models import AttemptFact, Flag, ItemStats, SummarisedSitting
from examhall.papers.models import Paper, PaperDraw
from examhall.papers.service import versions_by_id
from examhall.sittings.models import Candidate, Exam, ExamRecord, Registration, Sitting

log = logging.getLogger("examhall")

CHOICE = ("single_choice", "multiple_choice")
TRUE, FALSE = "对", "错"
TRUSTED_N = 20  # responses before an item's facility is trusted for expected scores
PER_REQUEST = 20  # sittings summarised before a page at most ...
PER_REQUEST_SECONDS = 1.0  # ... and for at most this long; the rest on the next
SUM_FIELDS = ("papers", "n", "sum_x", "sum_xx", "sum_y", "sum_yy", "sum_xy", "upper_n", "upper_x", "lower_n", "lower_x")


def pending(db: Session) -> list[int]:
    """Published sittings not summarised yet, oldest publication first."""
    query = (
        select(Publication.sitting_id)
        .outerjoin(SummarisedSitting, SummarisedSitting.sitting_id == Publication.sitting_id)
        .where(SummarisedSitting.sitting_id.is_(None))
        .order_by(Publication.published_at, Publication.sitting_id)
    )
    return list(db.scalars(query))


def catch_up(database: Database, *, timezone: str, limit: int = PER_REQUEST) -> int:
    """Summarise published sittings not yet summarised, within the bounds; how many remain."""
    started = time.monotonic()
    with database.transaction(write=False) as db:
        waiting = pending(db)
    done = 0
    for sitting_id in waiting[:limit]:
        if time.monotonic() - started > PER_REQUEST_SECONDS:
            break
        try:
            with database.transaction() as db:
                summarise(db, sitting_id=sitting_id, timezone=timezone)
        except IntegrityError:  # another request summarised it first
            log.info("sitting %s was summarised by another request", sitting_id)
        done += 1
    return len(waiting) - done


def response_key(version: ItemVersion, permutation: list[int], response: Any) -> str | None:
    """A response in the item's own option order: letters for choices, 对/错, "" for none; None
    for fill-in items, whose responses are not compared."""
    if version.type == "true_false":
        return "" if response is None else (TRUE if response else FALSE)
    if version.type in CHOICE:
        if not response:
            return ""
        return "".join(sorted(LABELS[permutation[LABELS.index(label)]] for label in response))
    return None


def correct_key(version: ItemVersion) -> str | None:
    if version.type == "true_false":
        return TRUE if version.answer else FALSE
    if version.type in CHOICE:
        return "".join(LABELS[i] for i in sorted(version.answer))
    return None


def used_seconds(attempt: Attempt) -> int | None:
    if attempt.started_at is None or attempt.submitted_at is None:
        return None
    return max(0, int((attempt.submitted_at - attempt.started_at).total_seconds()) - attempt.paused_seconds)


def _sheets(
    db: Session, attempts: list[tuple[Attempt, Decimal | None]], papers: dict[int, Paper]
) -> tuple[list[Sheet], dict[int, ItemVersion], int]:
    ids = [a.id for a, _ in attempts]
    responses: dict[int, dict[int, Any]] = {}
    count = 0
    for attempt_id, position, response in db.execute(
        select(Answer.attempt_id, Answer.position, Answer.response).where(Answer.attempt_id.in_(ids))
    ):
        responses.setdefault(attempt_id, {})[position] = response
        count += 1
    versions = versions_by_id(db, sorted({c[0] for p in papers.values() for c in p.choices}))
    sheets = []
    for attempt, score in attempts:
        paper = papers[attempt.paper_id]
        detail = {int(d["n"]): d for d in attempt.score_detail or []}
        given = responses.get(attempt.id, {})
        marks = []
        for n, (version_id, _, permutation) in enumerate(paper.choices, 1):
            marked = detail.get(n, {})
            points = float(marked.get("points", 0) or 0)
            awarded = float(marked.get("awarded", 0) or 0)
            x = awarded / points if points else 0.0
            key = response_key(versions[version_id], permutation, given.get(n))
            marks.append(Mark(version_id, x, points, key))
        full = sum(m.points for m in marks)
        scored = score is not None and full > 0
        y = float(score) / full if scored and score is not None else 0.0
        sheets.append(Sheet(attempt.id, paper.seat_index, y, tuple(marks), scored))
    return sheets, versions, count


def _add_sums(db: Session, added: dict[int, Sums]) -> dict[int, Sums]:
    """Add a sitting's sums into the running ones, in one statement each for the rows updated and
    the rows added; the pooled sums of its items, after."""
    table = ItemStats.__table__
    wanted = sorted(added)
    rows = {
        r.item_version_id: r
        for r in db.execute(select(table).where(table.c.item_version_id.in_(wanted)).with_for_update())
    }
    banks = dict(
        db.execute(
            select(ItemVersion.id, Item.bank_id)
            .join(Item, Item.id == ItemVersion.item_id)
            .where(ItemVersion.id.in_(wanted))
        ).all()
    )
    pooled, updates, inserts = {}, [], []
    for version_id, sums in added.items():
        row = rows.get(version_id)
        total = stored_sums(row) if row is not None else Sums()
        total.add(sums)
        values = {name: getattr(total, name) for name in SUM_FIELDS}
        values.update(item_version_id=version_id, responses=dict(total.responses))
        if row is None:
            inserts.append({**values, "bank_id": banks[version_id]})
        else:
            updates.append(values)
        pooled[version_id] = total
    if updates:
        db.execute(update(ItemStats), updates)
    if inserts:
        db.execute(insert(ItemStats), inserts)
    return pooled


def stored_sums(row: Any) -> Sums:
    """The sums an ItemStats row (or a row selected from its table) holds."""
    return Sums(
        papers=row.papers,
        n=row.n,
        sum_x=row.sum_x,
        sum_xx=row.sum_xx,
        sum_y=row.sum_y,
        sum_yy=row.sum_yy,
        sum_xy=row.sum_xy,
        upper_n=row.upper_n,
        upper_x=row.upper_x,
        lower_n=row.lower_n,
        lower_x=row.lower_x,
        responses=Counter(row.responses or {}),
    )


def _neighbours(draw: PaperDraw | None, seats: dict[int, int]) -> dict[int, set[int]]:
    """Attempts that sat beside, in front of or behind each other, from the draw's seat layout."""
    if draw is None:
        return {}
    by_seat = {seat: attempt for attempt, seat in seats.items()}
    return {
        attempt: {by_seat[s] for s in draw.neighbours[seat] if s in by_seat}
        for attempt, seat in seats.items()
        if seat < len(draw.neighbours)
    }


def summarise(db: Session, *, sitting_id: int, timezone: str) -> SummarisedSitting:
    sitting = db.get(Sitting, sitting_id)
    assert sitting is not None
    exam = db.get(Exam, sitting.exam_id)
    assert exam is not None
    held = clock.local_date(sitting.starts_at, timezone)
    sat = [(r, r.attempt) for r in results(db, sitting_id) if r.attempt is not None and r.attempt.started_at]
    registrations = {r.id: r for r in db.scalars(select(Registration).where(Registration.sitting_id == sitting_id))}
    people = [registrations[r.registration].candidate_id for r, _ in sat]
    enterprises = dict(db.execute(select(Candidate.id, Candidate.enterprise_id).where(Candidate.id.in_(people))).all())
    before = set(
        db.scalars(
            select(ExamRecord.candidate_id).where(
                ExamRecord.candidate_id.in_(people),
                ExamRecord.category == exam.category,
                ExamRecord.sat_on < held,
            )
        )
    )
    papers = {p.id: p for p in db.scalars(select(Paper).where(Paper.id.in_(sorted({a.paper_id for _, a in sat}))))}
    sheets, versions, answers = _sheets(db, [(a, r.score) for r, a in sat], papers)
    pooled = _add_sums(db, accumulate(sheets))
    known = {v: f for v, s in pooled.items() if s.n >= TRUSTED_N and (f := facility(s)) is not None}
    scored = [s for s in sheets if s.scored]
    expected = fairness.expected_scores(scored, known)
    harder = fairness.harder_papers(expected, fairness.tolerance(scored))
    seconds = {}
    facts = []
    for (result, attempt), sheet in zip(sat, sheets, strict=True):
        registration = registrations[result.registration]
        seconds[attempt.id] = used_seconds(attempt)
        facts.append(
            dict(
                attempt_id=attempt.id,
                sitting_id=sitting_id,
                category=exam.category,
                site_id=sitting.site_id,
                enterprise_id=enterprises.get(registration.candidate_id),
                institution_id=registration.institution_id,
                month=f"{held:%Y-%m}",
                resit=registration.candidate_id in before,
                passed=result.passed,
                voided=attempt.voided,
                score=result.score,
                seconds=seconds[attempt.id],
                expected=Decimal(f"{expected[sheet.attempt_id]:.2f}") if sheet.attempt_id in expected else None,
                harder=sheet.attempt_id in harder,
            )
        )
    if facts:
        db.execute(insert(AttemptFact), facts)
    timings = [
        anomalies.Timing(a.id, s.y, seconds[a.id], a.duration_seconds + a.added_seconds, a.signals)
        for (_, a), s in zip(sat, sheets, strict=True)
        if s.scored
    ]
    keys = {v: k for v, version in versions.items() if (k := correct_key(version)) is not None}

    def share(version_id: int, response: str) -> float:
        counts = pooled[version_id].responses
        total = sum(counts.values())
        return counts[response] / total if total else 1.0

    draw = db.get(PaperDraw, sitting.draw_id) if sitting.draw_id else None
    seats = {s.attempt_id: s.seat_index for s in sheets}
    raised = [
        *anomalies.fast_high(timings),
        *anomalies.many_signals(timings),
        *anomalies.shared_rare_wrong(sheets, _neighbours(draw, seats), keys, share),
    ]
    now = clock.now()
    _flag(db, sitting_id, raised, now)
    done = SummarisedSitting(sitting_id=sitting_id, summarised_at=now, attempts=len(sat), answers=answers)
    db.add(done)
    db.flush()
    return done


def _flag(db: Session, sitting_id: int, raised: Iterable[anomalies.Raised], now: datetime) -> None:
    for r in raised:
        db.add(
            Flag(
                sitting_id=sitting_id,
                kind=r.kind,
                attempt_id=r.attempt_id,
                other_attempt_id=r.other_attempt_id,
                evidence=r.evidence,
                created_at=now,
            )
        )
