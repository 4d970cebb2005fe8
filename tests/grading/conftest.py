"""A held sitting: candidates answered and submitted; ready for the chief examiner's seal."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import log_in
from tests.delivery.conftest import Room, later, room
from tests.sittings.conftest import arranged

__all__ = ["arranged", "room"]  # the delivery fixtures, used here too


@pytest.fixture
def held(room: Room) -> Room:
    """Three candidates sat and submitted (one by time-up); the fourth never came."""
    for k in range(3):
        browser, attempt = room.started(k)
        entries = [{"seq": n, "n": n, "response": n % 2 == 0} for n in range(1, 21)]
        browser.post(f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": entries})
        if k < 2:
            browser.post(f"/api/v1/delivery/attempts/{attempt}/submit")
    later(room, minutes=121)
    from examhall.delivery import submitting

    with room.database.transaction() as db:
        submitting.sweep(db)
    return room


def chief(room: Room) -> TestClient:
    return log_in(TestClient(room.app), "chief_a")
