"""The end of a sitting: its record (考场记录), the chief examiner's seal over every chain, the
publication of results (only after the seal) and their lookup, appeals (复核) regraded from the
trace with two people to change a score, and evidence bundles that verify offline."""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NoReturn

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts.models import LoginFailure, User
from examhall.accounts.service import Throttle
from examhall.delivery import supervision
from examhall.delivery.models import Attempt
from examhall.errors import Conflict, Forbidden, Invalid, TooMany, Unauthorized, not_found
from examhall.grading.models import Appeal, Publication, Seal, SittingRecord
from examhall.papers import service as papers
from examhall.proctoring import service as proctoring
from examhall.proctoring.models import Incident, Inspection, MisconductCase
from examhall.sittings.identity import IdNumber, parse_id_number
from examhall.sittings.models import Assignment, Candidate, Exam, ExamRecord, Registration, Room, Site, Sitting
from examhall.trace import service as trace
from examhall.trace.bundle import seal_payload, sealed_from_event, write_bundle
from examhall.trace.chain import EventRow
from examhall.trace.merkle import Leaf, root
from examhall.trace.models import TraceEvent
from examhall.trace.service import Actor, record

WORKING_DAYS_TO_PUBLISH = 10
RETENTION_YEARS = 3


def sitting_of(db: Session, sitting_id: int) -> Sitting:
    sitting = db.get(Sitting, sitting_id)
    if sitting is None:
        raise not_found("场次", "sitting")
    return sitting


def not_sealed(sitting: Sitting) -> None:
    if sitting.state == "sealed":
        raise Conflict(
            "sealed",
            "场次已由主考官封存，不能再更改；更正须以复核等方式另行记录",
            "the sitting is sealed; nothing of it changes (corrections are new records)",
        )


def _chief(db: Session, sitting: Sitting, user_id: int) -> None:
    if (
        db.scalar(
            select(Assignment.id).where(
                Assignment.sitting_id == sitting.id, Assignment.user_id == user_id, Assignment.role == "chief_examiner"
            )
        )
        is None
    ):
        raise Forbidden("not_chief", "只有本场主考官可以进行此操作", "only the sitting's chief examiner may do this")


# --- the sitting record -------------------------------------------------------------------------


@dataclass
class Present:
    seat: int
    ticket: str
    name: str
    attempt: Attempt | None

    @property
    def absent(self) -> bool:
        return self.attempt is None or self.attempt.started_at is None


@dataclass
class RecordView:
    sitting: Sitting
    exam: Exam
    room: Room
    site: Site
    candidates: list[Present]
    incidents: list[Incident]
    cases: list[MisconductCase]
    inspections: list[Inspection]
    staff: list[tuple[str, str]]  # role, name
    record: SittingRecord | None
    seal: Seal | None
    publication: Publication | None
    deadline: date
    deadline_state: str  # ok, near, past, published

    @property
    def absent(self) -> int:
        return sum(1 for c in self.candidates if c.absent)


def publish_by(held: date) -> date:
    """10 working days after the sitting (weekends skipped; public holidays are not known here)."""
    day, left = held, WORKING_DAYS_TO_PUBLISH
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def record_of(db: Session, sitting_id: int, *, timezone: str) -> RecordView:
    sitting = sitting_of(db, sitting_id)
    exam, room, site = db.get(Exam, sitting.exam_id), db.get(Room, sitting.room_id), db.get(Site, sitting.site_id)
    assert exam is not None and room is not None and site is not None
    staff = [
        (role, name)
        for role, name in db.execute(
            select(Assignment.role, User.display_name)
            .join(User, Assignment.user_id == User.id)
            .where(Assignment.sitting_id == sitting.id)
            .order_by(Assignment.role)
        )
    ]
    publication = db.get(Publication, sitting.id)
    deadline = publish_by(clock.local_date(sitting.starts_at, timezone))
    today = clock.local_date(clock.now(), timezone)
    state = (
        "published" if publication else "past" if today > deadline else "near" if (deadline - today).days <= 3 else "ok"
    )
    return RecordView(
        sitting,
        exam,
        room,
        site,
        [Present(r.seat or 0, r.ticket or "", c.name, a) for r, c, a in supervision.room_attempts(db, sitting.id)],
        proctoring.incidents(db, sitting.id),
        proctoring.cases(db, sitting.id),
        proctoring.inspections(db, sitting.id),
        staff,
        db.get(SittingRecord, sitting.id),
        db.get(Seal, sitting.id),
        publication,
        deadline,
        state,
    )


def file_record(db: Session, *, sitting_id: int, remarks: str, actor: Actor) -> SittingRecord:
    """Proctors write the sitting record's remarks (again, until it is sealed)."""
    sitting = sitting_of(db, sitting_id)
    not_sealed(sitting)
    found = db.get(SittingRecord, sitting.id) or SittingRecord(sitting_id=sitting.id)
    found.remarks, found.filed_by, found.filed_at = remarks.strip(), actor.name, clock.now()
    found.reviewed_by, found.reviewed_at = "", None
    db.add(found)
    record(
        db,
        chain=sitting.chain,
        action="record.filed",
        subject=f"sitting:{sitting.id}",
        actor=actor,
        payload={"remarks": found.remarks},
    )
    return found


# --- the seal -------------------------------------------------------------------------------------


def _leaves(db: Session, sitting: Sitting) -> list[Leaf]:
    chains = [sitting.chain, *(a.chain for a in db.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id)))]
    heads = trace.heads(db, chains)
    return [Leaf(chain, heads[chain].position, heads[chain].hash) for chain in sorted(heads)]


def seal(db: Session, *, sitting_id: int, actor: Actor, user_id: int) -> Seal:
    """The chief examiner reviews the record and seals the sitting once every attempt has ended:
    a Merkle root over the heads of all its chains, itself an event on the sitting's chain."""
    sitting = sitting_of(db, sitting_id)
    _chief(db, sitting, user_id)  # first: another sitting's state is none of a stranger's business
    not_sealed(sitting)
    if sitting.state != "open":
        raise Conflict("not_held", "场次尚未开考，不能封存", "the sitting has not been held")
    running = db.scalars(
        select(Attempt.id).where(Attempt.sitting_id == sitting.id, Attempt.state == "in_progress")
    ).all()
    if running:
        raise Conflict(
            "still_running",
            f"还有{len(running)}名考生在答题，全部结束后才能封存",
            f"{len(running)} attempts are still under way",
        )
    if (cases := proctoring.cases(db, sitting.id)) and any(c.state == "proposed" for c in cases):
        raise Conflict("cases_open", "还有待确认的违纪处理，请先处理", "misconduct proposals await a decision")
    found = db.get(SittingRecord, sitting.id) or SittingRecord(sitting_id=sitting.id)
    found.reviewed_by, found.reviewed_at = actor.name, clock.now()
    db.add(found)
    db.flush()
    leaves = _leaves(db, sitting)
    top = root(leaves)
    event = record(
        db,
        chain=sitting.chain,
        action="sitting.sealed",
        subject=f"sitting:{sitting.id}",
        actor=actor,
        payload={**seal_payload(top, leaves), "reviewed": True},
    )
    made = Seal(
        sitting_id=sitting.id,
        root=top,
        leaves=[[leaf.chain, leaf.position, leaf.hash] for leaf in leaves],
        position=event.position,
        sealed_by=actor.name,
        sealed_at=event.at,
    )
    db.add(made)
    sitting.state = "sealed"
    return made


def verify_sitting(db: Session, sitting_id: int) -> list[str]:
    """Check a sealed sitting against its seal: every chain intact, and each sealed head still
    the event it was, under the stored root. Empty when it holds."""
    sitting = sitting_of(db, sitting_id)
    sealed = db.get(Seal, sitting.id)
    if sealed is None:
        return [f"sitting {sitting_id} is not sealed"]
    leaves = [Leaf(c, p, h) for c, p, h in sealed.leaves]
    chains = sorted({leaf.chain for leaf in leaves} | {sitting.chain})
    report = trace.verify_database(db, chains=chains)
    problems = [str(b) for b in report.breaks]
    if root(leaves) != sealed.root:
        problems.append("the seal's leaves do not give its root")
    found = {(e.chain, e.position): e for e in db.scalars(select(TraceEvent).where(TraceEvent.chain.in_(chains)))}
    event = found.get((sitting.chain, sealed.position))
    if event is None or event.action != "sitting.sealed" or sealed_from_event(_row(event)).root != sealed.root:
        problems.append(f"chain {sitting.chain} at position {sealed.position}: the seal event is not the stored seal")
    for leaf in leaves:
        at = found.get((leaf.chain, leaf.position))
        if at is None or at.hash != leaf.hash:
            problems.append(f"chain {leaf.chain} at position {leaf.position}: not the event that was sealed")
    return problems


def _row(event: TraceEvent) -> EventRow:
    return EventRow(
        event.chain,
        event.position,
        event.at,
        event.actor,
        event.role,
        event.client,
        event.action,
        event.subject,
        event.payload,
        event.prev_hash,
        event.hash,
    )


# --- results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    ticket: str
    name: str
    id_number: str
    attempt: Attempt | None
    score: Decimal | None
    passed: bool
    status: str  # 合格, 不合格, 缺考, 成绩无效


def results(db: Session, sitting_id: int) -> list[Result]:
    sitting = sitting_of(db, sitting_id)
    exam = db.get(Exam, sitting.exam_id)
    assert exam is not None
    found = []
    for registration, candidate, attempt in supervision.room_attempts(db, sitting.id):
        if attempt is None or attempt.started_at is None:
            found.append(
                Result(registration.ticket or "", candidate.name, candidate.id_number, attempt, None, False, "缺考")
            )
        elif attempt.voided:
            found.append(
                Result(
                    registration.ticket or "",
                    candidate.name,
                    candidate.id_number,
                    attempt,
                    None,
                    False,
                    "成绩无效（违纪）",
                )
            )
        else:
            passed = attempt.score is not None and attempt.score >= exam.pass_mark
            found.append(
                Result(
                    registration.ticket or "",
                    candidate.name,
                    candidate.id_number,
                    attempt,
                    attempt.score,
                    passed,
                    "合格" if passed else "不合格",
                )
            )
    return found


def publish(db: Session, *, sitting_id: int, actor: Actor, timezone: str) -> Publication:
    """Publish a sealed sitting's results; refused before the seal. Each candidate's result joins
    their exam history (for later eligibility: re-sits, retraining)."""
    sitting = sitting_of(db, sitting_id)
    if sitting.state != "sealed":
        raise Conflict(
            "not_sealed", "场次尚未由主考官封存，不能发布成绩", "the sitting is not sealed; results cannot be published"
        )
    if db.get(Publication, sitting.id) is not None:
        raise Conflict("published", "成绩已发布", "the results are already published")
    exam = db.get(Exam, sitting.exam_id)
    assert exam is not None
    held = clock.local_date(sitting.starts_at, timezone)
    for result in results(db, sitting.id):
        if result.attempt is not None and result.attempt.started_at is not None:
            registration = db.get(Registration, result.attempt.registration_id)
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
    counts = Counter(r.status for r in results(db, sitting.id))
    record(
        db,
        chain=sitting.chain,
        action="results.published",
        subject=f"sitting:{sitting.id}",
        actor=actor,
        payload={"counts": dict(counts), "seal_position": _seal_position(db, sitting)},
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
    exam = db.get(Exam, sitting.exam_id)
    assert exam is not None
    result = next(r for r in results(db, sitting.id) if r.ticket == registration.ticket)
    appeal = (
        db.scalar(select(Appeal).where(Appeal.attempt_id == result.attempt.id).order_by(Appeal.id.desc()))
        if result.attempt
        else None
    )
    return Lookup(result, exam, sitting, appeal, exam.show_score)


def results_xlsx(db: Session, sitting_id: int) -> bytes:
    import io

    import openpyxl

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


# --- appeals ----------------------------------------------------------------------------------------


def file_appeal(db: Session, *, ticket: str, id_number: str, reason: str, client: str, throttle: Throttle) -> Appeal:
    found = look_up(db, ticket=ticket, id_number=id_number, client=client, throttle=throttle)
    attempt = found.result.attempt
    if attempt is None or attempt.started_at is None:
        raise Conflict("no_attempt", "缺考的考生没有可复核的成绩", "there is no attempt to review")
    if found.appeal is not None and found.appeal.state != "decided":
        raise Conflict("appeal_open", "已有正在处理的复核申请", "an appeal is already being handled")
    if len(reason.strip()) < 4:
        raise Invalid("reason_required", "请写明复核理由（至少4个字）", "give a reason (4 characters or more)")
    appeal = Appeal(
        attempt_id=attempt.id, reason=reason.strip(), filed_at=clock.now(), state="filed", original_score=attempt.score
    )
    db.add(appeal)
    db.flush()
    record(
        db,
        chain=found.sitting.chain,
        action="appeal.filed",
        subject=f"attempt:{attempt.id}",
        actor=Actor(ticket, "candidate", client),
        payload={"appeal": appeal.id, "reason": appeal.reason},
    )
    return appeal


def responses_from_trace(db: Session, attempt: Attempt) -> dict[int, Any]:
    """The final responses as the trace recorded them: each item's change with the highest
    sequence number wins, as when they were saved."""
    latest: dict[int, tuple[int, Any]] = {}
    for event in trace.events(db, attempt.chain):
        if event.action != "answers.saved":
            continue
        for change in json.loads(event.payload)["changes"]:
            if "response" in change and change["seq"] > latest.get(change["n"], (0, None))[0]:
                latest[change["n"]] = (change["seq"], change["response"])
    return {n: response for n, (_, response) in latest.items()}


def regrade(db: Session, *, appeal_id: int, actor: Actor) -> Appeal:
    """Recompute the score from the trace (after checking the attempt's chain is intact)."""
    appeal, attempt, sitting = _appeal(db, appeal_id)
    if appeal.state != "filed":
        raise Conflict("not_filed", "该复核申请已重新评分", "the appeal has been regraded already")
    report = trace.verify_database(db, chains=[attempt.chain])
    if not report.intact:
        raise Conflict(
            "trace_broken",
            f"考生的留痕记录已被改动（{report.breaks[0]}），不能据此复核",
            f"the attempt's trace is broken ({report.breaks[0]})",
        )
    score, marks = papers.mark_paper(papers.paper_view(db, attempt.paper_id), responses_from_trace(db, attempt))
    appeal.regraded_score, appeal.state = score, "regraded"
    record(
        db,
        chain=sitting.chain,
        action="appeal.regraded",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={
            "appeal": appeal.id,
            "original": str(appeal.original_score),
            "regraded": str(score),
            "marks": [m.as_dict() for m in marks],
            "seal_position": _seal_position(db, sitting),
        },
    )
    return appeal


def propose(db: Session, *, appeal_id: int, score: Decimal | None, note: str, actor: Actor) -> Appeal:
    """An admin proposes the outcome: a new score (a regrade that differs), or the score kept."""
    appeal, attempt, sitting = _appeal(db, appeal_id)
    if appeal.state != "regraded":
        raise Conflict("not_regraded", "请先重新评分", "regrade first")
    if not note.strip():
        raise Invalid("note_required", "请写明复核意见", "write the finding")
    appeal.proposed_score = score if score is not None else appeal.original_score
    appeal.proposed_by, appeal.note, appeal.state = actor.name, note.strip(), "proposed"
    record(
        db,
        chain=sitting.chain,
        action="appeal.proposed",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={"appeal": appeal.id, "score": str(appeal.proposed_score), "note": appeal.note},
    )
    return appeal


def decide(db: Session, *, appeal_id: int, confirm: bool, actor: Actor, user_id: int) -> Appeal:
    """The chief examiner (a second person) confirms the proposal, or sends it back. A confirmed
    change of score is a correction recorded after the seal, which it names."""
    appeal, attempt, sitting = _appeal(db, appeal_id)
    if appeal.state != "proposed":
        raise Conflict("not_proposed", "没有待确认的复核结论", "no proposal awaits a decision")
    _chief(db, sitting, user_id)
    if actor.name == appeal.proposed_by:
        raise Forbidden("same_person", "提出人与确认人不能是同一人", "the proposer cannot also confirm")
    if not confirm:
        appeal.state = "regraded"
        record(
            db,
            chain=sitting.chain,
            action="appeal.returned",
            subject=f"attempt:{attempt.id}",
            actor=actor,
            payload={"appeal": appeal.id},
        )
        return appeal
    changed = appeal.proposed_score != appeal.original_score
    if changed:
        attempt.score = appeal.proposed_score
    appeal.state, appeal.decided_by, appeal.decided_at = "decided", actor.name, clock.now()
    appeal.outcome = (
        f"复核后成绩由{appeal.original_score}分更正为{appeal.proposed_score}分：{appeal.note}"
        if changed
        else f"复核后维持原成绩{appeal.original_score}分：{appeal.note}"
    )
    record(
        db,
        chain=sitting.chain,
        action="appeal.decided",
        subject=f"attempt:{attempt.id}",
        actor=actor,
        payload={
            "appeal": appeal.id,
            "changed": changed,
            "score": str(attempt.score),
            "seal_position": _seal_position(db, sitting),
        },
    )
    if changed:
        exam = db.get(Exam, sitting.exam_id)
        registration = db.get(Registration, attempt.registration_id)
        assert exam is not None and registration is not None
        for past in db.scalars(
            select(ExamRecord).where(
                ExamRecord.sitting_id == sitting.id, ExamRecord.candidate_id == registration.candidate_id
            )
        ):
            past.passed = attempt.score is not None and attempt.score >= exam.pass_mark
    return appeal


def _seal_position(db: Session, sitting: Sitting) -> int | None:
    found = db.get(Seal, sitting.id)
    return found.position if found else None


def _appeal(db: Session, appeal_id: int) -> tuple[Appeal, Attempt, Sitting]:
    appeal = db.get(Appeal, appeal_id)
    if appeal is None:
        raise not_found("复核申请", "appeal")
    attempt = db.get(Attempt, appeal.attempt_id)
    assert attempt is not None
    return appeal, attempt, sitting_of(db, attempt.sitting_id)


def appeals(db: Session, sitting_id: int) -> list[Appeal]:
    return list(
        db.scalars(
            select(Appeal)
            .join(Attempt, Appeal.attempt_id == Attempt.id)
            .where(Attempt.sitting_id == sitting_id)
            .order_by(Appeal.id)
        )
    )


# --- evidence bundles --------------------------------------------------------------------------------


@dataclass
class _Documents:
    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, name: str, value: Any) -> None:
        self.files[name] = json.dumps(value, ensure_ascii=False, indent=1, default=str).encode()


def evidence(db: Session, *, sitting_id: int, attempt_id: int | None = None) -> bytes:
    """A zip with one candidate's (or the whole sitting's) full record and the chain proofs up
    to the seal: verifiable offline with the trace key (`examhall trace verify --bundle`)."""
    sitting = sitting_of(db, sitting_id)
    sealed = db.get(Seal, sitting.id)
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
    rows: dict[str, list[EventRow]] = {chain: [_row(e) for e in trace.events(db, chain)] for chain in chains}
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
