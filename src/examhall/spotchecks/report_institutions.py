"""The report per training institution: the spot-check pass rate of the workers it trained
beside the exam pass rate of its candidates. A high exam rate over a low spot-check rate is the
signature of training done only on paper (走过场), and is flagged.

The rules where the issue is silent:

- A worker's institution is the one of their latest training (Training) of the category they
  were quizzed in, completed on or before the day of the check; with none, the row
  NO_INSTITUTION. Only sealed checks count.
- An institution's exam pass rate is over published exam results (ExamRecord from a sitting),
  each counted for the institution its registration for that sitting named (as the roster gave
  it: the way oversight counts); first attempts and re-sits alike, one result per sitting sat.
  Records carried over without a sitting name no institution and are not counted.
- The month range filters checks by their day and exam results by the day they were sat; a
  category, when chosen, narrows both sides to it."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from examhall.sittings.models import ExamRecord, Institution, Registration, Training
from examhall.spotchecks.models import SpotCheck, SpotWorker
from examhall.spotchecks.reports import SEALED, Period, Tally

# The 走过场 signature: an exam pass rate of at least EXAM_RATE_HIGH percent, and a spot-check pass
# rate at least GAP_POINTS percentage points below it, over at least MIN_WORKERS workers quizzed
# and MIN_EXAM_RESULTS exam results (fewer say too little either way).
EXAM_RATE_HIGH = 80
GAP_POINTS = 30
MIN_WORKERS = 5
MIN_EXAM_RESULTS = 5
NO_INSTITUTION = "（无培训记录或未填写培训机构）"


@dataclass
class InstitutionRow:
    institution_id: int | None
    name: str
    spot: Tally = field(default_factory=Tally)
    exam: Tally = field(default_factory=Tally)

    @property
    def gap_points(self) -> float | None:
        """How many percentage points the spot-check rate lies below the exam rate."""
        if self.spot.rate is None or self.exam.rate is None:
            return None
        return (self.exam.rate - self.spot.rate) * 100

    @property
    def flagged(self) -> bool:
        """The 走过场 signature (see EXAM_RATE_HIGH and the others); exact, not in floating point."""
        exam, spot = self.exam.exact, self.spot.exact
        if self.institution_id is None or exam is None or spot is None:
            return False
        if self.spot.counted < MIN_WORKERS or self.exam.counted < MIN_EXAM_RESULTS:
            return False
        return exam * 100 >= EXAM_RATE_HIGH and spot * 100 <= exam * 100 - GAP_POINTS


def _spot_by_institution(db: Session, period: Period) -> dict[int | None, Tally]:
    where = [SpotCheck.state == SEALED, SpotWorker.passed.is_not(None), *period.days(SpotCheck.held_on)]
    if period.category:
        where.append(SpotWorker.category == period.category)
    quizzed = list(
        db.execute(
            select(SpotWorker.candidate_id, SpotWorker.category, SpotCheck.held_on, SpotWorker.passed)
            .join(SpotCheck, SpotCheck.id == SpotWorker.check_id)
            .where(*where)
        ).all()
    )
    people = select(SpotWorker.candidate_id).join(SpotCheck, SpotCheck.id == SpotWorker.check_id).where(*where)
    trained: dict[tuple[int, str], list[tuple[date, int, int | None]]] = defaultdict(list)
    for candidate_id, category, completed_on, training_id, institution_id in db.execute(
        select(Training.candidate_id, Training.category, Training.completed_on, Training.id, Training.institution_id)
        .where(Training.candidate_id.in_(people))
        .order_by(Training.completed_on, Training.id)
    ):
        trained[(candidate_id, category)].append((completed_on, training_id, institution_id))
    found: dict[int | None, Tally] = defaultdict(Tally)
    for candidate_id, category, held_on, passed in quizzed:
        before = [t for t in trained.get((candidate_id, category), []) if t[0] <= held_on]
        found[before[-1][2] if before else None].add(bool(passed))
    return found


def _exam_by_institution(db: Session, period: Period) -> dict[int | None, Tally]:
    where = period.days(ExamRecord.sat_on)
    if period.category:
        where.append(ExamRecord.category == period.category)
    query = (
        select(Registration.institution_id, func.count(), func.sum(case((ExamRecord.passed, 1), else_=0)))
        .select_from(ExamRecord)
        .join(
            Registration,
            (Registration.sitting_id == ExamRecord.sitting_id) & (Registration.candidate_id == ExamRecord.candidate_id),
        )
        .where(*where)
        .group_by(Registration.institution_id)
    )
    return {key: Tally(int(sat), int(passed or 0)) for key, sat, passed in db.execute(query)}


def institutions(db: Session, period: Period) -> list[InstitutionRow]:
    """Every institution with workers quizzed or exam results in the period: flagged ones first,
    then the most workers quizzed."""
    spot, exam = _spot_by_institution(db, period), _exam_by_institution(db, period)
    keys = set(spot) | set(exam)
    named = dict(
        db.execute(select(Institution.id, Institution.name).where(Institution.id.in_([k for k in keys if k]))).all()
    )
    rows = [
        InstitutionRow(
            key,
            named.get(key, NO_INSTITUTION) if key else NO_INSTITUTION,
            spot.get(key, Tally()),
            exam.get(key, Tally()),
        )
        for key in keys
    ]
    return sorted(
        rows, key=lambda r: (not r.flagged, r.institution_id is None, -r.spot.counted, -r.exam.counted, r.name)
    )


def spot_categories(db: Session) -> list[str]:
    """The categories workers of sealed checks were quizzed in, for the filter."""
    query = (
        select(SpotWorker.category)
        .join(SpotCheck, SpotCheck.id == SpotWorker.check_id)
        .where(SpotCheck.state == SEALED)
        .distinct()
        .order_by(SpotWorker.category)
    )
    return list(db.scalars(query))
