"""The end of a sitting: the record, the chief examiner's seal over every chain, nothing changing
after it, results only after it, appeals regraded from the trace with two people, evidence bundles
that verify offline, and records kept for 3 years."""

import io
import json
import random
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from examhall.cli import main
from examhall.delivery.models import Attempt
from examhall.grading import record, sealing
from examhall.grading.models import Publication
from examhall.trace import service as trace
from examhall.trace.bundle import verify_bundle
from examhall.trace.signing import PUBLIC_KEY_PATH, create_key, load_public
from tests.conftest import add_staff, log_in
from tests.delivery.conftest import Room
from tests.grading.conftest import chief
from tests.sittings.conftest import person, roster_csv


def _seal(room: Room) -> dict:  # type: ignore[type-arg]
    response = chief(room).post(f"/api/v1/grading/sittings/{room.sitting_id}/seal")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _admin(room: Room) -> TestClient:
    add_staff(room.database, "admin_g", "admin")
    return log_in(TestClient(room.app), "admin_g")


def test_the_seal_needs_every_attempt_ended_and_the_chief_examiner(room: Room) -> None:
    room.started(0)
    refused = chief(room).post(f"/api/v1/grading/sittings/{room.sitting_id}/seal")
    assert refused.status_code == 409 and "还有1名考生在答题" in refused.json()["message"]
    assert room.proctor().post(f"/api/v1/grading/sittings/{room.sitting_id}/seal").status_code == 403


def test_the_seal_is_a_merkle_root_over_every_chain_and_itself_an_event(held: Room) -> None:
    sealed = _seal(held)
    assert sealed["chains"] == 4  # the sitting's chain and three attempts
    with held.database.transaction(write=False) as db:
        event = trace.events(db, f"sitting:{held.sitting_id}")[-1]
        assert sealing.verify_sitting(db, held.sitting_id).intact
    assert event.action == "sitting.sealed" and json.loads(event.payload)["root"] == sealed["root"]
    page = chief(held).get(f"/sittings/{held.sitting_id}/record")
    grouped = " ".join(sealed["root"][i : i + 4] for i in range(0, 64, 4))
    assert grouped in page.text and "缺考" in page.text and "核验通过" in page.text


def test_a_sealed_sitting_refuses_every_change(held: Room, staff_client: object) -> None:
    _seal(held)
    admin = _admin(held)
    sid = held.sitting_id
    with held.database.transaction(write=False) as db:
        attempt, registration = db.execute(
            select(Attempt.id, Attempt.registration_id).where(Attempt.sitting_id == sid)
        ).first()  # type: ignore[misc]
    refusals = [
        held.proctor().post(f"/api/v1/delivery/sittings/{sid}/authorize", json={"all": True}),
        held.proctor().post(f"/api/v1/delivery/sittings/{sid}/codes", json={"registration_id": registration}),
        held.proctor().post(f"/api/v1/delivery/sittings/{sid}/attempts/{attempt}/move"),
        admin.post(f"/api/v1/sittings/{sid}/roster", files={"file": ("r.csv", roster_csv([person(9)]))}),
        admin.post(f"/api/v1/sittings/{sid}/seats", json={"mode": "random"}),
        admin.post(f"/api/v1/sittings/{sid}/staff/draw"),
        admin.post(f"/api/v1/sittings/{sid}/open"),
        held.proctor().post(f"/api/v1/proctoring/sittings/{sid}/warnings", json={"attempt_id": attempt, "note": "x"}),
        held.proctor().post(
            f"/api/v1/proctoring/sittings/{sid}/irregularities", json={"category": "staff", "note": "补记"}
        ),
        held.proctor().post(f"/api/v1/grading/sittings/{sid}/record", json={"remarks": "改"}),
        chief(held).post(f"/api/v1/grading/sittings/{sid}/seal"),
    ]
    assert [r.status_code for r in refusals] == [409] * len(refusals), [r.text for r in refusals]
    with held.database.transaction(write=False) as db:
        heads = trace.heads(db)
        attempts = db.scalar(select(func.count()).select_from(Attempt))
    # The absent candidate is told the sitting is over; nothing is written for them.
    late = TestClient(held.app).post(
        "/api/v1/delivery/login", json={"ticket": held.tickets[3], "id_number": held.ids[3]}
    )
    assert late.status_code == 409 and late.json()["message"] == "本场考试已结束"
    with held.database.transaction(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Attempt)) == attempts
        assert {c: h for c, h in trace.heads(db).items() if c.startswith(("sitting:", "attempt:"))} == {
            c: h for c, h in heads.items() if c.startswith(("sitting:", "attempt:"))
        }
        assert sealing.verify_sitting(db, sid).intact


def test_results_are_published_only_after_the_seal(held: Room) -> None:
    admin = _admin(held)
    sid = held.sitting_id
    early = admin.post(f"/api/v1/grading/sittings/{sid}/publish")
    assert early.status_code == 409 and "封存" in early.json()["message"]
    lookup = TestClient(held.app).post(
        "/api/v1/grading/results/lookup", json={"ticket": held.tickets[0], "id_number": held.ids[0]}
    )
    assert lookup.status_code == 401
    _seal(held)
    assert admin.post(f"/api/v1/grading/sittings/{sid}/publish").status_code == 204
    found = (
        TestClient(held.app)
        .post("/api/v1/grading/results/lookup", json={"ticket": held.tickets[0], "id_number": held.ids[0]})
        .json()
    )
    assert found["status"] == "不合格" and found["score"] == str(_score(held, 0))
    absent = (
        TestClient(held.app)
        .post("/api/v1/grading/results/lookup", json={"ticket": held.tickets[3], "id_number": held.ids[3]})
        .json()
    )
    assert absent["status"] == "缺考"
    sheet = openpyxl.load_workbook(io.BytesIO(admin.get(f"/api/v1/grading/sittings/{sid}/results.xlsx").content))
    rows = list(sheet.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0] == ("准考证号", "姓名", "身份证号", "成绩", "结果") and len(rows) == 5


def _score(room: Room, k: int) -> object:
    from examhall.sittings.models import Registration

    with room.database.transaction(write=False) as db:
        registration = db.scalar(select(Registration).where(Registration.ticket == room.tickets[k]))
        return db.scalar(select(Attempt.score).where(Attempt.registration_id == registration.id))  # type: ignore[union-attr]


def test_the_publication_deadline_is_ten_working_days() -> None:
    assert record.publish_by(date(2026, 11, 30)) == date(2026, 12, 14)  # a Monday: two weeks on
    assert record.publish_by(date(2026, 12, 4)) == date(2026, 12, 18)  # a Friday


def _appeal(room: Room) -> int:
    filed = TestClient(room.app).post(
        "/api/v1/grading/results/appeals",
        json={"ticket": room.tickets[0], "id_number": room.ids[0], "reason": "第3题答案应为正确"},
    )
    assert filed.status_code == 201, filed.text
    return int(filed.json()["id"])


def test_an_appeal_is_regraded_from_the_trace_and_a_change_takes_two_people(held: Room) -> None:
    admin = _admin(held)
    _seal(held)
    admin.post(f"/api/v1/grading/sittings/{held.sitting_id}/publish")
    appeal = _appeal(held)
    regraded = admin.post(f"/api/v1/grading/appeals/{appeal}/regrade").json()
    original = _score(held, 0)
    assert regraded["regraded"] == regraded["original"] == str(original)
    corrected = original + 2  # type: ignore[operator]
    proposal = {"score": str(corrected), "note": "第3题标准答案有误"}
    assert admin.post(f"/api/v1/grading/appeals/{appeal}/proposal", json=proposal).json()["state"] == "proposed"
    decision = f"/api/v1/grading/appeals/{appeal}/decision"
    assert admin.post(decision, json={"confirm": True}).status_code == 403
    assert held.proctor().post(decision, json={"confirm": True}).status_code == 403
    decided = chief(held).post(decision, json={"confirm": True}).json()
    assert decided["state"] == "decided" and f"更正为{corrected}" in decided["outcome"]
    found = (
        TestClient(held.app)
        .post("/api/v1/grading/results/lookup", json={"ticket": held.tickets[0], "id_number": held.ids[0]})
        .json()
    )
    assert found["score"] == str(corrected) and "更正" in found["appeal"]["outcome"]
    with held.database.transaction(write=False) as db:
        actions = [e.action for e in trace.events(db, f"sitting:{held.sitting_id}")]
        assert sealing.verify_sitting(db, held.sitting_id).intact  # corrections come after the seal
    assert actions[-4:] == ["appeal.filed", "appeal.regraded", "appeal.proposed", "appeal.decided"]


def test_the_chief_examiner_may_not_confirm_their_own_proposal(held: Room) -> None:
    _seal(held)
    _admin(held).post(f"/api/v1/grading/sittings/{held.sitting_id}/publish")
    appeal = _appeal(held)
    from examhall.grading.models import Appeal

    with held.database.transaction() as db:
        found = db.get(Appeal, appeal)
        found.state, found.proposed_by, found.proposed_score = "proposed", "chief_a", found.original_score  # type: ignore[union-attr]
    refused = chief(held).post(f"/api/v1/grading/appeals/{appeal}/decision", json={"confirm": True})
    assert refused.status_code == 403 and "同一人" in refused.json()["message"]


def test_a_bundle_verifies_offline_and_fails_when_an_event_changes(
    held: Room, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _seal(held)
    with held.database.transaction(write=False) as db:
        attempt = db.scalar(select(Attempt.id).where(Attempt.sitting_id == held.sitting_id).order_by(Attempt.id))
    data = _admin(held).get(f"/api/v1/grading/sittings/{held.sitting_id}/bundle", params={"attempt": attempt}).content
    key = held.database.settings.trace_key.encode()
    assert verify_bundle(data, key).ok
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(n.endswith("paper.json") for n in names) and any(n.endswith("answers.json") for n in names)
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", "sqlite:////nonexistent/none.db")  # offline: no database at all
    assert main(["trace", "verify", "--bundle", str(path), "--key", key.decode()]) == 0
    assert "verifies" in capsys.readouterr().out
    assert main(["trace", "verify", "--bundle", str(path), "--key", "another-key"]) == 1
    changed = _change_one_event_byte(data)
    path.write_bytes(changed)
    assert main(["trace", "verify", "--bundle", str(path), "--key", key.decode()]) == 1
    assert "does NOT verify" in capsys.readouterr().err


def _change_one_event_byte(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename.startswith("events/attempt") and b"true" in body:
                body = body.replace(b"true", b"ture", 1)  # one answer's bytes, in the middle of an event
            target.writestr(info, body)
    return out.getvalue()


def _tamper(room: Room, statement: str, **values: object) -> None:
    with room.database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for trigger in (
                "trace_events_no_update",
                "trace_events_no_delete",
                "trace_heads_forward",
                "trace_heads_no_delete",
            ):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        conn.execute(text(statement), values)


def test_every_single_event_tampering_of_a_sealed_sitting_is_found(held: Room) -> None:
    _seal(held)
    with held.database.transaction(write=False) as db:
        assert sealing.verify_sitting(db, held.sitting_id).intact
        events = [
            (e.chain, e.position)
            for chain in [
                f"sitting:{held.sitting_id}",
                *(f"attempt:{a}" for a in db.scalars(select(Attempt.id).where(Attempt.sitting_id == held.sitting_id))),
            ]
            for e in trace.events(db, chain)
        ]
    rng = random.Random(20261129)
    kinds = ["edit", "delete", "insert", "swap"]
    template = held.database.settings.database_url
    tried = 0
    for chain, position in rng.sample(events, min(12, len(events))):
        kind = kinds[tried % 4]
        tried += 1
        _with_fresh_copy(held, template, chain, position, kind)
    assert tried >= 8


def _with_fresh_copy(room: Room, template: str, chain: str, position: int, kind: str) -> None:
    """Tamper with one event in a savepoint-free way, check, then restore the exact rows."""
    with room.database.engine.connect() as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(text("SELECT * FROM trace_events WHERE chain = :c ORDER BY position"), {"c": chain})
        ]
    statements = {
        "edit": (
            "UPDATE trace_events SET payload = :p WHERE chain = :c AND position = :n",
            {"p": '{"tampered":true}', "c": chain, "n": position},
        ),
        "delete": ("DELETE FROM trace_events WHERE chain = :c AND position = :n", {"c": chain, "n": position}),
        "insert": (
            "INSERT INTO trace_events (chain, position, at, actor, role, client, action, subject, payload, "
            "prev_hash, hash) SELECT chain, position + 1000, at, actor, role, client, action, subject, payload, "
            "prev_hash, hash FROM trace_events WHERE chain = :c AND position = :n",
            {"c": chain, "n": position},
        ),
        "swap": (
            "UPDATE trace_events SET payload = CASE WHEN position = :n THEN (SELECT payload FROM trace_events "
            "WHERE chain = :c AND position = :m) ELSE (SELECT payload FROM trace_events WHERE chain = :c AND "
            "position = :n) END WHERE chain = :c AND position IN (:n, :m)",
            {"c": chain, "n": position, "m": position - 1 if position > 1 else position + 1},
        ),
    }
    statement, values = statements[kind]
    _tamper(room, statement, **values)
    with room.database.transaction(write=False) as db:
        problems = sealing.verify_sitting(db, room.sitting_id).lines()
    assert problems, (kind, chain, position)
    _tamper(room, "DELETE FROM trace_events WHERE chain = :c", c=chain)
    for row in rows:
        _tamper(
            room,
            "INSERT INTO trace_events (chain, position, at, actor, role, client, action, subject, payload, "
            "prev_hash, hash) VALUES (:chain, :position, :at, :actor, :role, :client, :action, :subject, :payload, "
            ":prev_hash, :hash)",
            **row,
        )
    with room.database.transaction(write=False) as db:
        assert sealing.verify_sitting(db, room.sitting_id).intact  # untouched again: never flagged


def test_records_are_kept_three_years(held: Room) -> None:
    admin = _admin(held)
    refused = admin.delete(f"/api/v1/grading/sittings/{held.sitting_id}")
    assert refused.status_code == 409 and "3年" in refused.json()["message"]
    with held.database.transaction(write=False) as db:
        assert trace.events(db, f"sitting:{held.sitting_id}")[-1].action == "purge.refused"
    with pytest.raises(DatabaseError), held.database.engine.begin() as conn:
        conn.execute(text("DELETE FROM sittings WHERE id = :i"), {"i": held.sitting_id})


def test_verify_sitting_cli(held: Room, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _seal(held)
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", held.database.settings.database_url)
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", held.database.settings.trace_key)
    monkeypatch.setenv("EXAMHALL_SIGNING_KEY_FILE", held.database.settings.signing_key_file)
    assert main(["trace", "verify", "--sitting", str(held.sitting_id)]) == 0
    assert f"sitting {held.sitting_id} verifies" in capsys.readouterr().out
    _tamper(
        held, "UPDATE trace_events SET actor = 'x' WHERE chain = :c AND position = 2", c=f"sitting:{held.sitting_id}"
    )
    assert main(["trace", "verify", "--sitting", str(held.sitting_id)]) == 1


def test_the_lookup_page_and_an_appeal_through_it(held: Room) -> None:
    _seal(held)
    _admin(held).post(f"/api/v1/grading/sittings/{held.sitting_id}/publish")
    browser = TestClient(held.app)
    from tests.conftest import form_token

    token = form_token(browser, "/results")
    page = browser.post("/results", data={"csrf_token": token, "ticket": held.tickets[1], "id_number": held.ids[1]})
    assert "不合格" in page.text and "申请复核" in page.text
    filed = browser.post(
        "/results",
        data={"csrf_token": token, "ticket": held.tickets[1], "id_number": held.ids[1], "reason": "对第5题评分有异议"},
    )
    assert "复核申请已提交" in filed.text
    wrong = browser.post("/results", data={"csrf_token": token, "ticket": held.tickets[1], "id_number": held.ids[0]})
    assert wrong.status_code == 401 and "没有查到成绩" in wrong.text


def test_an_auditor_checks_a_bundle_with_the_published_public_key_alone(
    held: Room, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The public key served at the well-known address is all an auditor needs: the bundle
    verifies without the trace key, and the same bundle re-signed with another key does not."""
    _seal(held)
    admin = _admin(held)
    admin.post(f"/api/v1/grading/sittings/{held.sitting_id}/publish")
    _appeal(held)  # an event after the seal, signed too
    pem = TestClient(held.app).get(PUBLIC_KEY_PATH)
    assert pem.status_code == 200 and pem.text.startswith("-----BEGIN PUBLIC KEY-----")
    public = load_public(pem.content, source="the well-known address")
    data = admin.get(f"/api/v1/grading/sittings/{held.sitting_id}/bundle").content
    assert verify_bundle(data, None, public=public).ok
    (tmp_path / "exam-body.pem").write_bytes(pem.content)
    (tmp_path / "bundle.zip").write_bytes(data)
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", "sqlite:////nonexistent/none.db")  # no database, no trace key
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", "not-the-servers-key")
    args = [
        "trace",
        "verify",
        "--bundle",
        str(tmp_path / "bundle.zip"),
        "--public-key",
        str(tmp_path / "exam-body.pem"),
    ]
    assert main(args) == 0
    assert "verifies with the exam body's public key:" in capsys.readouterr().out
    other = tmp_path / "other.key"
    create_key(other)
    assert main([*args[:-1], str(other)]) == 1
    assert "not the exam body's key" in capsys.readouterr().err


def test_a_lookup_never_serves_a_result_the_seal_does_not_hold(held: Room) -> None:
    """A score changed in the database (past its guards, as a superuser could) is not served to
    the candidate: their lookup is refused until the exam body has looked into it."""
    _seal(held)
    assert _admin(held).post(f"/api/v1/grading/sittings/{held.sitting_id}/publish").status_code == 204
    body = {"ticket": held.tickets[0], "id_number": held.ids[0]}
    assert TestClient(held.app).post("/api/v1/grading/results/lookup", json=body).json()["status"] == "不合格"
    _score_changed_in_the_table(held, held.tickets[0], 100)
    refused = TestClient(held.app).post("/api/v1/grading/results/lookup", json=body)
    assert refused.status_code == 409 and refused.json()["code"] == "result_unverified"
    others = {"ticket": held.tickets[1], "id_number": held.ids[1]}
    assert TestClient(held.app).post("/api/v1/grading/results/lookup", json=others).status_code == 200


def _score_changed_in_the_table(room: Room, ticket: str, score: int) -> None:
    """UPDATE attempts SET score = ... for one ticket, past the sealed sitting's guard."""
    with room.database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS attempts_sealed_update"))
        conn.execute(
            text(
                "UPDATE attempts SET score = :s WHERE registration_id = "
                "(SELECT id FROM registrations WHERE ticket = :t)"
            ),
            {"s": score, "t": ticket},
        )


def test_a_score_changed_in_the_table_stops_the_seal_and_names_the_ticket(held: Room) -> None:
    _score_changed_in_the_table(held, held.tickets[1], 100)
    refused = chief(held).post(f"/api/v1/grading/sittings/{held.sitting_id}/seal")
    assert refused.status_code == 409 and refused.json()["code"] == "trace_mismatch"
    assert any(f"准考证号 {held.tickets[1]}" in p["message"] for p in refused.json()["problems"])
    with held.database.transaction(write=False) as db:
        checked = sealing.verify_sitting(db, held.sitting_id)
        assert not checked.sealed and any(d.ticket == held.tickets[1] for d in checked.differences)


def test_publication_refuses_results_the_trace_does_not_give_and_the_api_says_why(held: Room) -> None:
    _seal(held)
    admin = _admin(held)
    sid = held.sitting_id
    intact = admin.get(f"/api/v1/grading/sittings/{sid}/results").json()
    assert intact["check"] == {"intact": True, "sealed": True, "problems": []}
    _score_changed_in_the_table(held, held.tickets[0], 100)
    found = admin.get(f"/api/v1/grading/sittings/{sid}/results").json()
    assert not found["check"]["intact"]
    assert f"ticket {held.tickets[0]}: score: stored 100.00" in "\n".join(found["check"]["problems"])
    refused = admin.post(f"/api/v1/grading/sittings/{sid}/publish")
    assert refused.status_code == 409 and refused.json()["code"] == "not_verified"
    page = admin.get(f"/sittings/{sid}/results").text
    assert "成绩核验未通过" in page and held.tickets[0] in page
    with held.database.transaction(write=False) as db:
        assert db.get(Publication, sid) is None
        assert trace.events(db, f"sitting:{sid}")[-1].action == "sitting.sealed"  # nothing published
