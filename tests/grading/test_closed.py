"""A sealed sitting is closed: nothing a candidate, a proctor, an inspector or the system does
reaches its chains any more. What remains after the seal (publication, appeals, evidence bundles)
is written only on the sitting's own chain, each event signed."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from examhall.delivery import submitting
from examhall.delivery.models import Attempt
from examhall.trace import service as trace
from tests.conftest import add_staff, log_in
from tests.delivery.conftest import Room, later
from tests.grading.conftest import chief


def _heads(room: Room) -> dict[str, Any]:
    with room.database.transaction(write=False) as db:
        chains = [f"sitting:{room.sitting_id}"]
        chains += [a.chain for a in db.scalars(select(Attempt).where(Attempt.sitting_id == room.sitting_id))]
        return {chain: (head.position, head.hash) for chain, head in trace.heads(db, chains).items()}


def test_nothing_reaches_a_sealed_sitting_s_chains(room: Room) -> None:
    # One candidate submits; one is left waiting with a session of their own; one never comes.
    done, done_attempt = room.started(0)
    done.post(
        f"/api/v1/delivery/attempts/{done_attempt}/answers", json={"entries": [{"seq": 1, "n": 1, "response": True}]}
    )
    assert done.post(f"/api/v1/delivery/attempts/{done_attempt}/submit").status_code == 200
    waiting, waiting_attempt = room.candidate(1)
    later(room, minutes=125)
    sealed = chief(room).post(f"/api/v1/grading/sittings/{room.sitting_id}/seal")
    assert sealed.status_code == 200, sealed.text
    before = _heads(room)

    sid, base = room.sitting_id, f"/api/v1/proctoring/sittings/{room.sitting_id}"
    proctor = room.proctor()
    add_staff(room.database, "inspector_z", "inspector")
    inspector = log_in(TestClient(room.app), "inspector_z")
    answer = {"entries": [{"seq": 9, "n": 2, "response": True}]}
    tried = {
        "a late login": TestClient(room.app).post(
            "/api/v1/delivery/login", json={"ticket": room.tickets[2], "id_number": room.ids[2]}
        ),
        "a wrong login": TestClient(room.app).post(
            "/api/v1/delivery/login", json={"ticket": room.tickets[2], "id_number": room.ids[0]}
        ),
        "a start": waiting.post(f"/api/v1/delivery/attempts/{waiting_attempt}/start"),
        "a signal": waiting.post(f"/api/v1/delivery/attempts/{waiting_attempt}/signals", json={"kind": "blur"}),
        "a late answer": done.post(f"/api/v1/delivery/attempts/{done_attempt}/answers", json=answer),
        "a second submit": done.post(f"/api/v1/delivery/attempts/{done_attempt}/submit"),
        "a submit never started": waiting.post(f"/api/v1/delivery/attempts/{waiting_attempt}/submit"),
        "a status poll": waiting.get(f"/api/v1/delivery/attempts/{waiting_attempt}/status"),
        "authorizing": proctor.post(f"/api/v1/delivery/sittings/{sid}/authorize", json={"all": True}),
        "a move": proctor.post(f"/api/v1/delivery/sittings/{sid}/attempts/{done_attempt}/move"),
        "a pause": proctor.post(f"{base}/pause", json={}),
        "a resume": proctor.post(f"{base}/resume", json={}),
        "more time": proctor.post(f"{base}/time", json={"minutes": 5, "reason": "补时"}),
        "a warning": proctor.post(f"{base}/warnings", json={"attempt_id": done_attempt, "note": "x"}),
        "an incident": proctor.post(f"{base}/irregularities", json={"category": "staff", "note": "补记"}),
        "a misconduct proposal": proctor.post(f"{base}/misconduct", json={"attempt_id": done_attempt, "facts": "补"}),
        "a patrol": inspector.post(f"{base}/inspections", json={"note": "补记巡考"}),
    }
    written = {what: r.status_code for what, r in tried.items() if r.status_code < 400}
    assert set(written) <= {"a second submit", "a status poll"}, {w: tried[w].text for w in written}
    assert tried["a late login"].json()["message"] == "本场考试已结束"
    with room.database.transaction() as db:
        assert submitting.sweep(db) == []
    assert _heads(room) == before
