"""What the room dashboard is told: the room's layout and the sitting's state, every seat whose
page has gone quiet marked disconnected whatever it was doing, each candidate's integrity
signals with their times, and a sealed sitting's page with nothing to do."""

from datetime import datetime

from fastapi.testclient import TestClient

from examhall import clock
from tests.conftest import log_in
from tests.delivery.conftest import Room, later


def _state(client: TestClient, room: Room) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/proctoring/sittings/{room.sitting_id}/state")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _seat(state: dict, seat: int) -> dict:  # type: ignore[type-arg]
    return next(s for s in state["seats"] if s["seat"] == seat)


def test_the_room_state_carries_the_rooms_rows_and_the_sittings_state(room: Room) -> None:
    state = _state(room.proctor(), room)
    assert (state["room_seats"], state["columns"], state["sitting_state"]) == (30, 6, "open")
    assert state["disconnected_after"] == 60


def test_a_page_gone_quiet_shows_disconnected_in_every_state_that_polls(room: Room) -> None:
    proctor = room.proctor()
    waiting, waiting_attempt = room.candidate(1)
    authorized, authorized_attempt = room.candidate(2)
    clock.freeze(room.starts_at)
    for browser, attempt in ((waiting, waiting_attempt), (authorized, authorized_attempt)):
        browser.get(f"/api/v1/delivery/attempts/{attempt}/status")
    proctor.post(f"/api/v1/delivery/sittings/{room.sitting_id}/authorize", json={"attempt_ids": [authorized_attempt]})
    state = _state(proctor, room)
    assert [(_seat(state, n)["state"], _seat(state, n)["phase"]) for n in (2, 3)] == [
        ("waiting", "waiting"),
        ("authorized", "authorized"),
    ]

    # The browsers close: two minutes without a poll.
    later(room, minutes=2)
    state = _state(proctor, room)
    assert [(_seat(state, n)["state"], _seat(state, n)["phase"]) for n in (2, 3)] == [
        ("disconnected", "waiting"),
        ("disconnected", "authorized"),
    ]
    assert _seat(state, 1)["state"] == "absent"  # never came: not disconnected

    # One comes back.
    authorized.get(f"/api/v1/delivery/attempts/{authorized_attempt}/status")
    assert _seat(_state(proctor, room), 3)["state"] == "authorized"


def test_a_paused_page_gone_quiet_shows_disconnected_and_stays_paused(room: Room) -> None:
    _, attempt = room.started(0)
    proctor = room.proctor()
    proctor.post(f"/api/v1/proctoring/sittings/{room.sitting_id}/pause", json={"attempt_id": attempt})
    later(room, minutes=5)
    seat = _seat(_state(proctor, room), 1)
    assert (seat["state"], seat["phase"]) == ("disconnected", "paused")


def test_a_seats_signals_are_listed_newest_first_with_their_times(room: Room, staff_client: object) -> None:
    browser, attempt = room.started(0)
    later(room, minutes=1)
    browser.post(f"/api/v1/delivery/attempts/{attempt}/signals", json={"kind": "hidden"})
    later(room, minutes=7)
    browser.post(f"/api/v1/delivery/attempts/{attempt}/signals", json={"kind": "paste"})
    url = f"/api/v1/proctoring/sittings/{room.sitting_id}/attempts/{attempt}/signals"
    listed = room.proctor().get(url).json()
    assert [(s["kind"], s["name"]) for s in listed] == [("paste", "尝试粘贴"), ("hidden", "离开考试页面")]
    assert [datetime.fromisoformat(s["at"]) for s in listed] == [
        room.starts_at.replace(minute=7),
        room.starts_at.replace(minute=1),
    ]
    inspector = staff_client("inspector")  # type: ignore[operator]
    assert inspector.get(url).status_code == 200
    # Only an attempt of this sitting.
    other = f"/api/v1/proctoring/sittings/{room.sitting_id}/attempts/{attempt + 100}/signals"
    assert room.proctor().get(other).status_code == 404


def test_a_patrol_record_says_when_it_was_made(room: Room, staff_client: object) -> None:
    later(room, minutes=30)
    inspector = staff_client("inspector")  # type: ignore[operator]
    made = inspector.post(f"/api/v1/proctoring/sittings/{room.sitting_id}/inspections", json={"note": "秩序良好"})
    assert made.status_code == 201 and datetime.fromisoformat(made.json()["at"]) == room.starts_at.replace(minute=30)


def test_the_dashboard_links_the_record_and_for_the_chief_the_results(room: Room) -> None:
    page = room.proctor().get(f"/proctor/sittings/{room.sitting_id}").text
    assert f'href="/sittings/{room.sitting_id}/record"' in page
    assert f'href="/sittings/{room.sitting_id}/results"' not in page
    chief = log_in(TestClient(room.app), "chief_a")
    page = chief.get(f"/proctor/sittings/{room.sitting_id}").text
    assert f'href="/sittings/{room.sitting_id}/results"' in page
    assert "进行中" in page and 'id="sealed-notice" class="notice sealed" role="status" hidden' in page


def test_a_sealed_sittings_dashboard_looks_sealed(room: Room) -> None:
    later(room, minutes=121)
    chief = log_in(TestClient(room.app), "chief_a")
    assert chief.post(f"/api/v1/grading/sittings/{room.sitting_id}/seal").status_code == 200
    assert _state(room.proctor(), room)["sitting_state"] == "sealed"
    page = room.proctor().get(f"/proctor/sittings/{room.sitting_id}").text
    assert "已封存" in page and "本场考试已封存" in page
    assert 'id="connection" class="connection connecting" hidden' in page
    assert 'id="room-actions" class="room-actions" aria-labelledby="room-actions-title" hidden' in page
