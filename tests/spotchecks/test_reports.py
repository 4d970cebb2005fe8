"""The spot-check reports from real rows: checks made through the services, exam results and
trainings written as the exam and the roster leave them, and every rate worked out by hand.
The 走过场 flag is raised for an institution planted to show it and not for a clean one; only
sealed checks count; open measures, the month range, the Excel export, the pages for officers,
administrators and inspectors only; the quiz rules page; the demo's spot checks loaded once."""

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examhall import clock, demo_certificates, demo_spotchecks
from examhall.accounts.models import User
from examhall.banks import service as banks
from examhall.banks.items import LABELS
from examhall.banks.models import ItemVersion
from examhall.banks.service import shipped_dir
from examhall.certificates import ledger
from examhall.db import Database
from examhall.papers.scoring import shown_key
from examhall.sittings import service as sittings
from examhall.sittings.models import Candidate, Certificate, Enterprise, ExamRecord, Registration, Training
from examhall.spotchecks import checks, measures, quiz, report_institutions, reports, workers
from examhall.spotchecks.models import Measure, QuizRule, SpotCheck, SpotWorker
from examhall.trace.models import TraceEvent as Event
from examhall.trace.service import Actor
from tests.conftest import TEST_ACTOR, add_staff
from tests.sittings.conftest import ZONE, Arranged, arranged, id_number, schedule

__all__ = ["arranged"]
CATEGORY = "煤矿安全检查作业"
MARCH = reports.Period("2026-03", "2026-03")
TODAY = date(2026, 3, 15)


@dataclass
class Ground:
    database: Database
    arranged: Arranged
    first: User
    second: User
    institutions: dict[str, int]
    enterprises: dict[str, int]
    people: int = 0

    def actor(self, user: User) -> Actor:
        return Actor(user.username, "officer", "test")


def _answers(db: Session, worker: SpotWorker, right: bool) -> list[dict[str, Any]]:
    versions = {
        v.id: v for v in db.scalars(select(ItemVersion).where(ItemVersion.id.in_([i["v"] for i in worker.items])))
    }
    entries = []
    for n, drawn in enumerate(worker.items, start=1):
        version = versions[drawn["v"]]
        if version.type == "true_false":
            response: Any = bool(version.answer) if right else not version.answer
        else:
            key = sorted(shown_key(version.answer, drawn["p"]))
            chosen = key if right else [i for i in range(len(version.options)) if i not in key][:1]
            response = "".join(LABELS[i] for i in chosen)
        entries.append({"seq": n, "n": n, "response": response})
    return entries


def _person(ground: Ground, db: Session, name: str) -> Candidate:
    ground.people += 1
    person = Candidate(
        id_number=id_number(date(1985, 1, 1), ground.people), name=name, gender="男", birth_date=date(1985, 1, 1)
    )
    db.add(person)
    db.flush()
    return person


def _trained(db: Session, person: Candidate, institution_id: int, on: date, category: str = CATEGORY) -> None:
    db.add(
        Training(
            candidate_id=person.id, institution_id=institution_id, category=category, hours=Decimal(72), completed_on=on
        )
    )


def _check(
    ground: Ground, enterprise: str, held_on: date, quizzed: list[tuple[Candidate, bool]], *, seal: bool = True
) -> int:
    """A check through the services: opened and confirmed, each worker typed in, quizzed (every
    answer right, or every answer wrong) and submitted; sealed by both officers unless not."""
    one, two = ground.actor(ground.first), ground.actor(ground.second)
    with ground.database.transaction() as db:
        check = checks.open_check(
            db,
            enterprise=enterprise,
            place="主井口",
            held_on=held_on,
            partner_id=ground.second.id,
            user_id=ground.first.id,
            actor=one,
        )
        checks.confirm_open(db, check_id=check.id, user_id=ground.second.id, actor=two)
        for person, right in quizzed:
            form = workers.WorkerForm("", person.id_number, person.name, "special_operations", CATEGORY)
            worker = workers.add_worker(
                db, check_id=check.id, form=form, user_id=ground.first.id, actor=one, timezone=ZONE
            )
            quiz.start(db, worker, actor=one)
            quiz.save(db, worker, entries=_answers(db, worker, right), actor=one)
            quiz.submit(db, worker, actor=one)
            assert worker.passed is right
        if seal:
            checks.ask_seal(db, check_id=check.id, user_id=ground.first.id, actor=one)
            checks.confirm_seal(db, check_id=check.id, user_id=ground.second.id, actor=two)
        return check.id


def _measure(ground: Ground, check_id: int, kind: str, deadline: date | None, *, worker: str = "") -> int:
    """Proposed by the first officer and confirmed by the second, before the seal."""
    with ground.database.transaction() as db:
        worker_id = (
            db.scalar(
                select(SpotWorker.id)
                .join(Candidate, Candidate.id == SpotWorker.candidate_id)
                .where(SpotWorker.check_id == check_id, Candidate.name == worker)
            )
            if worker
            else None
        )
        made = measures.propose(
            db,
            check_id=check_id,
            kind=kind,
            detail=f"{kind}：限期完成",
            deadline=deadline,
            worker_id=worker_id,
            user_id=ground.first.id,
            actor=ground.actor(ground.first),
        )
        measures.confirm(
            db, check_id=check_id, measure_id=made.id, user_id=ground.second.id, actor=ground.actor(ground.second)
        )
        return made.id


def _seal(ground: Ground, check_id: int) -> None:
    with ground.database.transaction() as db:
        checks.ask_seal(db, check_id=check_id, user_id=ground.first.id, actor=ground.actor(ground.first))
        checks.confirm_seal(db, check_id=check_id, user_id=ground.second.id, actor=ground.actor(ground.second))


def _results(ground: Ground, institution: str, passes: list[bool], sat_on: date, sitting_id: int) -> None:
    """Published exam results, as grading leaves them, of candidates the roster gave this institution."""
    with ground.database.transaction() as db:
        for k, passed in enumerate(passes):
            person = _person(ground, db, f"考生{institution[:2]}{k}")
            db.add(
                Registration(
                    sitting_id=sitting_id,
                    candidate_id=person.id,
                    institution_id=ground.institutions[institution],
                    row=k + 1,
                    eligible=True,
                    refusals=[],
                    created_at=clock.now(),
                )
            )
            db.add(
                ExamRecord(
                    candidate_id=person.id, category=CATEGORY, sat_on=sat_on, passed=passed, sitting_id=sitting_id
                )
            )


@pytest.fixture
def ground(database: Database, arranged: Arranged) -> Ground:
    """Three institutions (one planted to train on paper only, one clean, one too small to judge),
    their trainees quizzed in three sealed checks and one still open, and their exam results."""
    first, second = add_staff(database, "spot_a", "officer"), add_staff(database, "spot_b", "officer")
    with database.transaction() as db:
        names = ("速成培训中心", "规范培训学校", "小型培训点")
        made = {n: sittings.institution(db, n, actor=TEST_ACTOR).id for n in names}
    ground = Ground(database, arranged, first, second, made, {})
    planted, clean, small = made["速成培训中心"], made["规范培训学校"], made["小型培训点"]
    long_ago, after = date(2025, 1, 10), date(2026, 4, 1)
    with database.transaction() as db:
        p = [_person(ground, db, f"速成{k}") for k in range(1, 9)]
        c = [_person(ground, db, f"规范{k}") for k in range(1, 5)]
        s = [_person(ground, db, f"小型{k}") for k in range(1, 3)]
        moved, untrained = _person(ground, db, "转学员"), _person(ground, db, "无培训")
        for person in p:
            _trained(db, person, planted, long_ago)
        for person in c:
            _trained(db, person, clean, long_ago)
        for person in s:
            _trained(db, person, small, long_ago)
        _trained(db, moved, clean, date(2024, 6, 1))
        _trained(db, moved, planted, after)  # after the check: it still counts for the clean one
        _trained(db, untrained, planted, long_ago, category="煤矿井下电气作业")  # not the quizzed category
        ledger.open_certificate(  # the one worker with a valid certificate: no finding
            db,
            Certificate(
                candidate_id=c[0].id,
                number=c[0].id_number,
                category=CATEGORY,
                issued_on=date(2025, 2, 1),
                valid_until=date(2031, 2, 1),
                state="valid",
                revision=1,
            ),
            actor=TEST_ACTOR,
            note={},
        )
    first_check = _check(
        ground,
        "晋能煤业",
        date(2026, 3, 5),
        [(p[0], True), *[(x, False) for x in p[1:6]], *[(x, False) for x in s]],
        seal=False,
    )
    _measure(ground, first_check, "retrain", date(2026, 3, 10), worker="速成2")
    _measure(ground, first_check, "rectify", date(2026, 4, 1))
    _measure(ground, first_check, "interview", None)
    _seal(ground, first_check)
    _check(
        ground,
        "潞安化工",
        date(2026, 3, 20),
        [*[(x, True) for x in c[:3]], (c[3], False), (moved, True), (untrained, True)],
    )
    later = _check(ground, "晋能煤业", date(2026, 5, 10), [(p[6], False)], seal=False)
    closed = _measure(ground, later, "rectify", date(2026, 5, 20))
    _seal(ground, later)
    with database.transaction() as db:
        measures.follow_up(
            db, check_id=later, measure_id=closed, text="已整改到位", user_id=first.id, actor=ground.actor(first)
        )
    still_open = _check(ground, "晋能煤业", date(2026, 3, 25), [(p[7], True)], seal=False)
    _measure(ground, still_open, "interview", None)
    may = schedule(database, arranged, arranged.starts_at + timedelta(days=2))  # its results are dated in May
    _results(ground, "速成培训中心", [True] * 5, date(2026, 3, 1), arranged.sitting_id)
    _results(ground, "速成培训中心", [False], date(2026, 5, 2), may)
    _results(ground, "规范培训学校", [True, True, True, True, False], date(2026, 3, 2), arranged.sitting_id)
    _results(ground, "小型培训点", [True] * 5, date(2026, 3, 3), arranged.sitting_id)
    with database.transaction() as db:  # a result carried over without a sitting names no institution
        person = _person(ground, db, "旧记录")
        db.add(ExamRecord(candidate_id=person.id, category=CATEGORY, sat_on=date(2026, 3, 1), passed=False))
        ground.enterprises = dict(db.execute(select(Enterprise.name, Enterprise.id)).all())
    return ground


def _row(rows: list[report_institutions.InstitutionRow], name: str) -> report_institutions.InstitutionRow:
    return next(r for r in rows if r.name == name)


def test_the_institution_report_compares_spot_check_and_exam_pass_rates(ground: Ground) -> None:
    with ground.database.transaction(write=False) as db:
        rows = report_institutions.institutions(db, MARCH)
    counts = {r.name: (r.spot.counted, r.spot.passed, r.exam.counted, r.exam.passed) for r in rows}
    assert counts == {
        # six trainees quizzed on 5 March, one passed; five exam results in March, all passed (the
        # May check and result are outside the month, the open check's worker does not count)
        "速成培训中心": (6, 1, 5, 5),
        # four trainees and one who retrained elsewhere only after the check; 4 of 5 exam results
        "规范培训学校": (5, 4, 5, 4),
        "小型培训点": (2, 0, 5, 5),
        # trained only in another category; a carried-over result with no sitting names no institution
        report_institutions.NO_INSTITUTION: (1, 1, 0, 0),
    }
    planted = _row(rows, "速成培训中心")
    assert planted.spot.rate == pytest.approx(1 / 6) and planted.exam.rate == 1.0
    assert planted.gap_points == pytest.approx(100 * (1 - 1 / 6))
    assert _row(rows, "规范培训学校").gap_points == pytest.approx(0)
    assert [r.name for r in rows] == ["速成培训中心", "规范培训学校", "小型培训点", report_institutions.NO_INSTITUTION]


def test_the_paper_training_flag_is_raised_for_the_planted_institution_only(ground: Ground) -> None:
    with ground.database.transaction(write=False) as db:
        march = report_institutions.institutions(db, MARCH)
        every = report_institutions.institutions(db, reports.Period())
    assert [r.name for r in march if r.flagged] == ["速成培训中心"]
    # 小型培训点: exam 100 %, spot check 0 %, but two workers say too little
    assert not _row(march, "小型培训点").flagged
    planted = _row(every, "速成培训中心")
    assert (planted.spot.counted, planted.spot.passed, planted.exam.counted, planted.exam.passed) == (7, 1, 6, 5)
    assert planted.flagged  # 83.3 % at the exam, 14.3 % on site
    assert [r.name for r in every if r.flagged] == ["速成培训中心"]


def test_the_flag_holds_at_its_edges_exactly() -> None:
    def row(spot: tuple[int, int], exam: tuple[int, int]) -> report_institutions.InstitutionRow:
        return report_institutions.InstitutionRow(1, "x", reports.Tally(*spot), reports.Tally(*exam))

    assert row((10, 5), (10, 8)).flagged  # exam 80 %, spot 50 %: 30 points below, both at the edge
    assert not row((10, 6), (10, 8)).flagged  # 20 points below
    assert not row((10, 4), (10, 7)).flagged  # exam 70 %: not high
    assert not row((4, 0), (10, 10)).flagged  # four workers
    assert not row((10, 0), (4, 4)).flagged  # four exam results


def test_the_enterprise_report_lists_each_sealed_check_and_the_measures_still_open(ground: Ground) -> None:
    with ground.database.transaction(write=False) as db:
        rows = reports.enterprises(db, reports.Period(), TODAY)
        made = reports.enterprise(db, ground.enterprises["晋能煤业"], reports.Period(), TODAY)
        march = reports.enterprise(db, ground.enterprises["晋能煤业"], MARCH, TODAY)
    summary = {
        r.name: (r.checks, r.tally.counted, r.tally.passed, r.findings, r.open_measures, r.overdue) for r in rows
    }
    assert summary == {"晋能煤业": (2, 9, 1, 9, 3, 1), "潞安化工": (1, 6, 5, 5, 0, 0)}
    assert [(c.held_on, c.tally.counted, c.tally.passed) for c in made.checks] == [
        (date(2026, 5, 10), 1, 0),
        (date(2026, 3, 5), 8, 1),
    ]
    assert made.checks[1].officers == "spot_a、spot_b"
    assert made.checks[1].failed[:2] == ["速成2", "速成3"]
    assert made.tally.rate == pytest.approx(1 / 9)
    # the followed-up measure and the open check's are not listed; the earliest deadline first
    assert [(m.kind, m.deadline, m.overdue_days, m.worker) for m in made.measures] == [
        ("停止作业、重新培训", date(2026, 3, 10), 5, "速成2"),
        ("责令限期整改", date(2026, 4, 1), 0, ""),
        ("约谈", None, 0, ""),
    ]
    assert [c.held_on for c in march.checks] == [date(2026, 3, 5)]
    assert len(march.measures) == 3  # open measures whatever the months


def test_the_category_and_month_report(ground: Ground) -> None:
    with ground.database.transaction(write=False) as db:
        made = reports.by_category(db, reports.Period())
        march = reports.by_category(db, MARCH)
    assert [(c.month, c.category, c.checks, c.tally.counted, c.tally.passed) for c in made.rows] == [
        ("2026-03", CATEGORY, 2, 14, 6),
        ("2026-05", CATEGORY, 1, 1, 0),
    ]
    assert [(c.month, c.checks, c.tally.counted) for c in made.months] == [("2026-03", 2, 14), ("2026-05", 1, 1)]
    assert [(c.category, c.checks, c.tally.counted, c.tally.passed) for c in made.categories] == [(CATEGORY, 3, 15, 6)]
    assert [(c.month, c.tally.counted) for c in march.rows] == [("2026-03", 14)]


def _sheet(data: bytes, title: str) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(io.BytesIO(data))[title].iter_rows(values_only=True))


def test_the_exports_hold_the_counts_beside_the_rates(ground: Ground, staff_client: Any) -> None:
    officer = staff_client("officer")
    response = officer.get("/spot-reports/institutions.xlsx?from=2026-03&to=2026-03")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(response.content, "按培训机构")
    assert rows[0][:7] == (
        "培训机构",
        "抽考受检人数",
        "抽考合格人数",
        "抽考合格率",
        "考试人次",
        "考试合格人次",
        "考试合格率",
    )
    assert rows[1] == ("速成培训中心", 6, 1, 0.1667, 5, 5, 1.0, 83.3, "是")
    assert rows[2][:7] == ("规范培训学校", 5, 4, 0.8, 5, 4, 0.8) and rows[2][8] is None
    notes = dict((k, v) for k, v in _sheet(response.content, "说明")[1:])
    assert notes["统计期间"] == "2026年3月至2026年3月"
    workbook = officer.get(f"/spot-reports/enterprises.xlsx?enterprise={ground.enterprises['晋能煤业']}").content
    assert [r[3] for r in _sheet(workbook, "未完成措施")[1:]] == ["停止作业、重新培训", "责令限期整改", "约谈"]
    assert [r[1:3] for r in _sheet(workbook, "按企业")[1:]] == [(2, 9)]
    categories = _sheet(officer.get("/spot-reports/categories.xlsx").content, "按月份和工种")
    assert categories[1:] == [("2026-03", CATEGORY, 2, 14, 6, 0.4286), ("2026-05", CATEGORY, 1, 1, 0, 0.0)]


def test_the_report_pages_answer_officers_administrators_and_inspectors(ground: Ground, staff_client: Any) -> None:
    for role in ("officer", "admin", "inspector"):
        client = staff_client(role)
        page = client.get("/spot-reports/institutions?from=2026-03&to=2026-03")
        assert page.status_code == 200, role
        assert "疑似走过场" in page.text and "只统计已封存的现场抽考" in page.text
        assert f"考试合格率不低于 {report_institutions.EXAM_RATE_HIGH}%" in page.text
        assert page.text.count('class="flagged"') == 1
        enterprises = client.get("/spot-reports")
        assert enterprises.status_code == 200 and "晋能煤业" in enterprises.text
        detail = client.get(f"/spot-reports/enterprises/{ground.enterprises['晋能煤业']}")
        assert detail.status_code == 200 and "已逾期" in detail.text and "spot_a、spot_b" in detail.text
        months = client.get("/spot-reports/categories")
        assert months.status_code == 200 and "2026年3月" in months.text
        assert client.get("/spot-reports/enterprises.xlsx").status_code == 200


def test_the_report_pages_refuse_other_roles(database: Database, staff_client: Any, client: Any) -> None:
    paths = ("/spot-reports", "/spot-reports/institutions", "/spot-reports/categories.xlsx", "/admin/spot-rules")
    for role in ("proctor", "chief_examiner", "judge", "trainer"):
        other = staff_client(role)
        for path in paths:
            response = other.get(path)
            assert response.status_code == 403 and "您的角色无权进行此操作" in response.text, (role, path)
    for path in paths:  # nobody logged in: to the login page
        assert client.get(path, follow_redirects=False).headers["location"].startswith("/login")


def test_a_bad_filter_or_enterprise_is_named_not_a_traceback(database: Database, staff_client: Any) -> None:
    client = staff_client("inspector")
    bad = client.get("/spot-reports/institutions?from=2026-13&to=2026-01")
    assert bad.status_code == 400 and "起始月份应为年-月" in bad.text
    backwards = client.get("/spot-reports?from=2026-05&to=2026-01")
    assert backwards.status_code == 400 and "起始月份晚于截止月份" in backwards.text
    assert client.get("/spot-reports/categories.xlsx?to=abc").status_code == 400
    missing = client.get("/spot-reports/enterprises/abc")
    assert missing.status_code == 404 and "没有这家企业" in missing.text
    assert client.get("/spot-reports/enterprises/999999").status_code == 404


def _import_banks(database: Database) -> None:
    with database.transaction() as db:
        for code in ("coal-safety-check", "coal-principal-manager"):
            path = shipped_dir() / f"{code}.yaml"
            banks.import_file(db, code=code, filename=path.name, data=path.read_bytes(), actor=TEST_ACTOR)


def test_the_quiz_rules_page_saves_a_rule_and_names_a_bad_one(database: Database, staff_client: Any) -> None:
    _import_banks(database)
    admin = staff_client("admin")
    page = admin.get("/admin/spot-rules")
    assert page.status_code == 200 and CATEGORY in page.text and "按默认规则" in page.text
    saved = admin.post(
        "/admin/spot-rules", data={"category": CATEGORY, "items": "12", "minutes": "6", "pass_mark": "85"}
    )
    assert saved.status_code == 200 and "已保存：12题，6分钟，85分合格" in saved.text
    bad = admin.post("/admin/spot-rules", data={"category": CATEGORY, "items": "0", "minutes": "x", "pass_mark": "101"})
    assert bad.status_code == 422
    assert "题量：题量须为1至50题" in bad.text or "题量" in bad.text
    assert "时长：应为整数" in bad.text
    unknown = admin.post(
        "/admin/spot-rules", data={"category": "不存在", "items": "10", "minutes": "5", "pass_mark": "80"}
    )
    assert unknown.status_code == 422 and "工种/类别" in unknown.text
    too_many = admin.post(
        "/admin/spot-rules", data={"category": CATEGORY, "items": "50", "minutes": "5", "pass_mark": "80"}
    )
    assert too_many.status_code == 200  # allowed, but the page says the bank cannot fill it
    with database.transaction(write=False) as db:
        rule = db.get(QuizRule, CATEGORY)
        assert rule is not None and (rule.items, rule.minutes, rule.pass_mark) == (50, 5, Decimal(80))
        actions = list(db.scalars(select(Event.action).where(Event.chain == "spot-quiz-rules")))
    assert actions == ["spot_quiz_rule.saved", "spot_quiz_rule.saved"]
    for role in ("officer", "inspector"):
        assert staff_client(role).get("/admin/spot-rules").status_code == 403


def test_the_demo_spot_checks_load_once(database: Database) -> None:
    _import_banks(database)
    with database.transaction() as db:
        demo_certificates.load(db, actor=TEST_ACTOR, timezone=ZONE)
    tables = (SpotCheck, SpotWorker, Measure, Candidate, Certificate, Training, User, Event)

    def counts() -> dict[str, int]:
        with database.transaction(write=False) as db:
            return {t.__name__: db.scalar(select(func.count()).select_from(t)) or 0 for t in tables}

    before = counts()
    with database.transaction() as db:
        demo_spotchecks.load(db, actor=TEST_ACTOR, timezone=ZONE)
    once = counts()
    with database.transaction() as db:
        demo_spotchecks.load(db, actor=TEST_ACTOR, timezone=ZONE)
    assert counts() == once
    assert (once["SpotCheck"], once["SpotWorker"], once["Measure"], once["User"]) == (2, 5, 2, before["User"] + 2)
    with database.transaction(write=False) as db:
        states = dict(db.execute(select(SpotCheck.place, SpotCheck.state)).all())
        sealed = db.scalar(select(SpotCheck).where(SpotCheck.state == "sealed"))
        assert sealed is not None and checks.verify(db, sealed.id).intact
        quizzed = list(db.scalars(select(SpotWorker).where(SpotWorker.check_id == sealed.id).order_by(SpotWorker.id)))
        today = clock.local_date(clock.now(), ZONE)
        rows = reports.enterprises(db, reports.Period(), today)
        retraining = db.scalars(select(Certificate.retraining).where(Certificate.retraining.is_(True))).all()
    assert sorted(states.values()) == ["open", "sealed"]
    assert [(w.finding, w.passed) for w in quizzed] == [
        ("valid", True),
        ("valid", False),
        ("none", False),
        ("valid", True),
    ]
    assert [(r.name, r.checks, r.tally.counted, r.tally.passed, r.open_measures, r.overdue) for r in rows] == [
        ("潞安化工集团", 1, 4, 2, 2, 1)
    ]
    assert len(retraining) == 1  # the worker who failed with a certificate is marked for retraining
