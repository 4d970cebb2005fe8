"""Results after the seal: their publication (only once the check passes) and each candidate's
lookup of their own, and the results as a spreadsheet."""

import io
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import LoginFailure
from examhall.accounts.service import Throttle
from examhall.errors import Conflict, Problem, TooMany, Unauthorized
from examhall.grading.access import exam_of, sitting_of
from examhall.grading.models import Appeal, Publication
from examhall.grading.results import Result, results
from examhall.grading.sealing import result_holds, verify_sitting
from examhall.sittings.identity import IdNumber, parse_id_number
from examhall.sittings.models import Candidate, Exam, ExamRecord, Registration, Sitting
from examhall.trace.sealing import record_after_seal
from examhall.trace.service import Actor

log = logging.getLogger("examhall")


def publish(db: Session, *, sitting_id: int, actor: Actor, timezone: str) -> Publication:
    """Publish a sealed sitting's results; refused before the seal, and refused when the results
    the tables hold are not the ones the trace derives. Each candidate's result joins their exam
    history (for later eligibility: re-sits, retraining)."""
    sitting = sitting_of(db, sitting_id)
    if sitting.state != "sealed":
        raise Conflict(
            "not_sealed", "场次尚未由主考官封存，不能发布成绩", "the sitting is not sealed; results cannot be published"
        )
    if db.get(Publication, sitting.id) is not None:
        raise Conflict("published", "成绩已发布", "the results are already published")
    checked = verify_sitting(db, sitting.id)
    if not checked.intact:
        lines = checked.lines_zh()
        raise Conflict(
            "not_verified",
            f"成绩核验未通过（{len(lines)}处问题），不能发布；请联系系统管理员核查",
            f"the sitting does not pass its check ({len(lines)} problems); not published",
            [Problem("not_verified", zh, en) for zh, en in zip(lines, checked.lines(), strict=False)],
        )
    exam = exam_of(db, sitting)
    held = clock.local_date(sitting.starts_at, timezone)
    found = results(db, sitting.id)
    for result in found:
        if result.attempt is not None and result.attempt.started_at is not None:
            registration = db.get(Registration, result.registration)
            assert registration is not None
            db.add(
                ExamRecord(
                    candidate_id=registration.candidate_id,
                    category=exam.category,
                    sat_on=held,
                    passed=result.passed,
                    sitting_id=sitting.id,
                )
            )
    publication = Publication(sitting_id=sitting.id, published_by=actor.name, published_at=clock.now())
    db.add(publication)
    record_after_seal(
        db,
        chain=sitting.chain,
        action="results.published",
        subject=sitting.chain,
        actor=actor,
        payload={"counts": dict(Counter(r.status for r in found))},
    )
    return publication


@dataclass(frozen=True)
class Lookup:
    result: Result
    exam: Exam
    sitting: Sitting
    appeal: Appeal | None
    show_score: bool


def look_up(db: Session, *, ticket: str, id_number: str, client: str, throttle: Throttle) -> Lookup:
    """A candidate's published result, by ticket and ID number. Unpublished, or a wrong pair:
    the same answer, so that nobody learns whose result exists; wrong pairs are throttled."""
    now = clock.now()
    since = now - timedelta(minutes=throttle.window_minutes)
    tried = (
        db.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.client == client, LoginFailure.at >= since, LoginFailure.username.like("result:%"))
        )
        or 0
    )
    if tried >= throttle.max_per_address:
        raise TooMany(
            "lookup_throttled", f"查询失败次数过多，请{throttle.window_minutes}分钟后再试", "too many failed lookups"
        )
    registration = db.scalar(select(Registration).where(Registration.ticket == ticket.strip()))
    candidate = db.get(Candidate, registration.candidate_id) if registration else None
    parsed = parse_id_number(id_number, today=clock.now().date())
    given = parsed.value if isinstance(parsed, IdNumber) else id_number.strip().upper()
    if (
        registration is None
        or candidate is None
        or candidate.id_number != given
        or db.get(Publication, registration.sitting_id) is None
    ):
        db.add(LoginFailure(at=now, username=f"result:{ticket.strip()[:50]}", client=client[:64]))
        raise Unauthorized(
            "no_result",
            "没有查到成绩：准考证号或身份证号不正确，或成绩尚未发布",
            "no published result for that ticket and ID number",
            commit=True,
        )
    sitting = sitting_of(db, registration.sitting_id)
    exam = exam_of(db, sitting)
    result = next(r for r in results(db, sitting.id) if r.ticket == registration.ticket)
    if not result_holds(db, sitting, result):
        log.error("the result of ticket %s does not agree with the sealed sitting %s", result.ticket, sitting.id)
        raise Conflict(
            "result_unverified",
            "该成绩未通过核验，暂不能查询；考试机构正在核查，请联系考试机构",
            "the result served does not agree with the seal; run trace verify --sitting",
        )
    appeal = (
        db.scalar(select(Appeal).where(Appeal.attempt_id == result.attempt.id).order_by(Appeal.id.desc()))
        if result.attempt
        else None
    )
    return Lookup(result, exam, sitting, appeal, exam.show_score)


def results_xlsx(db: Session, sitting_id: int) -> bytes:
    import openpyxl  # only when asked: a large import

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("成绩")
    sheet.append(["准考证号", "姓名", "身份证号", "成绩", "结果"])
    for result in results(db, sitting_id):
        sheet.append(
            [
                result.ticket,
                result.name,
                result.id_number,
                float(result.score) if result.score is not None else None,
                result.status,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
