"""Results derived again from the trace, to be compared with what the tables serve.

The trace is the record and the tables are views of it. For every seated candidate of a sitting
the derivation reads: the paper each seat was given (the sitting's opening event) drawn again from
its seed, the answers as the attempt's events saved them, the score those answers earn by the
paper's rules, the void after a confirmed misconduct decision, the appeals and their decisions on
the sitting's chain, and the publication. Who sat where (ticket, ID number, attempt) comes from the
seal, which fixes it for every seat when the chief examiner seals the sitting."""

import hashlib
import json
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from examhall.delivery.models import Answer, Attempt
from examhall.delivery.replay import Replayed, Saved, replay
from examhall.grading.models import Appeal, Publication
from examhall.grading.results import ABSENT, FAILED, PASSED, Result, status_of
from examhall.papers import service as papers
from examhall.papers.models import Paper
from examhall.sittings.models import Candidate, ExamRecord, Registration, Sitting
from examhall.trace.chain import EventRow, canonical_json

FIELD_NAMES = {
    "registration": "报名记录",
    "ticket": "准考证号",
    "id_number": "身份证号",
    "seat": "座位号",
    "attempt": "考试记录",
    "paper": "试卷",
    "answers": "答案",
    "score": "成绩",
    "marks": "逐题得分",
    "voided": "成绩无效",
    "status": "结果",
    "response": "作答",
    "seq": "作答序号",
    "flagged": "标记",
    "flag_seq": "标记序号",
    "final_score": "最终成绩",
    "final_status": "最终结果",
    "published": "成绩发布",
    "exam_record": "考试档案",
    "pass_mark": "合格分数线",
    "appeal": "复核",
}


@dataclass(frozen=True)
class Outcome:
    """One seated candidate's result as a seal fixes it."""

    registration: int
    ticket: str
    id_number: str
    seat: int | None
    attempt: int | None
    paper: str  # SHA-256 of the paper's choices, "" when none was drawn
    answers: str  # SHA-256 of the final answers, "" when there is no attempt
    score: str  # the graded score, "" when there is none
    marks: str  # SHA-256 of the item-by-item marks, "" when there are none
    voided: bool
    status: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "Outcome":
        return cls(**value)


COMPARED = ("ticket", "id_number", "seat", "attempt", "paper", "answers", "score", "marks", "voided", "status")


@dataclass(frozen=True)
class Difference:
    """Where the tables and the trace disagree: a seat's ticket, the item, the field, both values."""

    ticket: str
    field: str
    stored: Any
    derived: Any
    item: int | None = None
    source: str = "stored"  # where the first value is from: the tables, or the seal

    def __str__(self) -> str:
        where = f"ticket {self.ticket}" + (f", item {self.item}" if self.item is not None else "")
        return f"{where}: {self.field}: {self.source} {_shown(self.stored)}, derived {_shown(self.derived)}"

    @property
    def zh(self) -> str:
        where = f"准考证号 {self.ticket}" + (f" 第{self.item}题" if self.item is not None else "")
        source = "数据库为" if self.source == "stored" else "封存时为"
        name = FIELD_NAMES.get(self.field.split(" ")[0], self.field)
        return f"{where}：{name}，{source} {_shown(self.stored)}，留痕推导为 {_shown(self.derived)}"


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "（无）"
    if isinstance(value, str) and len(value) == 64:
        return value[:12] + "…"
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def answers_digest(responses: dict[int, Any]) -> str:
    return hashlib.sha256(canonical_json(sorted([n, r] for n, r in responses.items())).encode()).hexdigest()


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def marks_digest(marks: list[dict[str, Any]] | None) -> str:
    return "" if marks is None else hashlib.sha256(canonical_json(marks).encode()).hexdigest()


def score_text(value: Decimal | None) -> str:
    return "" if value is None else str(value.quantize(Decimal("0.01")))


# --- what the tables hold -----------------------------------------------------------------------------


@dataclass
class Tables:
    outcomes: dict[int, Outcome]  # by registration
    answers: dict[int, dict[int, Saved]]  # by attempt, then item


def stored(db: Session, sitting: Sitting, *, pass_mark: Decimal, also: set[int] | None = None) -> Tables:
    """Every seated registration of the sitting (and those in `also`) as the tables hold it."""
    seated = Registration.seat.is_not(None)
    rows = db.execute(
        select(Registration, Candidate)
        .join(Candidate, Registration.candidate_id == Candidate.id)
        .where(Registration.sitting_id == sitting.id, or_(seated, Registration.id.in_(also or set())))
    ).all()
    ids = [registration.id for registration, _ in rows]
    attempts = {a.registration_id: a for a in db.scalars(select(Attempt).where(Attempt.registration_id.in_(ids)))}
    paper_ids = [r.paper_id for r, _ in rows if r.paper_id is not None]
    choices: dict[int, list[list[Any]]] = {
        paper: chosen for paper, chosen in db.execute(select(Paper.id, Paper.choices).where(Paper.id.in_(paper_ids)))
    }
    saved: dict[int, dict[int, Saved]] = {a.id: {} for a in attempts.values()}
    for answer in db.scalars(select(Answer).where(Answer.attempt_id.in_(list(saved)))):
        saved[answer.attempt_id][answer.position] = Saved(answer.response, answer.seq, answer.flagged, answer.flag_seq)
    outcomes = {}
    for registration, candidate in rows:
        attempt = attempts.get(registration.id)
        started = attempt is not None and attempt.started_at is not None
        voided = attempt is not None and attempt.voided
        score = attempt.score if attempt is not None else None
        responses = {n: s.response for n, s in saved[attempt.id].items() if s.response is not None} if attempt else {}
        outcomes[registration.id] = Outcome(
            registration=registration.id,
            ticket=registration.ticket or "",
            id_number=candidate.id_number,
            seat=registration.seat,
            attempt=attempt.id if attempt else None,
            paper=papers.choices_digest(choices[registration.paper_id]) if registration.paper_id in choices else "",
            answers=answers_digest(responses) if attempt else "",
            score=score_text(score),
            marks=marks_digest(attempt.score_detail if attempt else None),
            voided=voided,
            status=status_of(started=started, voided=voided, score=score, pass_mark=pass_mark),
        )
    return Tables(outcomes, saved)


# --- what the trace says -------------------------------------------------------------------------------


def _payload(row: EventRow) -> dict[str, Any]:
    """An event's payload; empty when it is not a JSON object (a damaged event: the chain's own
    check reports it, and the derivation goes on without it)."""
    try:
        value = json.loads(row.payload)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _last_payload(rows: list[EventRow], action: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for row in rows:
        if row.action == action:
            found = _payload(row)
    return found


@dataclass
class Derived:
    outcomes: dict[int, Outcome]
    attempts: dict[int, Replayed]


def derived(
    db: Session, sitting: Sitting, *, who: dict[int, Outcome], pass_mark: Decimal, rows: dict[str, list[EventRow]]
) -> Derived:
    """Each registration in `who` (its ticket, ID number and attempt) derived from the events in
    `rows` (the sitting's chain and its attempts' chains) and the papers drawn again."""
    sitting_rows = rows.get(sitting.chain, [])
    opened = _last_payload(sitting_rows, "sitting.opened")
    given: dict[str, int] = opened.get("papers", {}) if isinstance(opened.get("papers"), dict) else {}
    seated = _last_payload(sitting_rows, "seats.assigned").get("seats")
    seats: dict[str, int] = seated if isinstance(seated, dict) else {}
    views = papers.rebuilt_views(db, opened["draw"]) if isinstance(opened.get("draw"), int) else {}
    outcomes, attempts = {}, {}
    for registration, known in who.items():
        view = views.get(given.get(str(registration), 0))
        played = replay(rows.get(f"attempt:{known.attempt}", [])) if known.attempt is not None else Replayed()
        if known.attempt is not None:
            attempts[known.attempt] = played
        score, marks = None, None
        if played.started and view is not None:
            score, marked = papers.mark_paper(view, played.responses())
            marks = [m.as_dict() for m in marked]
        outcomes[registration] = Outcome(
            registration=registration,
            ticket=known.ticket,
            id_number=known.id_number,
            seat=seats.get(str(registration), known.seat),
            attempt=known.attempt,
            paper=papers.view_digest(view) if view is not None else "",
            answers=answers_digest(played.responses()) if known.attempt is not None else "",
            score=score_text(score),
            marks=marks_digest(marks),
            voided=played.voided,
            status=status_of(started=played.started, voided=played.voided, score=score, pass_mark=pass_mark),
        )
    return Derived(outcomes, attempts)


def compare(stored: dict[int, Outcome], derived: dict[int, Outcome], *, source: str = "stored") -> list[Difference]:
    found = []
    for registration in sorted(set(stored) | set(derived)):
        mine, theirs = stored.get(registration), derived.get(registration)
        if mine is None or theirs is None:
            ticket = (theirs or mine).ticket  # type: ignore[union-attr]
            found.append(Difference(ticket, "registration", mine is not None, theirs is not None, source=source))
            continue
        for name in COMPARED:
            if getattr(mine, name) != getattr(theirs, name):
                found.append(Difference(theirs.ticket, name, getattr(mine, name), getattr(theirs, name), source=source))
    return found


def compare_answers(tables: Tables, derived: Derived, tickets: dict[int, str]) -> list[Difference]:
    """Item by item, each `answers` row against the saves the attempt's events record."""
    found = []
    for attempt, played in sorted(derived.attempts.items()):
        rows = tables.answers.get(attempt, {})
        for n in sorted(set(rows) | set(played.answers)):
            mine, theirs = rows.get(n), played.answers.get(n)
            for name in ("response", "seq", "flagged", "flag_seq"):
                a = getattr(mine, name) if mine else None
                b = getattr(theirs, name) if theirs else None
                if a != b:
                    found.append(Difference(tickets.get(attempt, f"attempt {attempt}"), name, a, b, item=n))
    return found


# --- after the seal: appeals, final results, publication ----------------------------------------------


@dataclass
class AppealState:
    attempt: int = 0
    state: str = ""
    reason: str = ""
    original: str = ""
    regraded: str = ""
    proposed: str = ""
    proposed_by: str = ""
    note: str = ""
    decided_by: str = ""
    corrected: str | None = None  # the score a confirmed change set


def appeals_from(rows: list[EventRow]) -> dict[int, AppealState]:
    """Every appeal of the sitting as its chain tells it, by appeal id, in the order filed."""
    found: dict[int, AppealState] = {}
    for row in rows:
        payload = _payload(row)
        if not row.action.startswith("appeal.") or not isinstance(payload.get("appeal"), int):
            continue
        appeal = found.setdefault(payload["appeal"], AppealState())
        step = row.action.split(".", 1)[1]
        if step == "filed":
            appeal.attempt = int(row.subject.split(":")[-1]) if row.subject.split(":")[-1].isdigit() else 0
            appeal.state, appeal.reason = "filed", str(payload.get("reason", ""))
            appeal.original = str(payload.get("original", ""))
        elif step == "regraded":
            appeal.state = "regraded"
            appeal.original, appeal.regraded = str(payload.get("original", "")), str(payload.get("regraded", ""))
        elif step == "proposed":
            appeal.state, appeal.proposed_by = "proposed", row.actor
            appeal.proposed, appeal.note = str(payload.get("score", "")), str(payload.get("note", ""))
        elif step == "returned":
            appeal.state = "regraded"
        elif step == "decided":
            appeal.state, appeal.decided_by = "decided", row.actor
            appeal.corrected = str(payload.get("score", "")) if payload.get("changed") else None
    return found


def _appeal_row(appeal: Appeal) -> AppealState:
    def text(value: Decimal | None) -> str:
        return "" if value is None else str(value)

    return AppealState(
        attempt=appeal.attempt_id,
        state=appeal.state,
        reason=appeal.reason,
        original=text(appeal.original_score),
        regraded=text(appeal.regraded_score),
        proposed=text(appeal.proposed_score),
        proposed_by=appeal.proposed_by,
        note=appeal.note,
        decided_by=appeal.decided_by,
    )


def compare_appeals(
    db: Session, sitting: Sitting, told: dict[int, AppealState], tickets: dict[int, str]
) -> list[Difference]:
    """Each appeal's row against its events on the sitting's chain."""
    query = select(Appeal).join(Attempt, Appeal.attempt_id == Attempt.id).where(Attempt.sitting_id == sitting.id)
    kept = {a.id: a for a in db.scalars(query)}
    found = []
    for appeal_id in sorted(set(kept) | set(told)):
        row, said = kept.get(appeal_id), told.get(appeal_id)
        attempt = said.attempt if said else row.attempt_id if row else 0
        ticket = tickets.get(attempt, f"attempt {attempt}")
        if row is None or said is None:
            found.append(Difference(ticket, f"appeal {appeal_id}", row is not None, said is not None))
            continue
        mine, theirs = asdict(_appeal_row(row)), asdict(said)
        for name in mine:
            if name != "corrected" and mine[name] != theirs[name]:
                found.append(Difference(ticket, f"appeal {appeal_id} {name}", mine[name], theirs[name]))
    return found


@dataclass
class Final:
    score: str
    status: str


def final_outcomes(
    outcomes: dict[int, Outcome], told: dict[int, AppealState], *, pass_mark: Decimal
) -> dict[int, Final]:
    """Each registration's final result: the graded score, or the last confirmed correction."""
    corrected = {a.attempt: a.corrected for a in told.values() if a.state == "decided" and a.corrected is not None}
    found = {}
    for registration, outcome in outcomes.items():
        graded = outcome.status in (PASSED, FAILED)
        if graded and outcome.attempt in corrected:
            score = Decimal(corrected[outcome.attempt] or "0")
            found[registration] = Final(
                score_text(score), status_of(started=True, voided=False, score=score, pass_mark=pass_mark)
            )
        else:
            found[registration] = Final(outcome.score if graded else "", outcome.status)
    return found


def compare_final(results: list[Result], final: dict[int, Final], tickets: dict[int, str]) -> list[Difference]:
    """What the results page and a candidate's lookup serve, against the final results derived."""
    found = []
    served = {r.registration: r for r in results}
    for registration, expected in sorted(final.items()):
        result = served.get(registration)
        ticket = tickets.get(registration, "")
        if result is None:
            found.append(Difference(ticket, "final_status", None, expected.status))
            continue
        if score_text(result.score) != expected.score:
            found.append(Difference(ticket, "final_score", score_text(result.score), expected.score))
        if result.status != expected.status:
            found.append(Difference(ticket, "final_status", result.status, expected.status))
    for registration in sorted(set(served) - set(final)):
        found.append(Difference(served[registration].ticket, "final_status", served[registration].status, None))
    return found


def compare_publication(
    db: Session, sitting: Sitting, sitting_rows: list[EventRow], final: dict[int, Final], tickets: dict[int, str]
) -> list[Difference]:
    """The publication, and the exam history it wrote (what later eligibility reads)."""
    published = any(row.action == "results.published" for row in sitting_rows)
    found = []
    if (db.get(Publication, sitting.id) is not None) != published:
        found.append(Difference("", "published", not published, published))
    if not published:
        return found
    candidates = {
        candidate: registration
        for candidate, registration in db.execute(
            select(Registration.candidate_id, Registration.id).where(Registration.sitting_id == sitting.id)
        )
    }
    kept: dict[int, bool] = {}
    for record in db.scalars(select(ExamRecord).where(ExamRecord.sitting_id == sitting.id)):
        registration = candidates.get(record.candidate_id, -record.id)
        kept[registration] = record.passed
    expected = {r: f.status == PASSED for r, f in final.items() if f.status != ABSENT}
    for registration in sorted(set(kept) | set(expected)):
        if kept.get(registration) != expected.get(registration):
            ticket = tickets.get(registration, f"exam record {-registration}")
            found.append(Difference(ticket, "exam_record", kept.get(registration), expected.get(registration)))
    return found
