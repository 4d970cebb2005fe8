"""Candidates sitting the exam: login, authorized start, the server's clock, saves that are
idempotent and in order, time-up with no browser, resume, grading, and nothing of anyone else's."""

import json
from datetime import datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from examhall import clock
from examhall.delivery import submitting
from examhall.delivery.models import Answer, Attempt
from examhall.papers import service as papers
from examhall.sittings.models import Exam, Registration
from examhall.trace import service as trace
from tests.delivery.conftest import Room, later


def _attempt(room: Room, attempt_id: int) -> Attempt:
    with room.database.transaction(write=False) as db:
        found = db.get(Attempt, attempt_id)
        assert found is not None
        return found


def _actions(room: Room, attempt_id: int) -> list[str]:
    with room.database.transaction(write=False) as db:
        return [e.action for e in trace.events(db, f"attempt:{attempt_id}")]


def _paper(browser: TestClient, attempt: int) -> dict:  # type: ignore[type-arg]
    response = browser.get(f"/api/v1/delivery/attempts/{attempt}/paper")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _answer_for(item: dict, right: bool = True) -> object:  # type: ignore[type-arg]
    return {
        "true_false": True,
        "single_choice": "A",
        "multiple_choice": "AB",
        "fill_blank": ["x"] * max(item["blanks"], 1),
    }[item["type"]]


def test_login_needs_the_right_ticket_and_id_number_and_every_refusal_is_alike(room: Room) -> None:
    browser = TestClient(room.app)
    wrong = [
        {"ticket": room.tickets[0], "id_number": room.ids[1]},
        {"ticket": "26000000000000", "id_number": room.ids[0]},
    ]
    replies = [browser.post("/api/v1/delivery/login", json=body) for body in wrong]
    assert {r.status_code for r in replies} == {401} and len({r.text for r in replies}) == 1
    assert replies[0].json()["message"] == "准考证号或身份证号不正确，请核对后重试"  # no code was asked, none named
    _, attempt = room.candidate(0)
    assert _actions(room, attempt) == ["candidate.login_failed", "candidate.logged_in"]
    lower = TestClient(room.app).post(
        "/api/v1/delivery/login", json={"ticket": room.tickets[3], "id_number": room.ids[3].lower()}
    )
    assert lower.status_code == 200


def test_a_sitting_that_asks_for_a_code_refuses_login_without_it(room: Room) -> None:
    with room.database.transaction() as db:
        for exam in db.scalars(select(Exam)):
            exam.requires_code = True
    body = {"ticket": room.tickets[0], "id_number": room.ids[0]}
    assert TestClient(room.app).post("/api/v1/delivery/login", json=body).status_code == 401
    with room.database.transaction(write=False) as db:
        registration = db.scalar(select(Registration).where(Registration.ticket == room.tickets[0]))
    code = (
        room.proctor()
        .post(f"/api/v1/delivery/sittings/{room.sitting_id}/codes", json={"registration_id": registration.id})
        .json()["code"]
    )  # type: ignore[union-attr]
    assert TestClient(room.app).post("/api/v1/delivery/login", json={**body, "code": code}).status_code == 200
    assert TestClient(room.app).post("/api/v1/delivery/login", json={**body, "code": code}).status_code == 401


def test_start_waits_for_authorization_and_the_start_time(room: Room) -> None:
    browser, attempt = room.candidate(0)
    status = browser.get(f"/api/v1/delivery/attempts/{attempt}/status").json()
    assert status["state"] == "waiting" and not status["can_start"] and "授权" in status["reason"]
    refused = browser.post(f"/api/v1/delivery/attempts/{attempt}/start")
    assert refused.status_code == 409 and refused.json()["code"] == "not_authorized"
    assert room.proctor().post(f"/api/v1/delivery/sittings/{room.sitting_id}/authorize", json={"all": True}).json()[
        "authorized"
    ] == [attempt]
    early = browser.post(f"/api/v1/delivery/attempts/{attempt}/start")
    assert early.status_code == 409 and early.json()["code"] == "too_early"
    clock.freeze(room.starts_at)
    started = browser.post(f"/api/v1/delivery/attempts/{attempt}/start").json()
    assert started["state"] == "in_progress" and started["remaining_seconds"] == 120 * 60
    assert _actions(room, attempt)[-2:] == ["attempt.authorized", "attempt.started"]


def test_the_paper_shows_no_key_no_item_id_and_no_score(room: Room) -> None:
    browser, attempt = room.started(0)
    paper = _paper(browser, attempt)
    assert len(paper["items"]) == 100 and paper["remaining_seconds"] == 7200
    text = json.dumps(paper, ensure_ascii=False)
    for secret in ('"answer"', "explanation", "score", "AJ-0", "content_hash", "version"):
        assert secret not in text
    # Nothing beyond what the page shows: per-paper positions and labels, no field that could hold an id.
    assert {key for item in paper["items"] for key in item} == {
        "n",
        "section",
        "type",
        "stem",
        "options",
        "blanks",
        "images",
    }
    assert {key for item in paper["items"] for option in item["options"] for key in option} <= {"label", "text"}
    assert set(paper) == {
        "attempt",
        "state",
        "can_start",
        "reason",
        "server_time",
        "starts_at",
        "deadline",
        "remaining_seconds",
        "paused",
        "notices",
        "exam",
        "candidate",
        "seat",
        "last_seq",
        "sections",
        "items",
        "answers",
    }


def test_the_start_returns_the_paper_a_reload_returns(room: Room) -> None:
    browser, attempt = room.candidate(0)
    room.proctor().post(f"/api/v1/delivery/sittings/{room.sitting_id}/authorize", json={"attempt_ids": [attempt]})
    clock.freeze(room.starts_at)
    started = browser.post(f"/api/v1/delivery/attempts/{attempt}/start")
    assert started.status_code == 200 and started.headers["content-type"] == "application/json"
    first = started.json()
    assert first["state"] == "in_progress" and len(first["items"]) == 100 and first["answers"] == {}
    reloaded = _paper(browser, attempt)  # the clock is frozen: the same reply, to the second
    assert datetime.fromisoformat(first.pop("deadline")) == datetime.fromisoformat(reloaded.pop("deadline"))
    assert first == reloaded
    # Pressing start again (a second tab) changes nothing and brings the answers given since.
    assert (
        browser.post(
            f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": [{"seq": 1, "n": 3, "flagged": True}]}
        ).status_code
        == 200
    )
    again = browser.post(f"/api/v1/delivery/attempts/{attempt}/start").json()
    assert again["answers"] == {"3": {"response": None, "flagged": True}} and again["last_seq"] == 1
    assert {k: v for k, v in again.items() if k not in ("answers", "last_seq", "deadline")} == {
        k: v for k, v in first.items() if k not in ("answers", "last_seq")
    }
    assert _actions(room, attempt).count("attempt.started") == 1


def test_a_paper_drawn_before_papers_kept_their_sheet_is_still_sent(room: Room) -> None:
    from sqlalchemy import text

    browser, attempt = room.started(0)
    kept = _paper(browser, attempt)
    with room.database.engine.begin() as conn:  # as a paper drawn by an earlier version holds it
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER papers_no_update"))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE papers SET sheet = NULL"))
    assert _paper(browser, attempt) == kept


def test_saves_are_idempotent_and_an_older_change_never_overwrites_a_newer(room: Room) -> None:
    browser, attempt = room.started(0)
    url = f"/api/v1/delivery/attempts/{attempt}/answers"
    first = browser.post(url, json={"entries": [{"seq": 5, "n": 71, "response": "B"}]}).json()
    assert first["applied"] == [5]
    again = browser.post(url, json={"entries": [{"seq": 5, "n": 71, "response": "B"}]}).json()
    assert again["applied"] == [] and again["ignored"] == [5]
    newer = browser.post(url, json={"entries": [{"seq": 7, "n": 71, "response": "C"}]}).json()
    stale = browser.post(url, json={"entries": [{"seq": 6, "n": 71, "response": "D"}]}).json()
    assert newer["applied"] == [7] and stale["ignored"] == [6]
    flag = browser.post(
        url, json={"entries": [{"seq": 8, "n": 71, "flagged": True}, {"seq": 9, "n": 1, "response": False}]}
    ).json()
    assert flag["applied"] == [8, 9]
    paper = _paper(browser, attempt)
    assert paper["answers"]["71"] == {"response": "C", "flagged": True}
    assert paper["answers"]["1"] == {"response": False, "flagged": False}
    assert paper["last_seq"] == 9
    assert _actions(room, attempt).count("answers.saved") == 3


def test_a_response_that_does_not_fit_is_refused_and_changes_nothing(room: Room) -> None:
    browser, attempt = room.started(0)
    url = f"/api/v1/delivery/attempts/{attempt}/answers"
    for bad in (
        {"n": 71, "response": "Z"},
        {"n": 71, "response": "AB"},
        {"n": 1, "response": "A"},
        {"n": 101, "response": True},
        {"n": 71, "response": ["A"] * 9},
        {"n": 71, "response": "A" * 5000},
        {"n": 71, "response": {"A": 1}},
    ):
        response = browser.post(url, json={"entries": [{"seq": 1, "n": 2, "response": True}, {"seq": 2, **bad}]})
        assert response.status_code == 422, bad
        assert response.json()["message"]
        # The refusal names the entry, so that the page drops that one and sends the rest again.
        assert [p["where"] for p in response.json()["problems"]] == ["entries.1"], bad
    assert _paper(browser, attempt)["answers"] == {}
    assert "answers.saved" not in _actions(room, attempt)


def test_answers_after_the_deadline_are_refused_traced_and_the_attempt_submitted(room: Room) -> None:
    browser, attempt = room.started(0)
    url = f"/api/v1/delivery/attempts/{attempt}/answers"
    later(room, minutes=119)
    assert browser.post(url, json={"entries": [{"seq": 1, "n": 1, "response": True}]}).status_code == 200
    later(room, minutes=120, seconds=1)
    late = browser.post(url, json={"entries": [{"seq": 2, "n": 2, "response": True}]})
    assert late.status_code == 409 and late.json()["code"] == "time_up"
    assert _actions(room, attempt)[-2:] == ["attempt.submitted", "answer.refused"]
    found = _attempt(room, attempt)
    assert found.state == "submitted" and found.submitted_by == "time_up"
    assert _paper(browser, attempt)["answers"].keys() == {"1"}


def test_the_time_up_sweep_submits_with_no_browser_open(room: Room) -> None:
    browser, attempt = room.started(1)
    browser.post(
        f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": [{"seq": 1, "n": 1, "response": True}]}
    )
    browser.close()
    later(room, minutes=100)
    with room.database.transaction() as db:
        assert submitting.sweep(db) == []
    later(room, minutes=121)
    with room.database.transaction() as db:
        assert submitting.sweep(db) == [attempt]
    found = _attempt(room, attempt)
    assert (found.state, found.submitted_by) == ("submitted", "time_up")
    assert found.score is not None and len(found.score_detail or []) == 100
    with room.database.transaction() as db:
        assert submitting.sweep(db) == []


def test_an_accommodation_extends_the_deadline(room: Room) -> None:
    with room.database.transaction() as db:
        registration = db.scalar(select(Registration).where(Registration.ticket == room.tickets[2]))
        registration.extra_minutes = 30  # type: ignore[union-attr]
    browser, attempt = room.started(2)
    assert _paper(browser, attempt)["remaining_seconds"] == 150 * 60


def test_resume_after_reload_gives_the_same_paper_answers_and_time(room: Room) -> None:
    browser, attempt = room.started(0)
    browser.post(
        f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": [{"seq": 1, "n": 3, "response": True}]}
    )
    first = _paper(browser, attempt)
    later(room, minutes=30)
    again = _paper(browser, attempt)
    assert again["items"] == first["items"] and again["answers"] == first["answers"]
    assert again["remaining_seconds"] == 90 * 60


def test_moving_to_another_pc_needs_a_proctor_and_ends_the_old_page(room: Room) -> None:
    old, attempt = room.started(0)
    second = TestClient(room.app).post(
        "/api/v1/delivery/login", json={"ticket": room.tickets[0], "id_number": room.ids[0]}
    )
    assert second.status_code == 403 and "监考员" in second.json()["message"]
    assert (
        room.proctor().post(f"/api/v1/delivery/sittings/{room.sitting_id}/attempts/{attempt}/move").status_code == 204
    )
    new, same = room.candidate(0)
    assert same == attempt
    assert old.get(f"/api/v1/delivery/attempts/{attempt}/paper").status_code == 401
    assert _paper(new, attempt)["state"] == "in_progress"
    assert "attempt.moved" in _actions(room, attempt)


def test_submit_grades_and_the_score_is_not_shown(room: Room) -> None:
    browser, attempt = room.started(0)
    paper = _paper(browser, attempt)
    with room.database.transaction(write=False) as db:
        view = papers.paper_view(db, _attempt(room, attempt).paper_id)
    entries = []
    for seq, (item, (version, _, permutation)) in enumerate(
        zip(paper["items"][:10], view.choices[:10], strict=True), 1
    ):
        right = version.answer if item["type"] == "true_false" else "ABCDEFGH"[permutation.index(version.answer[0])]
        entries.append({"seq": seq, "n": item["n"], "response": right})
    entries.append({"seq": 11, "n": 11, "response": not view.choices[10][0].answer})
    browser.post(f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": entries})
    done = browser.post(f"/api/v1/delivery/attempts/{attempt}/submit").json()
    assert done["state"] == "submitted" and done["unanswered"] == list(range(12, 101))
    assert "score" not in json.dumps(done)
    found = _attempt(room, attempt)
    assert found.score == Decimal(10)
    assert found.score_detail[10]["outcome"] == "wrong" and found.score_detail[0]["outcome"] == "correct"  # type: ignore[index]
    assert "score" not in browser.get(f"/api/v1/delivery/attempts/{attempt}/status").text
    with room.database.transaction(write=False) as db:
        event = trace.events(db, f"attempt:{attempt}")[-1]
    assert event.action == "attempt.submitted" and '"score":"10' in event.payload


def test_integrity_signals_are_traced_and_counted(room: Room) -> None:
    browser, attempt = room.started(0)
    for kind in ("hidden", "paste"):
        assert browser.post(f"/api/v1/delivery/attempts/{attempt}/signals", json={"kind": kind}).status_code == 204
    assert browser.post(f"/api/v1/delivery/attempts/{attempt}/signals", json={"kind": "nonsense"}).status_code == 422
    found = _attempt(room, attempt)
    assert (found.signals, found.last_signal) == (2, "paste")
    assert _actions(room, attempt)[-2:] == ["integrity.hidden", "integrity.paste"]


def test_every_candidate_route_with_someone_elses_attempt_is_404(room: Room) -> None:
    mine, _ = room.started(0)
    _, theirs = room.started(1)
    for method, path, body in (
        ("GET", "status", None),
        ("POST", "start", None),
        ("GET", "paper", None),
        ("POST", "answers", {"entries": [{"seq": 1, "n": 1, "response": True}]}),
        ("POST", "signals", {"kind": "blur"}),
        ("POST", "submit", None),
    ):
        response = mine.request(method, f"/api/v1/delivery/attempts/{theirs}/{path}", json=body)
        assert response.status_code == 404, path
    for page in (f"/exam/attempts/{theirs}", f"/exam/attempts/{theirs}/images/1/0", f"/exam/attempts/{theirs}/photo"):
        assert mine.get(page, follow_redirects=False).status_code == 404, page
    assert _attempt(room, theirs).state == "in_progress"
    with room.database.transaction(write=False) as db:
        assert db.scalar(select(Answer).where(Answer.attempt_id == theirs)) is None


def test_a_proctor_of_another_room_cannot_act_on_this_one(room: Room, staff_client: object) -> None:
    outsider = staff_client("proctor")  # type: ignore[operator]
    _, attempt = room.candidate(0)
    response = outsider.post(f"/api/v1/delivery/sittings/{room.sitting_id}/authorize", json={"all": True})
    assert response.status_code == 404
    assert outsider.get(f"/proctor/sittings/{room.sitting_id}").status_code == 404
    assert _attempt(room, attempt).state == "waiting"


def test_candidate_pages_for_each_state(room: Room) -> None:
    browser, attempt = room.candidate(0)
    assert browser.get("/exam").status_code == 200
    assert browser.get(f"/exam/attempts/{attempt}").status_code == 200
    room.started(1)
    clock.freeze(room.starts_at + timedelta(minutes=1))
    assert "Traceback" not in browser.get(f"/exam/attempts/{attempt}").text
    anonymous = TestClient(room.app).get(f"/exam/attempts/{attempt}", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/exam"


def test_the_proctor_lists_the_room(room: Room) -> None:
    _, attempt = room.candidate(0)
    rows = room.proctor().get(f"/api/v1/delivery/sittings/{room.sitting_id}/attempts").json()
    assert [(r["seat"], r["state"]) for r in rows] == [(1, "waiting"), (2, "absent"), (3, "absent"), (4, "absent")]
    assert rows[0]["attempt"] == attempt


def test_a_sequence_number_past_64_bits_and_a_lone_surrogate_are_422s_naming_the_entry(room: Room) -> None:
    """Both once answered 500; now each is refused, naming the field, and nothing is saved."""
    browser, attempt = room.started(0)
    url = f"/api/v1/delivery/attempts/{attempt}/answers"
    too_big = browser.post(url, json={"entries": [{"seq": 2**63, "n": 1, "response": True}]})
    assert too_big.status_code == 422
    assert [p["where"] for p in too_big.json()["problems"]] == ["body.entries.0.seq"]
    lone = browser.post(
        url,
        content=b'{"entries": [{"seq": 1, "n": 1, "response": ["\\ud800"]}]}',
        headers={"content-type": "application/json"},
    )
    assert lone.status_code == 422 and lone.json()["code"] == "lone_surrogate"
    assert [p["where"] for p in lone.json()["problems"]] == ["body.entries.0.response.0"]
    with room.database.transaction(write=False) as db:
        assert db.scalar(select(Answer).where(Answer.attempt_id == attempt)) is None


def test_a_candidate_held_back_by_failed_logins_gets_in_with_a_proctor_s_code(room: Room) -> None:
    """Five wrong tries from one PC hold the ticket back there; the proctor checks the candidate
    in person and hands over a one-time code, which lets them in at once."""
    pc = TestClient(room.app, client=("10.20.0.8", 50000))
    body = {"ticket": room.tickets[0], "id_number": room.ids[1]}
    for _ in range(5):
        assert pc.post("/api/v1/delivery/login", json=body).status_code == 401
    held = pc.post("/api/v1/delivery/login", json={**body, "id_number": room.ids[0]})
    assert held.status_code == 429 and "一次性登录码" in held.json()["message"]
    with room.database.transaction(write=False) as db:
        registration = db.scalar(select(Registration).where(Registration.ticket == room.tickets[0]))
    assert registration is not None
    code = (
        room.proctor()
        .post(f"/api/v1/delivery/sittings/{room.sitting_id}/codes", json={"registration_id": registration.id})
        .json()["code"]
    )
    wrong_code = pc.post("/api/v1/delivery/login", json={**body, "id_number": room.ids[0], "code": "000000"})
    assert wrong_code.status_code == 429  # only the proctor's code gets past
    let_in = pc.post("/api/v1/delivery/login", json={**body, "id_number": room.ids[0], "code": code})
    assert let_in.status_code == 200, let_in.text
    # Another PC in the room was never held back by the first one's failures.
    assert (
        TestClient(room.app, client=("10.20.0.9", 50000))
        .post("/api/v1/delivery/login", json={"ticket": room.tickets[1], "id_number": room.ids[1]})
        .status_code
        == 200
    )
