"""The public check: a QR code's signed text, checked offline with the public key alone and on
/verify; a changed character fails; each standing is shown for what it is; typed lookups are
throttled; a certificate whose row was changed behind the chain is never called valid."""

from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import update

from examhall import clock
from examhall.certificates import decisions, service, token
from examhall.cli import main
from examhall.sittings.models import Candidate, Certificate
from examhall.trace.signing import Signer, load_key, public_pem
from tests.certificates.world import Issued, admin, arranged, issued, published, room, today
from tests.conftest import TEST_ACTOR, form_token
from tests.delivery.conftest import Room

__all__ = ["arranged", "issued", "published", "room"]


def _code(issued: Issued, k: int = 0) -> str:
    with issued.database.transaction(write=False) as db:
        return service.code_of(db, service.view(db, issued.certificate_ids[k], today=today()))


def _verify_page(room: Room, code: str) -> str:
    response = TestClient(room.app).get(f"/verify?c={quote(code)}")
    assert response.status_code == 200, response.text
    return response.text


def _holder(issued: Issued, k: int = 0) -> Candidate:
    with issued.database.transaction(write=False) as db:
        holder = db.get(Candidate, issued.certificate(k).candidate_id)
        assert holder is not None
        db.expunge(holder)
        return holder


def test_a_code_verifies_offline_with_the_public_key_and_every_changed_character_fails(
    issued: Issued, signing_key_file: Path
) -> None:
    code = _code(issued)
    public = load_key(signing_key_file).public
    checked = token.check(public, code)
    assert checked.facts is not None and checked.facts["n"] == issued.certificate().number
    assert token.check(public, token.qr_text("https://exam.example.cn", code)).facts == checked.facts
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for position in range(len("EHC1."), len(code)):
        if code[position] == ".":
            continue
        changed = code[:position] + alphabet[(alphabet.index(code[position]) + 1) % 64] + code[position + 1 :]
        assert token.check(public, changed).facts is None, f"a change at {position} was accepted"
    # a code made with another key, with the same facts, is refused too
    forged = token.make(Signer(Ed25519PrivateKey.generate()), checked.facts)
    assert token.check(public, forged).facts is None


def test_cert_verify_checks_the_signature_offline_and_the_state_online(
    issued: Issued,
    signing_key_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = issued.room.app.state.settings
    monkeypatch.setenv("EXAMHALL_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("EXAMHALL_SIGNING_KEY_FILE", str(signing_key_file))
    monkeypatch.setenv("EXAMHALL_TRACE_KEY", settings.trace_key)
    pem = tmp_path / "public.pem"
    pem.write_text(public_pem(load_key(signing_key_file).public))
    code = _code(issued)
    assert main(["cert", "verify", code, "--public-key", str(pem)]) == 0
    assert "signature valid" in capsys.readouterr().out
    assert main(["cert", "verify", code[:-2] + ("A" if code[-2] != "A" else "B") + code[-1]]) == 1
    assert "does NOT verify" in capsys.readouterr().err
    assert main(["cert", "verify", token.qr_text(settings.public_url, code)]) == 0
    assert "valid today" in capsys.readouterr().out
    with issued.database.transaction() as db:
        db.execute(update(Certificate).where(Certificate.id == issued.certificate_ids[0]).values(state="revoked"))
    assert main(["cert", "verify", code]) == 1  # the row was changed behind the chain: not valid
    assert "unverified" in capsys.readouterr().err


def test_verify_shows_a_valid_certificate_from_its_code_and_no_more_than_the_certificate(issued: Issued) -> None:
    page = _verify_page(issued.room, _code(issued))
    holder = _holder(issued)
    assert "verdict-valid" in page and holder.name in page
    assert holder.id_number not in page  # the ID number is shown masked
    assert holder.id_number[:6] + "********" + holder.id_number[-4:] in page
    assert "山西省应急管理厅" in page


def test_verify_names_a_forged_code(issued: Issued) -> None:
    code = _code(issued)
    page = _verify_page(issued.room, code[:-3] + ("x" if code[-3] != "x" else "y") + code[-2:])
    assert "verdict-unknown" in page and "被改动" in page


def test_expired_suspended_and_revoked_certificates_show_as_such(issued: Issued) -> None:
    code = _code(issued)
    clock.freeze(clock.now() + timedelta(days=3 * 366))  # the review was due and not done
    assert "已失效（逾期未复审）" in _verify_page(issued.room, code)
    clock.freeze(clock.now() + timedelta(days=7 * 366))
    assert "已失效（超过有效期）" in _verify_page(issued.room, code)
    clock.freeze(None)
    certificate_id = issued.certificate_ids[0]
    with issued.database.transaction() as db:
        proposal = decisions.propose(
            db, certificate_id=certificate_id, action="suspend", reason="违章作业", basis="第三十条", actor=TEST_ACTOR
        )
    other = TEST_ACTOR.__class__("another", "admin", "test")
    with issued.database.transaction() as db:
        decisions.decide(db, decision_id=proposal.id, confirm=True, actor=other)
    page = _verify_page(issued.room, code)
    assert "verdict-suspended" in page and "暂扣" in page
    assert "较早的打印件" in page  # the printed code predates the suspension
    with issued.database.transaction() as db:
        proposal = decisions.propose(
            db,
            certificate_id=certificate_id,
            action="revoke",
            reason="伪造证书材料",
            basis="第四十条",
            actor=TEST_ACTOR,
        )
    with issued.database.transaction() as db:
        decisions.decide(db, decision_id=proposal.id, confirm=True, actor=other)
    assert "verdict-revoked" in _verify_page(issued.room, code)


def test_a_row_changed_behind_its_chain_is_never_called_valid(issued: Issued) -> None:
    code = _code(issued)
    with issued.database.transaction() as db:  # someone with database rights extends a lapsed certificate
        db.execute(
            update(Certificate).where(Certificate.id == issued.certificate_ids[0]).values(valid_until=date(2099, 1, 1))
        )
    page = _verify_page(issued.room, code)
    assert "verdict-valid" not in page and "暂无法核验" in page


def test_verify_by_id_number_and_name_and_its_throttle(issued: Issued) -> None:
    holder = _holder(issued)
    browser = TestClient(issued.room.app)
    token_ = form_token(browser, "/verify")
    found = browser.post("/verify", data={"csrf_token": token_, "id_number": holder.id_number, "name": holder.name})
    assert found.status_code == 200 and "verdict-valid" in found.text
    wrong = browser.post("/verify", data={"csrf_token": token_, "id_number": holder.id_number, "name": "张三丰"})
    assert "verdict-valid" not in wrong.text and "没有与该身份证号和姓名相符的证书" in wrong.text
    limit = issued.room.app.state.settings.login_max_failures_per_address
    for _ in range(limit - 2):
        browser.post("/verify", data={"csrf_token": token_, "id_number": holder.id_number, "name": "李四"})
    throttled = browser.post("/verify", data={"csrf_token": token_, "id_number": holder.id_number, "name": holder.name})
    assert throttled.status_code == 429 and "查询次数过多" in throttled.text


def test_the_api_check_answers_as_the_page_does(issued: Issued, staff_client: object) -> None:
    code = _code(issued)
    anyone = TestClient(issued.room.app)
    answer = anyone.post("/api/v1/certificates/check", json={"code": code}).json()
    holder = _holder(issued)
    assert answer["standing"] == "valid" and answer["certificate"]["holder"] == holder.name
    assert holder.id_number not in str(answer)
    forged = anyone.post("/api/v1/certificates/check", json={"code": code[:-1] + ("A" if code[-1] != "A" else "B")})
    assert forged.json()["standing"] == "unknown" and forged.json()["certificate"] is None
    seen = admin(issued.room).get(f"/api/v1/certificates/{issued.certificate_ids[0]}").json()
    assert seen["intact"] and seen["id_number"] == holder.id_number and seen["kind"] == "TZ-AJ"
    assert staff_client("proctor").get(f"/api/v1/certificates/{issued.certificate_ids[0]}").status_code == 403  # type: ignore[operator]
