"""The chief examiner's seal (主考官负责制) and the check of a sealed sitting.

The seal covers every chain of the sitting and, for every seated candidate, the result: who sat
where, a digest of the paper and of the final answers, the score, the void and the status. It is
signed with the exam body's key, and so is every event after it (publication, appeals). The check
derives every result again from the trace and compares it with what the tables serve."""

import json
from dataclasses import dataclass, field
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.delivery.models import Attempt
from examhall.errors import Conflict, Problem
from examhall.grading import derivation
from examhall.grading.access import ends_at, exam_of, not_sealed, require_chief, sitting_of
from examhall.grading.derivation import Difference, Outcome
from examhall.grading.models import SittingRecord
from examhall.grading.results import Result, results
from examhall.proctoring import service as proctoring
from examhall.sittings.models import Registration, Sitting
from examhall.trace import sealing, service
from examhall.trace.chain import EventRow
from examhall.trace.models import Seal
from examhall.trace.service import Actor

ACTION = "sitting.sealed"


@dataclass
class Verification:
    """What the check of a sitting found: the chains, the seal and its signatures (`problems`),
    and each difference between the tables and the results derived from the trace."""

    sealed: bool
    problems: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.sealed and not self.problems and not self.differences

    def lines(self) -> list[str]:
        return [*self.problems, *(str(d) for d in self.differences)]

    def lines_zh(self) -> list[str]:
        chains = [f"留痕链：{p}" for p in self.problems if self.sealed]
        return [*(["场次尚未封存"] if not self.sealed else []), *chains, *(d.zh for d in self.differences)]


def _attempt_chains(db: Session, sitting: Sitting) -> list[str]:
    return [a.chain for a in db.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id).order_by(Attempt.id))]


def _unfinished(db: Session, sitting: Sitting) -> int:
    """Seated candidates who have not finished: never came, waiting, or not yet started."""
    finished = (
        select(func.count())
        .select_from(Registration)
        .join(Attempt, Attempt.registration_id == Registration.id)
        .where(Registration.sitting_id == sitting.id, Attempt.state.in_(("submitted", "ended")))
    )
    seated = select(func.count()).where(Registration.sitting_id == sitting.id, Registration.seat.is_not(None))
    return int(db.scalar(seated) or 0) - int(db.scalar(finished) or 0)


def _before_the_seal(
    db: Session, sitting: Sitting, pass_mark: Decimal
) -> tuple[derivation.Tables, list[str], list[Difference]]:
    """An unsealed sitting: what the tables hold of each seat, the attempts' chains, and each
    difference from what those chains' events say."""
    tables = derivation.stored(db, sitting, pass_mark=pass_mark)
    chains = _attempt_chains(db, sitting)
    rows = service.rows_by_chain(db, [sitting.chain, *chains])
    told = derivation.derived(db, sitting, who=tables.outcomes, pass_mark=pass_mark, rows=rows)
    tickets = {o.attempt: o.ticket for o in tables.outcomes.values() if o.attempt is not None}
    differences = derivation.compare(tables.outcomes, told.outcomes) + derivation.compare_answers(tables, told, tickets)
    return tables, chains, differences


def seal(db: Session, *, sitting_id: int, actor: Actor, user_id: int) -> Seal:
    """The chief examiner reviews the record and seals the sitting: once nobody is answering, no
    misconduct proposal is open, and either the sitting's time is over or every seated candidate
    has finished. Whoever has not started by then is absent. Refused when what the tables hold of
    any result is not what the trace says."""
    sitting = sitting_of(db, sitting_id)
    require_chief(db, sitting, user_id)  # first: another sitting's state is none of a stranger's business
    not_sealed(sitting)
    if sitting.state != "open":
        raise Conflict("not_held", "场次尚未开考，不能封存", "the sitting has not been held")
    running = db.scalar(select(func.count()).where(Attempt.sitting_id == sitting.id, Attempt.state == "in_progress"))
    if running:
        raise Conflict(
            "still_running", f"还有{running}名考生在答题，全部结束后才能封存", f"{running} attempts are still under way"
        )
    if any(c.state == "proposed" for c in proctoring.cases(db, sitting.id)):
        raise Conflict("cases_open", "还有待确认的违纪处理，请先处理", "misconduct proposals await a decision")
    end = ends_at(db, sitting)
    if clock.now() < end and (left := _unfinished(db, sitting)):
        raise Conflict(
            "not_over",
            f"考试时间尚未结束，还有{left}名考生未交卷或未到考；考试时间结束后才能封存",
            f"the sitting's time is not over ({end.isoformat()}) and {left} candidates have not finished",
        )
    found = db.get(SittingRecord, sitting.id) or SittingRecord(sitting_id=sitting.id)
    found.reviewed_by, found.reviewed_at = actor.name, clock.now()
    db.add(found)
    db.flush()
    pass_mark = exam_of(db, sitting).pass_mark
    tables, chains, differences = _before_the_seal(db, sitting, pass_mark)
    if differences:
        raise Conflict(
            "trace_mismatch",
            f"数据库中的成绩与留痕记录有{len(differences)}处不一致，不能封存，请联系系统管理员核查",
            f"{len(differences)} differences between the tables and the trace; not sealed",
            [Problem("trace_mismatch", d.zh, str(d)) for d in differences],
        )
    outcomes = sorted(tables.outcomes.values(), key=lambda o: (o.seat or 0, o.registration))
    made = sealing.seal(
        db,
        chain=sitting.chain,
        covers=chains,
        action=ACTION,
        actor=actor,
        payload={"reviewed": True, "pass_mark": str(pass_mark), "results": [o.as_json() for o in outcomes]},
    )
    sitting.state = "sealed"
    return made


def _sealed_results(rows: list[EventRow], position: int) -> tuple[dict[int, Outcome], Decimal] | None:
    """Who sat where and their results, as the seal event fixed them; None when it holds none."""
    event = next((row for row in rows if row.position == position and row.action == ACTION), None)
    try:
        payload = json.loads(event.payload) if event is not None else {}
        outcomes = [Outcome.from_json(value) for value in payload["results"]]
        return {o.registration: o for o in outcomes}, Decimal(payload["pass_mark"])
    except (ValueError, KeyError, TypeError, ArithmeticError):
        return None


def verify_sitting(db: Session, sitting_id: int, *, public: Ed25519PublicKey | None = None) -> Verification:
    """Check a sitting: its chains and, once sealed, the seal and its signatures; then derive every
    result again from the trace and compare it with the tables (answers, scores, voids, who sat
    where, appeals, the final results and the publication), difference by difference."""
    sitting = sitting_of(db, sitting_id)
    exam = exam_of(db, sitting)
    made = sealing.seal_of(db, sitting.chain)
    if made is None:
        # Not sealed yet: what the attempts' events say can be checked all the same.
        _, chains, found = _before_the_seal(db, sitting, exam.pass_mark)
        problems = [str(b) for b in service.verify_database(db, chains=[sitting.chain, *chains]).breaks]
        return Verification(False, [f"sitting {sitting_id} is not sealed", *problems], found)
    problems = sealing.verify(db, sitting.chain, action=ACTION, public=public)
    sitting_rows = service.rows_by_chain(db, [sitting.chain])[sitting.chain]
    sealed = _sealed_results(sitting_rows, made.position)
    if sealed is None:
        return Verification(True, [*problems, f"chain {sitting.chain}: the seal holds no results to check"])
    who, pass_mark = sealed
    differences: list[Difference] = []
    if exam.pass_mark != pass_mark:
        differences.append(Difference("", "pass_mark", str(exam.pass_mark), str(pass_mark)))
    tables = derivation.stored(db, sitting, pass_mark=exam.pass_mark, also=set(who))
    chains = [f"attempt:{o.attempt}" for o in who.values() if o.attempt is not None]
    rows = {sitting.chain: sitting_rows, **service.rows_by_chain(db, chains)}
    told = derivation.derived(db, sitting, who=who, pass_mark=pass_mark, rows=rows)
    by_attempt = {o.attempt: o.ticket for o in who.values() if o.attempt is not None}
    by_registration = {o.registration: o.ticket for o in who.values()}
    differences += derivation.compare(tables.outcomes, told.outcomes)
    differences += derivation.compare(who, told.outcomes, source="sealed")
    differences += derivation.compare_answers(tables, told, by_attempt)
    appeals = derivation.appeals_from(sitting_rows)
    differences += derivation.compare_appeals(db, sitting, appeals, by_attempt)
    final = derivation.final_outcomes(told.outcomes, appeals, pass_mark=pass_mark)
    differences += derivation.compare_final(results(db, sitting.id), final, by_registration)
    differences += derivation.compare_publication(db, sitting, sitting_rows, final, by_registration)
    return Verification(True, problems, differences)


def result_holds(db: Session, sitting: Sitting, result: Result) -> bool:
    """Whether one candidate's result, as the results page and their lookup serve it, is what the
    seal fixed with the appeals decided since: a cheap check of one seat, made at every lookup
    (the whole check is verify_sitting)."""
    made = sealing.seal_of(db, sitting.chain)
    if made is None:
        return False
    rows = service.rows_by_chain(db, [sitting.chain])[sitting.chain]
    sealed = _sealed_results(rows, made.position)
    if sealed is None:
        return False
    who, pass_mark = sealed
    outcome = who.get(result.registration)
    if outcome is None or outcome.ticket != result.ticket or outcome.id_number != result.id_number:
        return False
    final = derivation.final_outcomes(
        {outcome.registration: outcome}, derivation.appeals_from(rows), pass_mark=pass_mark
    )
    expected = final[outcome.registration]
    return expected.status == result.status and expected.score == derivation.score_text(result.score)
