"""The demo's spot checks (逢查必考), made through the services so that their trace is real: two
enforcement officers; a check held a week ago at 潞安化工集团, four workers quizzed (one added by
his certificate's QR text, one without any certificate, one who fails and has his certificate
marked for retraining, a principal), two measures confirmed by both officers (one overdue), and
sealed by both; and a check opened today at 晋能控股煤业集团 with one worker added who has not
answered yet. Runs after demo_certificates (its certificate kinds and holders). Idempotent: each
check is made only when its place is not in the database yet."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.accounts import service as accounts
from examhall.accounts.models import User
from examhall.banks.items import LABELS
from examhall.banks.models import ItemVersion
from examhall.certificates import checking, ledger, token
from examhall.certificates.models import CertificateKind
from examhall.certificates.periods import add_years
from examhall.papers.scoring import shown_key
from examhall.sittings import service as sittings
from examhall.sittings.identity import check_character
from examhall.sittings.models import Candidate, Certificate, Enterprise, Training
from examhall.spotchecks import checks, measures, quiz, workers
from examhall.spotchecks.models import SpotCheck, SpotWorker
from examhall.spotchecks.rules import MANAGEMENT
from examhall.trace import signing
from examhall.trace.service import Actor

OFFICERS = [("officer1", "officer1-demo", "钱执法"), ("officer2", "officer2-demo", "孙执法")]
SPECIAL = "煤矿安全检查作业"
SEALED_AT = ("潞安化工集团", "常村煤矿主井口（演示）")
OPEN_AT = ("晋能控股煤业集团", "斜沟煤矿工业广场（演示）")
ISSUER = "山西省应急管理厅（演示）"
# name, birth date, post, category, kind code of a certificate held (or None), training
# institution, share of the quiz answered right
WORKERS: list[tuple[str, date, str, str, str | None, str, float]] = [
    ("白水生", date(1986, 8, 21), "special_operations", SPECIAL, "TZ-AJ", "晋安安全培训学校", 1.0),
    ("田小军", date(1990, 2, 14), "special_operations", SPECIAL, "TZ-AJ", "阳泉安全技术培训学校", 0.6),
    ("韩二虎", date(1993, 10, 5), "special_operations", SPECIAL, None, "阳泉安全技术培训学校", 0.7),
    ("常德胜", date(1972, 6, 30), "principal", MANAGEMENT, "GL-MK", "晋安安全培训学校", 0.9),
]


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    """The clock at `moment` for a while, then as it was (running, or pinned by a test)."""
    before = clock.frozen()
    clock.freeze(moment)
    try:
        yield
    finally:
        clock.freeze(before)


def _id_number(born: date, order: int, male: bool = True) -> str:
    first17 = f"140107{born:%Y%m%d}{order * 2 + (1 if male else 0):03d}"
    return first17 + check_character(first17)


def officers(db: Session, *, actor: Actor) -> list[User]:
    """The two demo officers, added when missing (`examhall demo` may have added them already)."""
    found = []
    for username, password, name in OFFICERS:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            user = accounts.add_user(
                db, username=username, role="officer", password=password, display_name=name, actor=actor
            )
        found.append(user)
    return found


def load(db: Session, *, actor: Actor, timezone: str) -> None:
    first, second = officers(db, actor=actor)
    if db.scalar(select(SpotCheck.id).where(SpotCheck.place == SEALED_AT[1])) is None:
        _sealed_check(db, first, second, actor=actor, timezone=timezone)
    if db.scalar(select(SpotCheck.id).where(SpotCheck.place == OPEN_AT[1])) is None:
        _open_check(db, first, second, timezone=timezone)


def _as(user: User) -> Actor:
    return Actor(user.username, user.role, "10.0.3.7")


def _person(db: Session, order: int, name: str, born: date, enterprise: str) -> Candidate:
    """A demo worker: 白水生 is demo_certificates' holder; the others are added here."""
    found = db.scalar(select(Candidate).where(Candidate.name == name, Candidate.birth_date == born))
    if found is not None:
        return found
    company = db.scalar(select(Enterprise).where(Enterprise.name == enterprise))
    if company is None:
        company = Enterprise(name=enterprise)
        db.add(company)
        db.flush()
    person = Candidate(
        id_number=_id_number(born, order), name=name, gender="男", birth_date=born, enterprise_id=company.id
    )
    db.add(person)
    db.flush()
    return person


def _background(
    db: Session,
    person: Candidate,
    *,
    category: str,
    kind_code: str | None,
    institution: str,
    trained_on: date,
    actor: Actor,
) -> None:
    """What the worker brings to the check: a training record, and the certificate if held."""
    if not db.scalar(select(Training.id).where(Training.candidate_id == person.id, Training.category == category)):
        place = sittings.institution(db, institution, actor=actor)
        hours = Decimal(72 if category == SPECIAL else 48)
        db.add(
            Training(
                candidate_id=person.id, institution_id=place.id, category=category, hours=hours, completed_on=trained_on
            )
        )
    if kind_code is None or db.scalar(select(Certificate.id).where(Certificate.candidate_id == person.id)):
        return
    kind = db.scalar(select(CertificateKind).where(CertificateKind.code == kind_code))
    assert kind is not None, f"the demo's certificate kind {kind_code} (demo_certificates runs first)"
    issued = trained_on + timedelta(days=30)
    ledger.open_certificate(
        db,
        Certificate(
            candidate_id=person.id,
            kind_id=kind.id,
            number=person.id_number if kind.numbering == "id_number" else f"GL{person.id_number[-8:]}",
            category=kind.category,
            work_class=kind.work_class,
            operation_item=kind.operation_item,
            first_issued_on=issued,
            issued_on=issued,
            valid_until=add_years(issued, kind.valid_years),
            next_review_on=add_years(issued, kind.review_years) if kind.review_years else None,
            issuer=ISSUER,
            state="valid",
            origin="imported",
            revision=1,
        ),
        actor=actor,
        note={"demo": True},
    )


def _qr_text(db: Session, person: Candidate) -> str:
    certificate = db.scalar(select(Certificate).where(Certificate.candidate_id == person.id))
    kind = db.get(CertificateKind, certificate.kind_id) if certificate and certificate.kind_id else None
    if certificate is None or kind is None:
        return ""
    return token.make(signing.signer(db), checking.facts_of(certificate, person, kind.code))


def _responses(db: Session, worker: SpotWorker, share: float) -> list[dict[str, Any]]:
    """Numbered saves answering the first `share` of the items right and the rest wrong."""
    versions = {
        v.id: v for v in db.scalars(select(ItemVersion).where(ItemVersion.id.in_([i["v"] for i in worker.items])))
    }
    right_count = round(share * len(worker.items))
    entries = []
    for n, drawn in enumerate(worker.items, start=1):
        version, right = versions[drawn["v"]], n <= right_count
        if version.type == "true_false":
            response: Any = bool(version.answer) if right else not version.answer
        else:
            key = sorted(shown_key(version.answer, drawn["p"]))
            wrong = [i for i in range(len(version.options)) if i not in key][:1]
            response = "".join(LABELS[i] for i in (key if right else wrong))
        entries.append({"seq": n, "n": n, "response": response})
    return entries


def _sealed_check(db: Session, first: User, second: User, *, actor: Actor, timezone: str) -> None:
    day = clock.local_date(clock.now(), timezone) - timedelta(days=7)
    start = datetime.combine(day, time(9, 30), ZoneInfo(timezone))
    one, two = _as(first), _as(second)
    people = []
    with _at(start - timedelta(days=1)):
        for order, (name, born, _, category, kind_code, institution, _) in enumerate(WORKERS, start=1):
            person = _person(db, order, name, born, SEALED_AT[0])
            trained_on = day - timedelta(days=400 + 90 * order)
            _background(
                db,
                person,
                category=category,
                kind_code=kind_code,
                institution=institution,
                trained_on=trained_on,
                actor=actor,
            )
            people.append(person)
    with _at(start):
        check = checks.open_check(
            db,
            enterprise=SEALED_AT[0],
            place=SEALED_AT[1],
            held_on=day,
            partner_id=second.id,
            user_id=first.id,
            actor=one,
        )
    with _at(start + timedelta(minutes=2)):
        checks.confirm_open(db, check_id=check.id, user_id=second.id, actor=two)
    quizzed: list[SpotWorker] = []
    for k, ((_, _, post, category, _, _, share), person) in enumerate(zip(WORKERS, people, strict=True)):
        begin = start + timedelta(minutes=5 + 7 * k)
        with _at(begin):
            code = _qr_text(db, person) if k == 0 else ""  # the first by his card's QR, the others typed
            form = workers.WorkerForm(
                code, "" if code else person.id_number, "" if code else person.name, post, category
            )
            worker = workers.add_worker(
                db, check_id=check.id, form=form, user_id=first.id, actor=one, timezone=timezone
            )
        itself = Actor(person.name, "candidate", "10.0.3.8")  # the officer's phone, handed to the worker
        with _at(begin + timedelta(minutes=1)):
            quiz.start(db, worker, actor=itself)
        with _at(begin + timedelta(minutes=1, seconds=40)):  # inside any rule's time: a minute at least
            quiz.save(db, worker, entries=_responses(db, worker, share), actor=itself)
        with _at(begin + timedelta(minutes=1, seconds=50)):
            quiz.submit(db, worker, actor=itself)
        quizzed.append(worker)
    failed = next(w for w in quizzed if w.passed is False and w.certificate_id is not None)
    with _at(start + timedelta(minutes=40)):
        retrain = measures.propose(
            db,
            check_id=check.id,
            kind="retrain",
            worker_id=failed.id,
            user_id=first.id,
            actor=one,
            detail="现场抽考不合格，立即停止作业，经重新培训并考核合格后方可上岗",
            deadline=day + timedelta(days=5),
        )
        rectify = measures.propose(
            db,
            check_id=check.id,
            kind="rectify",
            worker_id=None,
            user_id=first.id,
            actor=one,
            detail="4名受检人员2人不合格、1人未持证上岗：责令企业限期整改，组织特种作业人员全员复训",
            deadline=day + timedelta(days=30),
        )
    with _at(start + timedelta(minutes=42)):
        for measure in (retrain, rectify):
            measures.confirm(db, check_id=check.id, measure_id=measure.id, user_id=second.id, actor=two)
    with _at(start + timedelta(minutes=50)):
        checks.ask_seal(db, check_id=check.id, user_id=first.id, actor=one)
    with _at(start + timedelta(minutes=52)):
        checks.confirm_seal(db, check_id=check.id, user_id=second.id, actor=two)


def _open_check(db: Session, first: User, second: User, *, timezone: str) -> None:
    """Opened today by the second officer, confirmed by the first; one worker waits to answer."""
    holder = db.scalar(select(Candidate).where(Candidate.name == "马得福"))
    assert holder is not None, "demo_certificates' holder 马得福 (it runs first)"
    check = checks.open_check(
        db,
        enterprise=OPEN_AT[0],
        place=OPEN_AT[1],
        held_on=clock.local_date(clock.now(), timezone),
        partner_id=first.id,
        user_id=second.id,
        actor=_as(second),
    )
    checks.confirm_open(db, check_id=check.id, user_id=first.id, actor=_as(first))
    form = workers.WorkerForm("", holder.id_number, holder.name, "special_operations", SPECIAL)
    workers.add_worker(db, check_id=check.id, form=form, user_id=second.id, actor=_as(second), timezone=timezone)
