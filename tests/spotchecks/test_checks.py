"""The rules of a spot check: two officers to open it, to decide a measure and to seal it; a
quiz drawn from the worker's category alone; what a certificate shows recorded as a finding; one
quiz per worker per check; the one-time link; late answers refused; a failed special-operations
worker's certificate marked for retraining, and shown so where it is checked."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from examhall import clock
from examhall.banks.models import ItemVersion
from examhall.certificates import decisions
from examhall.errors import Conflict, Forbidden, Invalid, NotFound
from examhall.sittings.models import Certificate
from examhall.spotchecks import checks, measures, quiz, workers
from examhall.spotchecks.models import SpotCheck, SpotWorker
from examhall.trace import service as trace
from examhall.trace.service import Actor
from tests.conftest import form_token
from tests.sittings.conftest import id_number
from tests.spotchecks.site import CATEGORY, HOLDER, ZONE, Gate, gate

__all__ = ["gate"]
ADMIN, OTHER_ADMIN = Actor("admin_x", "admin", "test"), Actor("admin_y", "admin", "test")


def _add(
    gate: Gate,
    check_id: int,
    *,
    code: str = "",
    id_no: str = "",
    name: str = "",
    post: str = "special_operations",
    category: str = "",
) -> SpotWorker:
    with gate.database.transaction() as db:
        worker = workers.add_worker(
            db,
            check_id=check_id,
            form=workers.WorkerForm(code, id_no, name, post, category),
            user_id=gate.first.id,
            actor=gate.actor(gate.first),
            timezone=ZONE,
        )
        db.expunge(worker)
        return worker


def _worker(gate: Gate, worker_id: int) -> SpotWorker:
    with gate.database.transaction(write=False) as db:
        found = db.get(SpotWorker, worker_id)
        assert found is not None
        db.expunge(found)
        return found


def test_a_check_needs_two_officers_to_open(gate: Gate) -> None:
    with gate.database.transaction() as db, pytest.raises(Invalid) as alone:
        checks.open_check(
            db,
            enterprise="晋能煤业",
            place="井口",
            held_on=clock.now().date(),
            partner_id=gate.first.id,
            user_id=gate.first.id,
            actor=gate.actor(gate.first),
        )
    assert alone.value.problems[0].code == "same_officer"
    with gate.database.transaction() as db:
        check_id = checks.open_check(
            db,
            enterprise="晋能煤业",
            place="井口",
            held_on=clock.now().date(),
            partner_id=gate.second.id,
            user_id=gate.first.id,
            actor=gate.actor(gate.first),
        ).id
    with pytest.raises(Conflict) as unconfirmed:  # nothing is done before the second officer confirms
        _add(gate, check_id, code=gate.code())
    assert unconfirmed.value.code == "not_confirmed"
    with gate.database.transaction() as db, pytest.raises(Forbidden):
        checks.confirm_open(db, check_id=check_id, user_id=gate.first.id, actor=gate.actor(gate.first))
    with gate.database.transaction() as db:
        checks.confirm_open(db, check_id=check_id, user_id=gate.second.id, actor=gate.actor(gate.second))
    with gate.database.transaction(write=False) as db:
        actions = [e.action for e in trace.events(db, f"spotcheck:{check_id}")]
    assert actions == ["spotcheck.opened", "spotcheck.confirmed"]


def test_a_quiz_draws_only_from_the_worker_s_category(gate: Gate) -> None:
    check_id = gate.opened()
    special = _add(gate, check_id, code=gate.code())
    manager = _add(
        gate, check_id, id_no=id_number(clock.now().date().replace(year=1975), 3), name="王矿长", post="principal"
    )
    with gate.database.transaction(write=False) as db:
        for worker, category in ((special, CATEGORY), (manager, "煤矿主要负责人和安全生产管理人员")):
            ids = [i["v"] for i in worker.items]
            assert len(ids) == 10 and len(set(ids)) == 10
            drawn = set(db.scalars(select(ItemVersion.category).where(ItemVersion.id.in_(ids))))
            assert drawn == {category}
    with pytest.raises(Conflict) as twice:  # one quiz per worker per check
        _add(gate, check_id, id_no=HOLDER[1], name=HOLDER[0])
    assert twice.value.code == "already_quizzed"


def test_what_the_certificate_shows_is_a_finding(gate: Gate) -> None:
    check_id = gate.opened()
    code = gate.code()
    assert _add(gate, check_id, code=code).finding == "valid"
    forged = code[:-2] + ("A" if code[-2] != "A" else "B") + code[-1]
    with pytest.raises(Invalid):  # a forged code identifies nobody: the ID number is asked for
        _add(gate, check_id, code=forged)
    other = _add(
        gate,
        check_id,
        code=forged,
        id_no=id_number(clock.now().date().replace(year=1985), 9),
        name="赵某",
        category=CATEGORY,
    )
    assert other.finding == "forged"
    nobody = _add(
        gate, check_id, id_no=id_number(clock.now().date().replace(year=1986), 10), name="钱某", category=CATEGORY
    )
    assert nobody.finding == "none"
    # revoked, by two administrators; a new check finds it revoked
    with gate.database.transaction() as db:
        made = decisions.propose(
            db, certificate_id=gate.certificate_id, action="revoke", reason="伪造", basis="第四十条", actor=ADMIN
        )
    with gate.database.transaction() as db:
        decisions.decide(db, decision_id=made.id, confirm=True, actor=OTHER_ADMIN)
    assert _add(gate, gate.opened(), code=code).finding == "revoked"
    with gate.database.transaction(write=False) as db:
        events = trace.events(db, f"spotcheck:{check_id}")
        added = [trace.payload_of(e) for e in events if e.action == "spotcheck.worker_added"]
    assert [p["finding"] for p in added] == ["valid", "forged", "none"]


def test_the_one_time_link_works_once_and_only_for_its_worker(gate: Gate) -> None:
    check_id = gate.opened()
    first = _add(gate, check_id, code=gate.code())
    second = _add(
        gate, check_id, id_no=id_number(clock.now().date().replace(year=1988), 4), name="孙某", category=CATEGORY
    )
    officer = gate.browser(gate.first)
    page = officer.get(f"/spot/checks/{check_id}/workers/{first.id}/link")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    made = officer.post(f"/spot/checks/{check_id}/workers/{first.id}/link", data={"csrf_token": token})
    link = made.text.split('<p class="mono spot-link">')[1].split("<")[0]
    path = "/spot/q/" + link.rsplit("/spot/q/", 1)[1]
    phone = TestClient(gate.app)
    shown = phone.get(path)  # opening the address (or a link preview) spends nothing
    assert shown.status_code == 200 and f"我是{HOLDER[0]}，开始" in shown.text
    assert phone.get(path).status_code == 200
    token = shown.text.split('name="csrf_token" value="')[1].split('"')[0]
    opened = phone.post(path, data={"csrf_token": token})
    assert opened.status_code == 200 and str(opened.url).endswith(f"/spot/quiz/{first.id}")
    assert phone.get(f"/api/v1/spotchecks/quiz/{first.id}").json()["name"] == HOLDER[0]
    assert phone.get(f"/api/v1/spotchecks/quiz/{second.id}").status_code == 404  # someone else's quiz
    again = TestClient(gate.app)
    assert again.get(path).status_code == 404 and "此链接已使用或已失效" in again.get(path).text
    spent = again.post(path, data={"csrf_token": form_token(again, "/verify")})
    assert "此链接已使用或已失效" in spent.text
    assert again.get(f"/api/v1/spotchecks/quiz/{first.id}").status_code == 404  # no link, no quiz


def _answer_all(gate: Gate, worker: SpotWorker, right: bool) -> None:
    with gate.database.transaction() as db:
        fresh = db.get(SpotWorker, worker.id)
        assert fresh is not None
        quiz.start(db, fresh, actor=gate.actor(gate.first))
        versions = {
            v.id: v for v in db.scalars(select(ItemVersion).where(ItemVersion.id.in_([i["v"] for i in fresh.items])))
        }
        entries = []
        for n, drawn in enumerate(fresh.items, start=1):
            version = versions[drawn["v"]]
            if version.type == "true_false":
                response: object = version.answer if right else not version.answer
            else:
                shown = sorted(drawn["p"].index(i) for i in version.answer)
                letters = "".join("ABCDEFGH"[i] for i in shown)
                response = letters if right else ("A" if letters != "A" else "B")
            entries.append({"seq": n, "n": n, "response": response})
        quiz.save(db, fresh, entries=entries, actor=gate.actor(gate.first))


def test_late_answers_are_refused_and_the_score_is_the_server_s(gate: Gate) -> None:
    check_id = gate.opened()
    worker = _add(gate, check_id, code=gate.code())
    _answer_all(gate, worker, right=True)
    with gate.database.transaction() as db:  # a save sent again after a lost reply counts once
        fresh = db.get(SpotWorker, worker.id)
        assert fresh is not None
        assert quiz.save(db, fresh, entries=[{"seq": 3, "n": 3, "response": None}], actor=gate.actor(gate.first)) == 10
    started = _worker(gate, worker.id).started_at
    assert started is not None
    clock.freeze(started + timedelta(minutes=5, seconds=1))
    with gate.database.transaction() as db, pytest.raises(Conflict) as late:
        fresh = db.get(SpotWorker, worker.id)
        assert fresh is not None
        quiz.save(db, fresh, entries=[{"seq": 11, "n": 1, "response": None}], actor=gate.actor(gate.first))
    assert late.value.code == "time_over"
    with gate.database.transaction() as db:
        fresh = db.get(SpotWorker, worker.id)
        assert fresh is not None
        quiz.finish_if_due(db, fresh)
    done = _worker(gate, worker.id)
    assert done.score == 100 and done.passed


def test_a_failed_special_operations_worker_is_marked_for_retraining_where_the_certificate_is_checked(
    gate: Gate,
) -> None:
    check_id = gate.opened()
    worker = _add(gate, check_id, code=gate.code())
    _answer_all(gate, worker, right=False)
    with gate.database.transaction() as db:
        fresh = db.get(SpotWorker, worker.id)
        assert fresh is not None
        quiz.submit(db, fresh, actor=gate.actor(gate.first))
    assert _worker(gate, worker.id).passed is False
    with gate.database.transaction(write=False) as db:
        certificate = db.get(Certificate, gate.certificate_id)
        assert certificate is not None and certificate.retraining
    page = TestClient(gate.app).get(f"/verify?c={quote(gate.code())}")
    assert "现场抽考不合格，须重新培训" in page.text and "verdict-valid" in page.text


def test_measures_and_the_seal_need_both_officers(gate: Gate) -> None:
    check_id = gate.opened()
    worker = _add(gate, check_id, code=gate.code())
    with gate.database.transaction() as db:
        measure = measures.propose(
            db,
            check_id=check_id,
            kind="suspend_certificate",
            detail="现场抽考不合格，提请暂扣",
            deadline=None,
            worker_id=worker.id,
            user_id=gate.first.id,
            actor=gate.actor(gate.first),
        )
    with gate.database.transaction() as db, pytest.raises(Forbidden):
        measures.confirm(
            db, check_id=check_id, measure_id=measure.id, user_id=gate.first.id, actor=gate.actor(gate.first)
        )
    with gate.database.transaction() as db:
        measures.confirm(
            db, check_id=check_id, measure_id=measure.id, user_id=gate.second.id, actor=gate.actor(gate.second)
        )
    with gate.database.transaction(write=False) as db:  # the certificate's administrators get a proposal to decide
        assert [d.action for d in decisions.pending(db, gate.certificate_id)] == ["suspend"]
    with gate.database.transaction() as db, pytest.raises(Conflict) as unfinished:
        checks.ask_seal(db, check_id=check_id, user_id=gate.first.id, actor=gate.actor(gate.first))
    assert unfinished.value.code == "unfinished"
    _answer_all(gate, worker, right=True)
    with gate.database.transaction() as db:
        fresh = db.get(SpotWorker, worker.id)
        assert fresh is not None
        quiz.submit(db, fresh, actor=gate.actor(gate.first))
    with gate.database.transaction() as db:
        checks.ask_seal(db, check_id=check_id, user_id=gate.first.id, actor=gate.actor(gate.first))
    with gate.database.transaction() as db, pytest.raises(Forbidden):
        checks.confirm_seal(db, check_id=check_id, user_id=gate.first.id, actor=gate.actor(gate.first))
    with gate.database.transaction() as db:
        checks.confirm_seal(db, check_id=check_id, user_id=gate.second.id, actor=gate.actor(gate.second))
    with gate.database.transaction(write=False) as db:
        check = db.get(SpotCheck, check_id)
        assert check is not None and check.state == "sealed"
        assert checks.verify(db, check_id).intact
    with pytest.raises(Conflict):  # nothing more after the seal
        _add(gate, check_id, id_no=id_number(clock.now().date().replace(year=1990), 5), name="周某", category=CATEGORY)
    with gate.database.transaction() as db:  # but a deadline's follow-up is recorded, signed, after the seal
        measures.follow_up(
            db,
            check_id=check_id,
            measure_id=measure.id,
            text="已暂扣",
            user_id=gate.second.id,
            actor=gate.actor(gate.second),
        )
    with gate.database.transaction(write=False) as db:
        assert checks.verify(db, check_id).intact


def test_someone_else_s_check_is_not_found(gate: Gate, staff_client: object) -> None:
    check_id = gate.opened()
    stranger = staff_client("officer", "officer_c")  # type: ignore[operator]
    assert stranger.get(f"/spot/checks/{check_id}").status_code == 404
    with gate.database.transaction() as db, pytest.raises(NotFound):
        checks.mine(db, check_id, 9999)
    for role in ("admin", "proctor", "inspector"):
        assert staff_client(role).get(f"/spot/checks/{check_id}").status_code == 403  # type: ignore[operator]


def test_a_certificate_must_be_of_the_post_chosen(gate: Gate) -> None:
    check_id = gate.opened()
    with pytest.raises(Invalid) as mismatch:  # a special-operations certificate shown by a principal
        _add(gate, check_id, code=gate.code(), post="principal")
    assert mismatch.value.problems[0].code == "post_mismatch"


def test_a_follow_up_waits_for_its_deadline(gate: Gate) -> None:
    check_id = gate.opened()
    due = clock.now().date() + timedelta(days=30)
    with gate.database.transaction() as db:
        measure = measures.propose(
            db,
            check_id=check_id,
            kind="rectify",
            detail="安全培训档案不全，限期补齐",
            deadline=due,
            worker_id=None,
            user_id=gate.first.id,
            actor=gate.actor(gate.first),
        )
    with gate.database.transaction() as db:
        measures.confirm(
            db, check_id=check_id, measure_id=measure.id, user_id=gate.second.id, actor=gate.actor(gate.second)
        )
    with gate.database.transaction() as db, pytest.raises(Conflict) as early:
        measures.follow_up(
            db,
            check_id=check_id,
            measure_id=measure.id,
            text="已补齐",
            user_id=gate.first.id,
            actor=gate.actor(gate.first),
        )
    assert early.value.code == "deadline_ahead"
    clock.freeze(clock.now() + timedelta(days=31))
    with gate.database.transaction() as db:
        done = measures.follow_up(
            db,
            check_id=check_id,
            measure_id=measure.id,
            text="已补齐",
            user_id=gate.first.id,
            actor=gate.actor(gate.first),
        )
        assert done.follow_up == "已补齐"


def test_a_score_changed_in_the_table_is_found_against_the_chain(gate: Gate) -> None:
    check_id = gate.opened()
    worker = _add(gate, check_id, code=gate.code())
    _answer_all(gate, worker, right=False)
    with gate.database.transaction() as db:
        fresh = db.get(SpotWorker, worker.id)
        assert fresh is not None
        quiz.submit(db, fresh, actor=gate.actor(gate.first))
    with gate.database.transaction(write=False) as db:
        fresh = db.get(SpotWorker, worker.id)
        assert fresh is not None and quiz.differences(db, fresh) == []
    with gate.database.transaction() as db:  # someone with database rights turns the fail into a pass
        db.execute(update(SpotWorker).where(SpotWorker.id == worker.id).values(score=100, passed=True))
    with gate.database.transaction(write=False) as db:
        fresh = db.get(SpotWorker, worker.id)
        assert fresh is not None
        found = quiz.differences(db, fresh)
        assert len(found) == 1 and "derived from the chain, 0.00 (False)" in found[0]
        assert not checks.verify(db, check_id).intact
