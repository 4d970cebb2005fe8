"""An assessment's scoring state, computed from the database: for every judged part of every
candidate, the judges who judge it (the panel, less any with a conflict with that candidate),
their submitted scores, and once all have submitted the totals, the part's score, the spread and
whether a disagreement is open. Nothing here is ever shown before a part is complete."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.accounts.models import User
from examhall.assessments.models import (
    Assessment,
    AssessmentEntry,
    AssessmentPlan,
    Disagreement,
    JudgeScore,
    PanelMember,
    PracticalTask,
    PracticalTaskVersion,
)
from examhall.assessments.panels import Examinee, JudgeFacts, examinees, judge_facts, members, reasons_against
from examhall.assessments.plans import MIN_PANEL, Part, parts_of
from examhall.assessments.scoring import aggregate, cents, spread
from examhall.assessments.tasks import drawn
from examhall.errors import not_found
from examhall.sittings.models import Candidate


def snapshot(totals: Mapping[int, Decimal]) -> dict[str, str]:
    return {str(judge): str(cents(value)) for judge, value in sorted(totals.items())}


@dataclass
class Cell:
    """One judged part of one candidate, as it stands."""

    entry: AssessmentEntry
    part: Part
    judges: list[int]  # the panel members who judge this candidate (those with a conflict left out)
    submitted: dict[int, JudgeScore]  # by judge, submitted scores of those judges
    task: tuple[PracticalTask, PracticalTaskVersion] | None
    threshold: Decimal
    aggregation: str
    accepted: list[dict[str, str]] = field(default_factory=list)  # totals the chief examiner accepted
    open_flag: Disagreement | None = None

    @property
    def complete(self) -> bool:
        return (
            not self.entry.absent
            and len(self.judges) >= MIN_PANEL
            and all(judge in self.submitted for judge in self.judges)
        )

    @property
    def totals(self) -> dict[int, Decimal]:
        """Every judge's total: only for a complete part (blind until then)."""
        if not self.complete:
            return {}
        return {judge: self.submitted[judge].total for judge in self.judges}

    @property
    def score(self) -> Decimal | None:
        return aggregate(list(self.totals.values()), self.aggregation) if self.complete else None

    @property
    def spread(self) -> Decimal | None:
        return spread(list(self.totals.values())) if self.complete else None

    @property
    def flagged(self) -> bool:
        return self.complete and self.spread is not None and self.spread > self.threshold

    @property
    def resolved(self) -> bool:
        return snapshot(self.totals) in self.accepted

    @property
    def needs_resolution(self) -> bool:
        return self.flagged and not self.resolved


@dataclass
class Board:
    """An assessment's scoring state: every judged part of every candidate."""

    assessment: Assessment
    plan: AssessmentPlan
    parts: list[Part]
    entries: list[tuple[AssessmentEntry, Candidate]]
    panel: list[tuple[PanelMember, User]]
    cells: dict[tuple[int, str], Cell]

    def entry(self, entry_id: int) -> tuple[AssessmentEntry, Candidate]:
        found = next(((e, c) for e, c in self.entries if e.id == entry_id), None)
        if found is None:
            raise not_found("考生", "candidate")
        return found

    def part(self, key: str) -> Part:
        found = next((p for p in self.parts if p.key == key), None)
        if found is None:
            raise not_found("评分科目", "judged part")
        return found

    def cell(self, entry_id: int, key: str) -> Cell:
        self.entry(entry_id)
        return self.cells[(entry_id, self.part(key).key)]

    @property
    def started(self) -> bool:
        return any(c.submitted for c in self.cells.values())


def board(db: Session, assessment: Assessment) -> Board:
    db.flush()
    plan = db.get(AssessmentPlan, assessment.plan_id)
    assert plan is not None
    parts = [p for p in parts_of(plan) if p.judged]
    entries = [
        (e, c)
        for e, c in db.execute(
            select(AssessmentEntry, Candidate)
            .join(Candidate, AssessmentEntry.candidate_id == Candidate.id)
            .where(AssessmentEntry.assessment_id == assessment.id)
            .order_by(AssessmentEntry.id)
        )
    ]
    panel = members(db, assessment.id)
    facts: dict[int, JudgeFacts] = {u.id: judge_facts(db, u) for _, u in panel}
    people: dict[int, Examinee] = {x.entry_id: x for x in examinees(db, assessment, plan)}
    scores: dict[tuple[int, str], dict[int, JudgeScore]] = {}
    for s in db.scalars(select(JudgeScore).where(JudgeScore.assessment_id == assessment.id)):
        if s.state == "submitted":
            scores.setdefault((s.entry_id, s.part), {})[s.judge_id] = s
    flags = list(db.scalars(select(Disagreement).where(Disagreement.assessment_id == assessment.id)))
    tasks = drawn(db, assessment.id)
    cells = {}
    for entry, _ in entries:
        judges = [u.id for _, u in panel if not reasons_against(facts[u.id], people[entry.id])]
        for part in parts:
            key = (entry.id, part.key)
            mine = [f for f in flags if f.entry_id == entry.id and f.part == part.key]
            cells[key] = Cell(
                entry=entry,
                part=part,
                judges=judges,
                submitted={j: s for j, s in scores.get(key, {}).items() if j in judges},
                task=tasks.get(key),
                threshold=plan.spread_threshold,
                aggregation=plan.aggregation,
                accepted=[f.totals for f in mine if f.state == "accepted"],
                open_flag=next((f for f in mine if f.state == "open"), None),
            )
    return Board(assessment, plan, parts, entries, panel, cells)


def usernames(db: Session, judges: list[int]) -> dict[int, str]:
    return {user_id: name for user_id, name in db.execute(select(User.id, User.username).where(User.id.in_(judges)))}
