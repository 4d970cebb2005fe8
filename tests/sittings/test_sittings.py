"""Rosters with eligibility review and overrides, seats and tickets, staff under 教考分离,
and opening a sitting: its papers drawn before candidates arrive."""

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from examhall import clock
from examhall.accounts.models import User
from examhall.db import Database
from examhall.errors import Conflict, ExamhallError, Invalid
from examhall.sittings import service, staffing
from examhall.sittings.models import Ban, Candidate, Certificate, ExamRecord, Registration, Training
from examhall.trace import service as trace
from tests.conftest import TEST_ACTOR, add_staff, form_token, log_in
from tests.sittings.conftest import ZONE, Arranged, id_number, import_roster, person, roster_csv, schedule


def _registrations(arranged: Arranged) -> dict[str, Registration]:
    with arranged.database.transaction(write=False) as db:
        return {c.name: r for r, c in service.roster(db, arranged.sitting_id)}


def _refusal_codes(arranged: Arranged) -> dict[str, list[str]]:
    return {name: [f["code"] for f in r.refusals] for name, r in _registrations(arranged).items()}


def test_a_roster_import_reviews_every_candidate(arranged: Arranged) -> None:
    minor = person(2, born=clock.now().date().replace(year=clock.now().year - 17))
    report = import_roster(arranged, roster_csv([person(1), minor, person(3, hours=40)]))
    assert (report.candidates, report.eligible, report.refused) == (3, 1, 2)
    codes = _refusal_codes(arranged)
    assert codes == {"考生1": [], "考生2": ["under_age"], "考生3": ["training_incomplete"]}
    with arranged.database.transaction(write=False) as db:
        assert trace.events(db, f"sitting:{arranged.sitting_id}")[-1].action == "roster.imported"


def test_a_roster_with_one_bad_row_imports_nobody(arranged: Arranged) -> None:
    bad = [person(1), [*person(2)[:1], "110105491231002", *person(2)[2:]]]
    with pytest.raises(Invalid) as refused:
        import_roster(arranged, roster_csv(bad))
    assert refused.value.problems[0].code == "id_legacy"
    assert _registrations(arranged) == {}
    with arranged.database.transaction(write=False) as db:
        assert db.scalar(select(Candidate.id)) is None


def _history(arranged: Arranged, n: int, **kinds: object) -> None:
    """Give candidate n a past: certificates, failed sittings, retraining, bans."""
    with arranged.database.transaction() as db:
        candidate = db.scalar(select(Candidate).where(Candidate.id_number == id_number(date(1990, 5, 1), n)))
        assert candidate is not None
        today = clock.now().date()
        if kinds.get("certified"):
            db.add(
                Certificate(
                    candidate_id=candidate.id,
                    category="煤矿安全检查作业",
                    issued_on=today - timedelta(days=400),
                    valid_until=today + timedelta(days=1000),
                    next_review_on=today + timedelta(days=int(kinds.get("review_in", 600))),  # type: ignore[call-overload]
                    state=kinds.get("state", "valid"),
                )
            )
        for k in range(int(kinds.get("fails", 0))):  # type: ignore[call-overload]
            db.add(
                ExamRecord(
                    candidate_id=candidate.id,
                    category="煤矿安全检查作业",
                    sat_on=today - timedelta(days=30 - k),
                    passed=False,
                )
            )
        if kinds.get("retrained"):
            db.add(
                Training(
                    candidate_id=candidate.id,
                    category="煤矿安全检查作业",
                    hours=Decimal(72),
                    completed_on=today - timedelta(days=5),
                )
            )
        if kinds.get("banned"):
            db.add(
                Ban(candidate_id=candidate.id, until=today + timedelta(days=200), reason="替考", decided_at=clock.now())
            )


def _reimport(arranged: Arranged, rows: list[list[object]]) -> None:
    import_roster(arranged, roster_csv(rows))


@pytest.mark.parametrize(
    "history, code",
    [
        ({"certified": True}, "already_certified"),
        ({"certified": True, "state": "suspended"}, "certificate_suspended"),
        ({"certified": True, "state": "revoked"}, None),  # a revoked certificate is not held
        ({"certified": True, "review_in": 30}, None),  # its review is near: the review exam may be sat
        ({"fails": 1}, None),
        ({"fails": 2}, "retraining_required"),
        ({"banned": True}, "banned"),
    ],
)
def test_each_eligibility_rule(arranged: Arranged, history: dict[str, object], code: str | None) -> None:
    rows = [person(1)]
    import_roster(arranged, roster_csv(rows))
    _history(arranged, 1, **history)
    with arranged.database.transaction() as db:  # trainings from the roster predate the history
        db.execute(Training.__table__.update().values(completed_on=clock.now().date() - timedelta(days=60)))
    _reimport(arranged, [person(1, hours=0)])
    assert _refusal_codes(arranged)["考生1"] == ([code] if code else [])


def test_retraining_after_a_failed_resit_makes_a_candidate_eligible_again(arranged: Arranged) -> None:
    import_roster(arranged, roster_csv([person(1)]))
    with arranged.database.transaction() as db:
        db.execute(Training.__table__.update().values(completed_on=clock.now().date() - timedelta(days=60)))
    _history(arranged, 1, fails=2)
    _reimport(arranged, [person(1, hours=0)])
    assert _refusal_codes(arranged)["考生1"] == ["retraining_required"]
    _history(arranged, 1, retrained=True)
    _reimport(arranged, [person(1, hours=0)])
    assert _refusal_codes(arranged)["考生1"] == []


def test_an_override_needs_a_written_reason_and_is_traced(arranged: Arranged) -> None:
    import_roster(arranged, roster_csv([person(1, hours=10), person(2)]))
    refused, fine = _registrations(arranged)["考生1"], _registrations(arranged)["考生2"]
    with pytest.raises(Invalid), arranged.database.transaction() as db:
        service.override(db, registration_id=refused.id, reason="  ", actor=TEST_ACTOR)
    with pytest.raises(Conflict), arranged.database.transaction() as db:
        service.override(db, registration_id=fine.id, reason="不需要放行", actor=TEST_ACTOR)
    with arranged.database.transaction() as db:
        service.override(db, registration_id=refused.id, reason="学时证明已补交，经审核同意", actor=TEST_ACTOR)
    after = _registrations(arranged)["考生1"]
    assert after.eligible and after.override_reason == "学时证明已补交，经审核同意"
    with arranged.database.transaction(write=False) as db:
        event = trace.events(db, f"sitting:{arranged.sitting_id}")[-1]
    assert event.action == "eligibility.overridden" and "training_incomplete" in event.payload


def test_seats_and_ticket_numbers(arranged: Arranged) -> None:
    import_roster(arranged, roster_csv([person(n) for n in range(1, 6)] + [person(9, hours=1)]))
    with arranged.database.transaction() as db:
        seated = service.assign_seats(db, sitting_id=arranged.sitting_id, mode="ordered", actor=TEST_ACTOR)
    year = arranged.starts_at.year % 100
    assert [r.seat for r in seated] == [1, 2, 3, 4, 5]
    assert [r.ticket for r in seated] == [f"{year:02d}1401050101{seat:02d}" for seat in range(1, 6)]
    assert _registrations(arranged)["考生9"].ticket is None  # refused: no seat
    with arranged.database.transaction() as db:
        again = service.assign_seats(db, sitting_id=arranged.sitting_id, mode="random", actor=TEST_ACTOR)
    assert sorted(r.seat or 0 for r in again) == [1, 2, 3, 4, 5]


def test_ticket_numbers_are_unique_when_sittings_are_scheduled_at_once(arranged: Arranged) -> None:
    made: list[int] = []
    errors: list[BaseException] = []

    def one(k: int) -> None:
        try:
            made.append(schedule(arranged.database, arranged, arranged.starts_at + timedelta(days=k)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(k,)) for k in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with arranged.database.transaction(write=False) as db:
        rooms = [service.get_sitting(db, s).ticket_room for s in [arranged.sitting_id, *made]]
    assert len(set(rooms)) == 7


def _staff(database: Database, name: str, role: str, *, institution: str = "", trainer: bool = False) -> User:
    user = add_staff(database, name, role)
    with database.transaction() as db:
        found = service.institution(db, institution, actor=TEST_ACTOR).id if institution else None
        staffing.add_to_pool(db, user_id=user.id, institution_id=found, trainer=trainer, actor=TEST_ACTOR)
    return user


def _assign(arranged: Arranged, user: User, role: str = "proctor", sitting_id: int | None = None) -> None:
    with arranged.database.transaction() as db:
        staffing.assign(db, sitting_id=sitting_id or arranged.sitting_id, user_id=user.id, role=role, actor=TEST_ACTOR)


@pytest.mark.parametrize(
    "case, code",
    [
        ("trainer", "trainer"),
        ("own_trainees", "own_trainees"),
        ("wrong_role", "wrong_role"),
        ("not_in_pool", "not_in_pool"),
        ("busy", "busy"),
    ],
)
def test_a_conflicted_assignment_by_hand_is_refused_with_its_reason(arranged: Arranged, case: str, code: str) -> None:
    import_roster(arranged, roster_csv([person(1, institution="晋安培训中心")]))
    if case == "trainer":
        user = _staff(arranged.database, "li", "proctor", trainer=True)
    elif case == "own_trainees":
        user = _staff(arranged.database, "li", "proctor", institution="晋安培训中心")
    elif case == "wrong_role":
        user = _staff(arranged.database, "li", "chief_examiner")
    elif case == "not_in_pool":
        user = add_staff(arranged.database, "li", "proctor")
    else:
        user = _staff(arranged.database, "li", "proctor")
        other = schedule(arranged.database, arranged, arranged.starts_at + timedelta(minutes=30))
        _assign(arranged, user, sitting_id=other)
    with pytest.raises(Invalid) as refused:
        _assign(arranged, user)
    assert code in [p.code for p in refused.value.problems]
    assert refused.value.problems[0].zh


def test_the_draw_never_picks_a_conflicted_person(arranged: Arranged) -> None:
    import_roster(arranged, roster_csv([person(1, institution="晋安培训中心")]))
    _staff(arranged.database, "trainer_proctor", "proctor", trainer=True)
    _staff(arranged.database, "same_school", "proctor", institution="晋安培训中心")
    fair = [_staff(arranged.database, f"p{k}", "proctor", institution="另一机构").username for k in range(3)]
    _staff(arranged.database, "chief1", "chief_examiner")
    for _ in range(5):
        with arranged.database.transaction() as db:
            made = staffing.draw(db, sitting_id=arranged.sitting_id, actor=TEST_ACTOR)
            names = {db.get(User, a.user_id).username: a.role for a in made}  # type: ignore[union-attr]
            db.rollback()
        assert set(names) - {"chief1"} <= set(fair) and len(names) == 3
        assert names["chief1"] == "chief_examiner"


def test_the_draw_says_when_the_pool_is_short(arranged: Arranged) -> None:
    _staff(arranged.database, "chief1", "chief_examiner")
    _staff(arranged.database, "p1", "proctor")
    with pytest.raises(Conflict) as refused, arranged.database.transaction() as db:
        staffing.draw(db, sitting_id=arranged.sitting_id, actor=TEST_ACTOR)
    assert "需要2人" in refused.value.zh


def test_staff_see_an_assignment_only_from_the_sittings_day(arranged: Arranged) -> None:
    user = _staff(arranged.database, "li", "proctor")
    _assign(arranged, user)
    with arranged.database.transaction(write=False) as db:
        today = clock.local_date(clock.now(), ZONE)
        assert staffing.my_sittings(db, user_id=user.id, today=today, timezone=ZONE) == []
        on_the_day = staffing.my_sittings(db, user_id=user.id, today=today + timedelta(days=1), timezone=ZONE)
    assert [s.id for s, _ in on_the_day] == [arranged.sitting_id]


def test_staff_page_hides_tomorrows_assignment(arranged: Arranged, app: object) -> None:
    user = _staff(arranged.database, "li", "proctor")
    _assign(arranged, user)
    page = log_in(TestClient(app), "li").get("/staff/sittings")  # type: ignore[arg-type]
    assert "今天没有您的考务安排" in page.text
    clock.freeze(arranged.starts_at - timedelta(hours=2))
    page = log_in(TestClient(app), "li").get("/staff/sittings")  # type: ignore[arg-type]
    assert f"第 {arranged.sitting_id} 场" in page.text


def _ready(arranged: Arranged, candidates: int = 4) -> None:
    import_roster(arranged, roster_csv([person(n) for n in range(1, candidates + 1)]))
    with arranged.database.transaction() as db:
        service.assign_seats(db, sitting_id=arranged.sitting_id, mode="random", actor=TEST_ACTOR)
    _staff(arranged.database, "chief1", "chief_examiner")
    for k in range(2):
        _staff(arranged.database, f"p{k}", "proctor")
    with arranged.database.transaction() as db:
        staffing.draw(db, sitting_id=arranged.sitting_id, actor=TEST_ACTOR)


def test_opening_draws_a_paper_per_seat_and_fixes_the_sitting(arranged: Arranged) -> None:
    _ready(arranged)
    with arranged.database.transaction() as db:
        opened = service.open_sitting(db, sitting_id=arranged.sitting_id, actor=TEST_ACTOR, timezone=ZONE)
    assert opened.papers == 4
    registrations = _registrations(arranged)
    assert all(r.paper_id for r in registrations.values())
    assert len({r.paper_id for r in registrations.values()}) == 4
    for action in (
        lambda db: service.assign_seats(db, sitting_id=arranged.sitting_id, mode="random", actor=TEST_ACTOR),
        lambda db: service.import_roster(
            db,
            sitting_id=arranged.sitting_id,
            filename="r.csv",
            data=roster_csv([person(8)]),
            actor=TEST_ACTOR,
            timezone=ZONE,
        ),
    ):
        with pytest.raises(Conflict), arranged.database.transaction() as db:
            action(db)


def test_opening_needs_a_chief_examiner(arranged: Arranged) -> None:
    import_roster(arranged, roster_csv([person(1)]))
    with arranged.database.transaction() as db:
        service.assign_seats(db, sitting_id=arranged.sitting_id, mode="random", actor=TEST_ACTOR)
    with pytest.raises(ExamhallError) as refused, arranged.database.transaction() as db:
        service.open_sitting(db, sitting_id=arranged.sitting_id, actor=TEST_ACTOR, timezone=ZONE)
    assert "主考官" in refused.value.zh


def test_a_resit_candidate_gets_no_item_seen_before(arranged: Arranged) -> None:
    _ready(arranged, candidates=1)
    with arranged.database.transaction() as db:
        service.open_sitting(db, sitting_id=arranged.sitting_id, actor=TEST_ACTOR, timezone=ZONE)
        first = service.seen_before(db, db.scalar(select(Candidate.id)) or 0)
    later = schedule(arranged.database, arranged, arranged.starts_at + timedelta(days=7))
    with arranged.database.transaction() as db:
        service.import_roster(
            db, sitting_id=later, filename="r.csv", data=roster_csv([person(1)]), actor=TEST_ACTOR, timezone=ZONE
        )
        service.assign_seats(db, sitting_id=later, mode="ordered", actor=TEST_ACTOR)
        for user in db.scalars(select(User)):
            staffing.assign(db, sitting_id=later, user_id=user.id, role=user.role, actor=TEST_ACTOR)
        service.open_sitting(db, sitting_id=later, actor=TEST_ACTOR, timezone=ZONE)
        both = service.seen_before(db, db.scalar(select(Candidate.id)) or 0)
    assert len(first) == 100 and len(both) == 200  # 140 true/false items: 70 unseen remain


def test_tickets_page_has_a_qr_code_per_candidate(arranged: Arranged, staff_client: Callable[..., TestClient]) -> None:
    _ready(arranged, candidates=2)
    admin = staff_client("admin")
    page = admin.get(f"/admin/sittings/{arranged.sitting_id}/tickets")
    assert page.status_code == 200
    assert page.text.count("<svg") == 2 and "准考证号" in page.text
    assert admin.get(f"/admin/sittings/{arranged.sitting_id}").status_code == 200


def test_extra_time_is_set_before_the_sitting_only(arranged: Arranged) -> None:
    import_roster(arranged, roster_csv([person(1)]))
    registration = _registrations(arranged)["考生1"]
    with arranged.database.transaction() as db:
        service.set_extra_time(db, registration_id=registration.id, minutes=20, reason="视力障碍", actor=TEST_ACTOR)
    clock.freeze(arranged.starts_at + timedelta(minutes=1))
    with pytest.raises(Conflict), arranged.database.transaction() as db:
        service.set_extra_time(db, registration_id=registration.id, minutes=30, reason="x", actor=TEST_ACTOR)
    assert _registrations(arranged)["考生1"].extra_minutes == 20


def test_arranging_is_for_admins(arranged: Arranged, staff_client: Callable[..., TestClient]) -> None:
    proctor = staff_client("proctor")
    assert proctor.get(f"/admin/sittings/{arranged.sitting_id}").status_code == 403
    assert proctor.post(f"/api/v1/sittings/{arranged.sitting_id}/seats", json={"mode": "random"}).status_code == 403
    admin = staff_client("admin")
    token = form_token(admin, "/admin/sittings")
    response = admin.post(
        f"/admin/sittings/{arranged.sitting_id}/roster",
        data={"csrf_token": token},
        files={"file": ("r.csv", roster_csv([person(1), person(2, hours=5)]))},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "培训学时不足" in admin.get(f"/admin/sittings/{arranged.sitting_id}").text
    scheduled = admin.post(
        "/api/v1/sittings",
        json={
            "exam_id": arranged.exam_id,
            "room_id": arranged.room_id,
            "starts_at": (datetime.now().astimezone() + timedelta(days=3)).isoformat(),
        },
    )
    assert scheduled.status_code == 201
