"""Live proctoring: the room's state, the proctors' actions and their trace, two-person
misconduct decisions, inspectors, and who may see which room."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from examhall import clock
from examhall.delivery.models import Attempt
from examhall.proctoring import service
from examhall.sittings import service as sittings
from examhall.trace import service as trace
from tests.conftest import add_staff, log_in
from tests.delivery.conftest import Room, later


def _state(client: TestClient, room: Room) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/proctoring/sittings/{room.sitting_id}/state")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _seat(state: dict, seat: int) -> dict:  # type: ignore[type-arg]
    return next(s for s in state["seats"] if s["seat"] == seat)


def _sitting_actions(room: Room) -> list[str]:
    with room.database.transaction(write=False) as db:
        return [e.action for e in trace.events(db, f"sitting:{room.sitting_id}")]


def test_the_room_state_follows_each_candidate(room: Room) -> None:
    proctor = room.proctor()
    assert [s["state"] for s in _state(proctor, room)["seats"]] == ["absent"] * 4
    waiting, waiting_attempt = room.candidate(1)
    browser, attempt = room.started(0)
    waiting.get(f"/api/v1/delivery/attempts/{waiting_attempt}/status")  # the waiting page polls
    browser.post(
        f"/api/v1/delivery/attempts/{attempt}/answers",
        json={"entries": [{"seq": 1, "n": 1, "response": True}, {"seq": 2, "n": 2, "response": False}]},
    )
    browser.post(f"/api/v1/delivery/attempts/{attempt}/signals", json={"kind": "hidden"})
    state = _state(proctor, room)
    first = _seat(state, 1)
    assert (first["state"], first["answered"], first["total"], first["signals"], first["last_signal"]) == (
        "in_progress",
        2,
        100,
        1,
        "hidden",
    )
    assert first["remaining_seconds"] == 7200 and _seat(state, 2)["state"] == "waiting"
    later(room, minutes=3)
    assert _seat(_state(proctor, room), 1)["state"] == "disconnected"


def test_pause_stops_the_clock_and_reaches_the_candidates_page(room: Room) -> None:
    browser, attempt = room.started(0)
    proctor = room.proctor()
    later(room, minutes=10)
    assert proctor.post(
        f"/api/v1/proctoring/sittings/{room.sitting_id}/pause", json={"attempt_id": attempt, "reason": "停电"}
    ).json() == {"paused": 1}
    status = browser.get(f"/api/v1/delivery/attempts/{attempt}/status").json()
    assert status["paused"] and status["notices"][-1]["kind"] == "pause" and "停电" in status["notices"][-1]["text"]
    saved = browser.post(
        f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": [{"seq": 1, "n": 1, "response": True}]}
    )
    assert saved.status_code == 409 and saved.json()["code"] == "paused"
    later(room, minutes=40)
    assert browser.get(f"/api/v1/delivery/attempts/{attempt}/status").json()["remaining_seconds"] == 110 * 60
    assert _seat(_state(proctor, room), 1)["state"] == "paused"
    proctor.post(f"/api/v1/proctoring/sittings/{room.sitting_id}/resume", json={"attempt_id": attempt})
    assert browser.get(f"/api/v1/delivery/attempts/{attempt}/status").json()["remaining_seconds"] == 110 * 60
    later(room, minutes=150 - 1)  # 120 minutes + the 30 paused, less a minute
    assert (
        browser.post(
            f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": [{"seq": 2, "n": 1, "response": True}]}
        ).status_code
        == 200
    )


def test_pausing_the_whole_room_and_adding_time(room: Room) -> None:
    first, one = room.started(0)
    room.started(1)
    proctor = room.proctor()
    url = f"/api/v1/proctoring/sittings/{room.sitting_id}"
    assert proctor.post(f"{url}/pause", json={"reason": "火警演练"}).json() == {"paused": 2}
    assert proctor.post(f"{url}/resume", json={}).json() == {"resumed": 2}
    assert proctor.post(f"{url}/time", json={"attempt_id": one, "minutes": 10, "reason": "系统故障补时"}).json() == {
        "extended": 1
    }
    status = first.get(f"/api/v1/delivery/attempts/{one}/status").json()
    assert status["remaining_seconds"] == 130 * 60 and status["notices"][-1]["kind"] == "time_added"
    refused = proctor.post(f"{url}/time", json={"attempt_id": one, "minutes": 10, "reason": ""})
    assert refused.status_code == 422


def test_every_action_writes_its_event(room: Room) -> None:
    _, attempt = room.started(0)
    proctor = room.proctor()
    url = f"/api/v1/proctoring/sittings/{room.sitting_id}"
    proctor.post(f"{url}/warnings", json={"attempt_id": attempt, "note": "东张西望"})
    proctor.post(f"{url}/irregularities", json={"category": "technical", "note": "3号机死机，已重启"})
    proctor.post(f"{url}/pause", json={"attempt_id": attempt, "reason": "核对身份"})
    proctor.post(f"{url}/resume", json={"attempt_id": attempt})
    proctor.post(f"{url}/time", json={"attempt_id": attempt, "minutes": 5, "reason": "补时"})
    proctor.post(f"{url}/moves", json={"attempt_id": attempt})
    proctor.post(f"{url}/misconduct", json={"attempt_id": attempt, "facts": "使用手机查阅答案"})
    assert _sitting_actions(room)[-7:] == [
        "incident.warning",
        "incident.irregularity",
        "incident.pause",
        "incident.resume",
        "incident.time_added",
        "incident.move",
        "misconduct.proposed",
    ]
    with room.database.transaction(write=False) as db:
        attempt_actions = [e.action for e in trace.events(db, f"attempt:{attempt}")]
    assert {"attempt.paused", "attempt.resumed", "attempt.time_added", "move.approved", "misconduct.proposed"} <= set(
        attempt_actions
    )
    assert _state(proctor, room)["seats"][0]["open_case"] is not None


def test_ending_for_misconduct_needs_the_chief_examiner(room: Room) -> None:
    browser, attempt = room.started(0)
    proctor = room.proctor()
    url = f"/api/v1/proctoring/sittings/{room.sitting_id}"
    case = proctor.post(f"{url}/misconduct", json={"attempt_id": attempt, "facts": "夹带纸条"}).json()["id"]
    assert (
        browser.post(
            f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": [{"seq": 1, "n": 1, "response": True}]}
        ).status_code
        == 200
    )
    assert proctor.post(f"{url}/misconduct/{case}", json={"confirm": True}).status_code == 403  # a proctor cannot
    other_chief = log_in(TestClient(room.app), add_staff(room.database, "chief_other", "chief_examiner").username)
    assert other_chief.post(f"{url}/misconduct/{case}", json={"confirm": True}).status_code == 404
    chief = log_in(TestClient(room.app), "chief_a")
    assert chief.post(f"{url}/misconduct/{case}", json={"confirm": True, "note": "事实清楚"}).json() == {
        "state": "confirmed"
    }
    with room.database.transaction(write=False) as db:
        ended = db.get(Attempt, attempt)
        assert ended is not None and (ended.state, ended.voided) == ("ended", True)
    assert browser.get(f"/api/v1/delivery/attempts/{attempt}/status").json()["state"] == "ended"
    again = chief.post(f"{url}/misconduct/{case}", json={"confirm": False})
    assert again.status_code == 409


def test_the_proposer_cannot_confirm_their_own_proposal(room: Room) -> None:
    _, attempt = room.started(0)
    chief = log_in(TestClient(room.app), "chief_a")
    url = f"/api/v1/proctoring/sittings/{room.sitting_id}"
    case = chief.post(f"{url}/misconduct", json={"attempt_id": attempt, "facts": "替考嫌疑"}).json()["id"]
    refused = chief.post(f"{url}/misconduct/{case}", json={"confirm": True})
    assert refused.status_code == 403 and "同一人" in refused.json()["message"]


def test_a_proctor_cannot_see_or_act_on_another_room(room: Room, staff_client: object) -> None:
    _, attempt = room.started(0)
    outsider = staff_client("proctor")  # type: ignore[operator]
    url = f"/api/v1/proctoring/sittings/{room.sitting_id}"
    assert outsider.get(f"{url}/state").status_code == 404
    assert outsider.get(f"{url}/events").status_code == 404
    for path, body in (
        ("pause", {"attempt_id": attempt}),
        ("warnings", {"attempt_id": attempt, "note": "x"}),
        ("misconduct", {"attempt_id": attempt, "facts": "xxxxx"}),
    ):
        assert outsider.post(f"{url}/{path}", json=body).status_code == 404
    with room.database.transaction(write=False) as db:
        assert db.get(Attempt, attempt).paused_at is None  # type: ignore[union-attr]


def test_inspectors_watch_every_running_sitting_read_only_and_record_patrols(room: Room, staff_client: object) -> None:
    _, attempt = room.started(0)
    inspector = staff_client("inspector")  # type: ignore[operator]
    assert [r["sitting"] for r in inspector.get("/api/v1/proctoring/running").json()] == [room.sitting_id]
    assert _state(inspector, room)["seats"][0]["state"] == "in_progress"
    url = f"/api/v1/proctoring/sittings/{room.sitting_id}"
    assert inspector.post(f"{url}/pause", json={"attempt_id": attempt}).status_code == 403
    assert inspector.post(f"{url}/inspections", json={"note": "考场秩序良好，监考到位"}).status_code == 201
    assert _sitting_actions(room)[-1] == "inspection.recorded"


def test_the_dashboard_costs_the_same_queries_for_4_or_99_candidates(room: Room) -> None:
    """A 100-seat room seats at most 99 candidates in one sitting (a ticket's seat is two digits)."""
    with room.database.transaction() as db:
        sitting = sittings.get_sitting(db, room.sitting_id)
        small = service.room_state(db, sitting)
    statements: list[str] = []

    def count(*_args: object) -> None:
        statements.append("x")

    with room.database.transaction(write=False) as db:
        sitting = sittings.get_sitting(db, room.sitting_id)
        event.listen(room.database.engine, "before_cursor_execute", count)
        try:
            service.room_state(db, sitting)
            few = len(statements)
        finally:
            event.remove(room.database.engine, "before_cursor_execute", count)
    big = _big_room(room)
    statements.clear()
    with room.database.transaction(write=False) as db:
        sitting = sittings.get_sitting(db, big)
        event.listen(room.database.engine, "before_cursor_execute", count)
        try:
            state = service.room_state(db, sitting)
        finally:
            event.remove(room.database.engine, "before_cursor_execute", count)
    assert len(state.seats) == 99 and len(small.seats) == 4
    assert len(statements) == few, (few, len(statements))


def _big_room(room: Room) -> int:
    """A second sitting, in a 100-seat room, of 99 seated candidates."""
    from tests.conftest import TEST_ACTOR
    from tests.sittings.conftest import ZONE, import_roster, person, roster_csv, schedule

    with room.database.transaction() as db:
        big_room = sittings.add_room(
            db, site_id=room.arranged.site_id, name="大考场", seats=100, columns=10, actor=TEST_ACTOR
        )
    arranged = room.arranged
    sitting_id = schedule(room.database, arranged, arranged.starts_at + timedelta(days=2))
    with room.database.transaction() as db:
        sittings.get_sitting(db, sitting_id).room_id = big_room.id
    original = arranged.sitting_id
    arranged.sitting_id = sitting_id
    import_roster(arranged, roster_csv([person(n) for n in range(100, 199)]))
    arranged.sitting_id = original
    from examhall.sittings import staffing

    with room.database.transaction() as db:
        sittings.assign_seats(db, sitting_id=sitting_id, mode="ordered", actor=TEST_ACTOR)
        for name, role in (("chief_a", "chief_examiner"), ("proctor_a", "proctor")):
            from sqlalchemy import select

            from examhall.accounts.models import User

            user = db.scalar(select(User).where(User.username == name))
            staffing.assign(db, sitting_id=sitting_id, user_id=user.id, role=role, actor=TEST_ACTOR)  # type: ignore[union-attr]
        sittings.open_sitting(db, sitting_id=sitting_id, actor=TEST_ACTOR, timezone=ZONE)
    return sitting_id


@pytest.mark.parametrize("path", ["/proctor/sittings/{id}"])
def test_the_dashboard_page_needs_an_assignment(room: Room, staff_client: object, path: str) -> None:
    assert room.proctor().get(path.format(id=room.sitting_id)).status_code == 200
    assert staff_client("proctor").get(path.format(id=room.sitting_id)).status_code == 404  # type: ignore[operator]


def test_actions_after_time_are_refused(room: Room) -> None:
    _, attempt = room.started(0)
    clock.freeze(room.starts_at + timedelta(minutes=130))
    proctor = room.proctor()
    response = proctor.post(f"/api/v1/proctoring/sittings/{room.sitting_id}/pause", json={"attempt_id": attempt})
    assert response.status_code == 409
