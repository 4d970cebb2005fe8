"""A worker's quiz, by the exam's rules: the server's clock, every answer saved and numbered (a
save sent twice counts once; the last number wins per item), answers after the time refused,
the score decided on the server, and no key ever sent to the phone. A worker who fails in a
special-operations post has their certificate marked for retraining."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.banks.items import LABELS
from examhall.banks.models import ItemVersion
from examhall.certificates import ledger
from examhall.errors import Conflict, Invalid
from examhall.papers.scoring import mark, normalize_response
from examhall.sittings.models import Candidate, Certificate
from examhall.spotchecks.models import SpotAnswer, SpotCheck, SpotWorker
from examhall.trace.service import Actor, events, payload_of, record

MAX_ENTRIES = 200  # in one save


def deadline(worker: SpotWorker) -> datetime | None:
    return worker.started_at + timedelta(minutes=worker.minutes) if worker.started_at else None


def _versions(db: Session, worker: SpotWorker, items: list[dict[str, Any]] | None = None) -> list[ItemVersion]:
    """The item versions of the quiz (or of `items`, a draw as the chain tells it), in order."""
    drawn = worker.items if items is None else items
    found = {v.id: v for v in db.scalars(select(ItemVersion).where(ItemVersion.id.in_([i["v"] for i in drawn])))}
    return [found[i["v"]] for i in drawn]


def latest(db: Session, worker_id: int) -> dict[int, Any]:
    """Each item's response as the last numbered save left it."""
    found: dict[int, Any] = {}
    for answer in db.scalars(select(SpotAnswer).where(SpotAnswer.worker_id == worker_id).order_by(SpotAnswer.seq)):
        found[answer.n] = answer.response
    return found


@dataclass(frozen=True)
class View:
    worker: SpotWorker
    name: str
    state: str  # ready, running, time_over, submitted
    remaining: int  # seconds
    items: list[dict[str, Any]]
    saved: dict[int, Any]
    last_seq: int

    def as_dict(self) -> dict[str, Any]:
        """What the phone gets: the items as shown, never a key, never an item's id."""
        return {
            "worker": self.worker.id,
            "name": self.name,
            "state": self.state,
            "minutes": self.worker.minutes,
            "remaining_seconds": self.remaining,
            "items": self.items,
            "saved": {str(n): r for n, r in self.saved.items()},
            "last_seq": self.last_seq,
        }


def view(db: Session, worker: SpotWorker) -> View:
    """Read only (a GET writes nothing): a quiz whose time is over shows as "time_over" until
    a submit, or the officers' next step, finishes it."""
    person = db.get(Candidate, worker.candidate_id)
    shown = []
    for n, (version, drawn) in enumerate(zip(_versions(db, worker), worker.items, strict=True), start=1):
        options = [version.options[i] for i in drawn["p"]] if version.type != "true_false" else []
        shown.append(
            {
                "n": n,
                "type": version.type,
                "stem": version.stem,
                "options": [{"label": LABELS[i], "text": text} for i, text in enumerate(options)],
            }
        )
    ends = deadline(worker)
    remaining = max(0, int((ends - clock.now()).total_seconds())) if ends else worker.minutes * 60
    if worker.submitted_at:
        state = "submitted"
    elif ends is not None and clock.now() > ends:
        state = "time_over"
    else:
        state = "running" if worker.started_at else "ready"
    last = db.scalar(select(func.max(SpotAnswer.seq)).where(SpotAnswer.worker_id == worker.id)) or 0
    return View(worker, person.name if person else "", state, remaining, shown, latest(db, worker.id), last)


def _open_check(db: Session, worker: SpotWorker) -> None:
    check = db.get(SpotCheck, worker.check_id)
    if check is None or check.state != "open":
        raise Conflict("check_closed", "这次抽考已结束", "the spot check is not open")


def start(db: Session, worker: SpotWorker, *, actor: Actor) -> None:
    _open_check(db, worker)
    if worker.submitted_at is not None:
        raise Conflict("submitted", "已交卷", "the quiz is submitted")
    if worker.started_at is None:
        worker.started_at = clock.now()
        record(db, chain=worker.chain, action="spotquiz.started", subject=worker.chain, actor=actor, payload={})


def save(db: Session, worker: SpotWorker, *, entries: list[dict[str, Any]], actor: Actor) -> int:
    """Store the numbered saves not seen before; the highest number stored. A save after the
    time is refused, and changes nothing."""
    if worker.submitted_at is not None:
        raise Conflict("submitted", "已交卷，不能再作答", "the quiz is submitted")
    ends = deadline(worker)
    if ends is None:
        raise Conflict("not_started", "尚未开始作答", "the quiz has not started")
    if clock.now() > ends:
        raise Conflict("time_over", "作答时间已到，此后的答案不再保存", "the time is over; the answer is refused")
    if len(entries) > MAX_ENTRIES:
        raise Invalid("too_many", "一次提交的答案过多", "too many entries in one save")
    versions = _versions(db, worker)
    last = db.scalar(select(func.max(SpotAnswer.seq)).where(SpotAnswer.worker_id == worker.id)) or 0
    kept = []
    for entry in sorted(entries, key=lambda e: e["seq"]):
        if entry["seq"] <= last:
            continue  # sent again after a lost reply: already stored
        n = entry["n"]
        if not 1 <= n <= len(versions):
            raise Invalid("bad_item", f"没有第{n}题", f"no item {n}")
        version = versions[n - 1]
        response = normalize_response(version.type, len(version.options), 0, entry["response"])
        db.add(SpotAnswer(worker_id=worker.id, seq=entry["seq"], n=n, response=response, saved_at=clock.now()))
        kept.append({"seq": entry["seq"], "n": n, "response": response})
        last = entry["seq"]
    if kept:
        record(
            db,
            chain=worker.chain,
            action="spotquiz.answers_saved",
            subject=worker.chain,
            actor=actor,
            payload={"entries": kept},
        )
    return last


def score_of(versions: list[ItemVersion], items: list[dict[str, Any]], responses: dict[int, Any]) -> Decimal:
    """Out of 100, every item alike; the same rule as a paper's (all or nothing)."""
    points = Decimal(100) / len(versions)
    total = Decimal(0)
    for n, (version, drawn) in enumerate(zip(versions, items, strict=True), start=1):
        total += mark(
            position=n,
            item_type=version.type,
            answer=version.answer,
            permutation=drawn["p"],
            points=points,
            scoring="all_or_nothing",
            partial_share=Decimal(0),
            response=responses.get(n),
        ).awarded
    return total.quantize(Decimal("0.01"))


def submit(db: Session, worker: SpotWorker, *, actor: Actor) -> SpotWorker:
    if worker.submitted_at is not None:
        return worker
    if worker.started_at is None:
        raise Conflict("not_started", "尚未开始作答", "the quiz has not started")
    worker.submitted_at = clock.now()
    worker.score = score_of(_versions(db, worker), worker.items, latest(db, worker.id))
    worker.passed = worker.score >= worker.pass_mark
    record(
        db,
        chain=worker.chain,
        action="spotquiz.submitted",
        subject=worker.chain,
        actor=actor,
        payload={"score": str(worker.score), "passed": worker.passed},
    )
    if not worker.passed and worker.post == "special_operations" and worker.certificate_id is not None:
        certificate = db.get(Certificate, worker.certificate_id)
        if certificate is not None and not certificate.retraining:
            ledger.change(
                db,
                certificate,
                action="certificate.retraining_required",
                actor=actor,
                changes={"retraining": True, "revision": certificate.revision + 1},
                note={"spot_check": worker.check_id, "worker": worker.id, "score": str(worker.score)},
            )
    return worker


def finish_if_due(db: Session, worker: SpotWorker) -> None:
    """A quiz whose time is over is submitted with what was saved in time, whoever looks first."""
    ends = deadline(worker)
    if worker.submitted_at is None and ends is not None and clock.now() > ends:
        submit(db, worker, actor=Actor("system", "system", ""))


def differences(db: Session, worker: SpotWorker) -> list[str]:
    """The quiz as its chain tells it, against the tables: the items drawn, the answers kept
    (each item's last numbered save), and the score and result decided from them. Empty when
    they agree."""
    drawn: list[dict[str, Any]] | None = None
    responses: dict[int, Any] = {}
    submitted: dict[str, Any] | None = None
    for event in events(db, worker.chain):
        payload = payload_of(event)
        if event.action == "spotquiz.drawn":
            drawn = payload["items"]
        elif event.action == "spotquiz.answers_saved":
            for entry in sorted(payload["entries"], key=lambda e: e["seq"]):
                responses[entry["n"]] = entry["response"]
        elif event.action == "spotquiz.submitted":
            submitted = payload
    who = f"worker {worker.id}"
    if drawn is None:
        return [f"{who}: the chain holds no draw"]
    found = []
    if drawn != worker.items:
        found.append(f"{who}: the items drawn differ from the chain's")
    if responses != latest(db, worker.id):
        found.append(f"{who}: the answers kept differ from the chain's")
    if submitted is None:
        return [*found, *([f"{who}: a score is stored but never submitted"] if worker.score is not None else [])]
    score = score_of(_versions(db, worker, drawn), drawn, responses)
    passed = score >= worker.pass_mark
    if (worker.score, worker.passed) != (score, passed) or submitted["score"] != str(score):
        found.append(
            f"{who}: the score is {worker.score} ({worker.passed}); derived from the chain, {score} ({passed})"
        )
    return found
