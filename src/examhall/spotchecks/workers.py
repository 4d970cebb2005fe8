"""Adding a worker to a check: by the certificate's QR text (its signature and state checked at
once) or by ID number and name typed in. What the certificate showed is a finding of its own;
the worker's post and category decide the quiz, drawn at once from that category alone."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from random import Random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.banks.models import ItemVersion
from examhall.certificates import checking, token
from examhall.errors import Conflict, Invalid, NotFound, Problem
from examhall.papers import chance
from examhall.sittings.identity import IdNumber, parse_id_number
from examhall.sittings.models import Candidate, Certificate
from examhall.spotchecks.checks import mine, require_open
from examhall.spotchecks.models import SpotCheck, SpotWorker
from examhall.spotchecks.rules import MANAGEMENT, POSTS, quizzable, rule_for
from examhall.trace import signing
from examhall.trace.service import Actor, record

FINDINGS = {
    "valid": "持有效证书",
    "none": "未持证",
    "forged": "证书二维码伪造或被改动",
    "expired": "证书已失效",
    "suspended": "证书被暂扣",
    "revoked": "证书已撤销",
    "unknown": "查无此证",
    "unverified": "证书记录异常",
}


@dataclass(frozen=True)
class WorkerForm:
    code: str  # what the certificate's QR holds, or empty
    id_number: str
    name: str
    post: str
    category: str  # for a special-operations worker without a readable certificate


@dataclass(frozen=True)
class Seen:
    """What the certificate showed, if one was shown or is on record."""

    finding: str
    certificate: Certificate | None
    holder: Candidate | None
    category: str


def _from_code(db: Session, text: str, today: date) -> Seen:
    checked = token.check(signing.signer(db).public, text)
    if checked.facts is None:
        return Seen("forged", None, None, "")
    answer = checking.current(db, checked.facts, today)
    if answer.certificate is None:
        return Seen("unknown", None, None, str(checked.facts["c"]))
    return Seen(answer.standing.code, answer.certificate, answer.holder, answer.certificate.category)


def _on_record(db: Session, holder: Candidate, category: str, today: date) -> Seen:
    held = db.scalar(
        select(Certificate)
        .where(Certificate.candidate_id == holder.id, Certificate.category == category)
        .order_by(Certificate.valid_until.desc())
    )
    if held is None:
        return Seen("none", None, holder, category)
    answer = checking.current(db, {"i": held.id, "n": held.number, "r": held.revision}, today)
    return Seen(answer.standing.code, held, holder, category)


def _held_category(db: Session, holder: Candidate) -> str:
    """The category of the special-operations certificate a worker holds, when none was chosen."""
    held = db.scalar(
        select(Certificate.category)
        .where(Certificate.candidate_id == holder.id, Certificate.category != MANAGEMENT)
        .order_by(Certificate.valid_until.desc())
    )
    return held or ""


def _person(db: Session, form: WorkerForm, check: SpotCheck, today: date) -> Candidate:
    parsed = parse_id_number(form.id_number, today=today)
    if not isinstance(parsed, IdNumber):
        raise Invalid(
            "bad_id", "身份证号有误", parsed.en, [Problem(parsed.code, parsed.zh, parsed.en, where="身份证号")]
        )
    if not form.name.strip():
        raise Invalid(
            "no_name", "请填写姓名", "the name is empty", [Problem("no_name", "请填写", "empty", where="姓名")]
        )
    person = db.scalar(select(Candidate).where(Candidate.id_number == parsed.value))
    if person is None:
        person = Candidate(
            id_number=parsed.value,
            name=form.name.strip(),
            gender=parsed.gender,
            birth_date=parsed.birth_date,
            enterprise_id=check.enterprise_id,
        )
        db.add(person)
        db.flush()
    elif person.name != form.name.strip():
        raise Invalid(
            "name_mismatch",
            "姓名与身份证号不符",
            "the name does not match the ID number on record",
            [
                Problem(
                    "name_mismatch",
                    f"记录中该身份证号的姓名为“{person.name}”",
                    "another name is on record",
                    where="姓名",
                )
            ],
        )
    return person


def draw(db: Session, *, category: str, count: int, seed: int) -> list[dict[str, Any]]:
    """`count` items of the category's items in force, and each one's option order, from `seed`."""
    columns = select(ItemVersion.id, ItemVersion.options, ItemVersion.fixed_options, ItemVersion.type)
    query = quizzable(columns.where(ItemVersion.category == category), clock.now().date()).order_by(ItemVersion.id)
    pool = list(db.execute(query))
    if len(pool) < count:
        raise Conflict(
            "too_few_items",
            f"“{category}”可抽考的题目只有{len(pool)}道，不足{count}道",
            f"{category} has {len(pool)} items to quiz from, fewer than {count}",
        )
    rng = Random(seed)  # noqa: S311 (a reproducible draw from a recorded seed, not a secret)
    drawn = []
    for row in chance.sample(rng, pool, count):
        order = list(range(len(row.options)))
        if row.type != "true_false":
            movable = [i for i in order if i not in set(row.fixed_options)]
            moved = list(movable)
            chance.shuffle(rng, moved)
            for position, option in zip(movable, moved, strict=True):
                order[position] = option
        drawn.append({"v": row.id, "p": order})
    return drawn


def add_worker(
    db: Session, *, check_id: int, form: WorkerForm, user_id: int, actor: Actor, timezone: str
) -> SpotWorker:
    check = mine(db, check_id, user_id)
    require_open(check)
    if form.post not in POSTS:
        raise Invalid("bad_post", "请选择岗位", "post is principal, safety_manager or special_operations")
    today = clock.local_date(clock.now(), timezone)
    seen = _from_code(db, form.code, today) if form.code.strip() else None
    holder = seen.holder if seen and seen.holder else _person(db, form, check, today)
    category = MANAGEMENT if form.post != "special_operations" else (seen.category if seen and seen.category else "")
    category = category or form.category.strip() or _held_category(db, holder)
    if not category:
        raise Invalid(
            "no_category",
            "请选择作业类别",
            "a special-operations worker's category is needed",
            [Problem("no_category", "未读到证书时须选择", "pick one", where="作业类别")],
        )
    if seen is not None and seen.certificate is not None and (category == MANAGEMENT) != (seen.category == MANAGEMENT):
        raise Invalid(
            "post_mismatch",
            "证书与所选岗位不符",
            "the certificate is not of the post chosen",
            [Problem("post_mismatch", f"这是“{seen.category}”的证书，请改选岗位", "choose the post", where="岗位")],
        )
    if seen is None:
        seen = _on_record(db, holder, category, today)
    if db.scalar(select(SpotWorker.id).where(SpotWorker.check_id == check.id, SpotWorker.candidate_id == holder.id)):
        raise Conflict(
            "already_quizzed", f"{holder.name}已在本次抽考中，同一次抽考每人只考一次", "already quizzed in this check"
        )
    rule = rule_for(db, category)
    seed = secrets.randbits(62)
    worker = SpotWorker(
        check_id=check.id,
        candidate_id=holder.id,
        post=form.post,
        category=category,
        certificate_id=seen.certificate.id if seen.certificate else None,
        finding=seen.finding,
        items=draw(db, category=category, count=rule.items, seed=seed),
        minutes=rule.minutes,
        pass_mark=rule.pass_mark,
        link_hash="",
        added_at=clock.now(),
    )
    db.add(worker)
    db.flush()
    record(
        db,
        chain=check.chain,
        action="spotcheck.worker_added",
        subject=worker.chain,
        actor=actor,
        payload={
            "worker": worker.id,
            "id_number": holder.id_number,
            "name": holder.name,
            "post": form.post,
            "category": category,
            "finding": seen.finding,
            "certificate": worker.certificate_id,
            "by": "code" if form.code.strip() else "typed",
        },
    )
    record(
        db,
        chain=worker.chain,
        action="spotquiz.drawn",
        subject=worker.chain,
        actor=actor,
        payload={"seed": seed, "items": worker.items, "minutes": rule.minutes, "pass_mark": str(rule.pass_mark)},
    )
    return worker


def worker_of(db: Session, worker_id: int) -> SpotWorker:
    worker = db.get(SpotWorker, worker_id)
    if worker is None:
        raise NotFound("no_worker", "没有这名受检人员", f"no worker {worker_id}")
    return worker


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_link(db: Session, *, worker_id: int, user_id: int, actor: Actor) -> str:
    """A one-time link for the worker's own phone; a new one replaces the last, unused or not."""
    worker = worker_of(db, worker_id)
    require_open(mine(db, worker.check_id, user_id))
    if worker.submitted_at is not None:
        raise Conflict("submitted", "此人已交卷", "the quiz is submitted")
    secret = secrets.token_urlsafe(24)
    worker.link_hash, worker.link_used_at = _digest(secret), None
    record(db, chain=worker.chain, action="spotquiz.link_made", subject=worker.chain, actor=actor, payload={})
    return secret


LINK_USED = "此链接已使用或已失效，请执法人员重新生成二维码"


def unused_link(db: Session, *, secret: str) -> SpotWorker | None:
    """The worker a link is for, while it is unused and their quiz still to be taken."""
    worker = db.scalar(select(SpotWorker).where(SpotWorker.link_hash == _digest(secret))) if secret else None
    check = db.get(SpotCheck, worker.check_id) if worker else None
    if worker is None or check is None or check.state != "open":
        return None
    return worker if worker.link_used_at is None and worker.submitted_at is None else None


def use_link(db: Session, *, secret: str, actor: Actor) -> SpotWorker:
    """The worker's phone starts the quiz from the link: it works once, and only for its worker."""
    worker = unused_link(db, secret=secret)
    if worker is None:
        raise NotFound("link_used", LINK_USED, "the link was used already or is not valid")
    worker.link_used_at = clock.now()
    record(db, chain=worker.chain, action="spotquiz.link_used", subject=worker.chain, actor=actor, payload={})
    return worker
