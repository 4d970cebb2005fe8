"""Issuing: only from a sealed, published sitting that still passes its check, in the batch the
administrator confirmed; each certificate on its own chain, the batch on the sealed sitting's."""

from datetime import date

import pytest
from sqlalchemy import select, update

from examhall.certificates import issuing, ledger
from examhall.errors import Conflict
from examhall.grading import sealing
from examhall.sittings.models import Candidate, Certificate, ExamRecord
from examhall.trace import service as trace
from tests.certificates.world import Issued, add_kind, admin, arranged, held_and_sealed, issued, published, room, today
from tests.conftest import TEST_ACTOR
from tests.delivery.conftest import Room
from tests.sittings.conftest import ZONE

__all__ = ["arranged", "issued", "published", "room"]


def _issue(room: Room, expected: int = 3) -> list[Certificate]:
    with room.database.transaction() as db:
        return issuing.issue_for_sitting(
            db, sitting_id=room.sitting_id, expected=expected, actor=TEST_ACTOR, timezone=ZONE
        )


def test_issuing_is_refused_before_the_seal_and_before_publication(room: Room) -> None:
    add_kind(room.database)
    with pytest.raises(Conflict) as unsealed:
        _issue(room)
    assert unsealed.value.code == "not_sealed"
    held_and_sealed(room, publish=False)
    with pytest.raises(Conflict) as unpublished:
        _issue(room)
    assert unpublished.value.code == "not_published"
    with room.database.transaction(write=False) as db:
        assert db.scalar(select(Certificate.id)) is None


def test_issuing_is_refused_for_a_sitting_that_no_longer_verifies(published: Room) -> None:
    add_kind(published.database)
    with published.database.transaction() as db:  # the exam history publication wrote, changed afterwards
        db.execute(update(ExamRecord).where(ExamRecord.sitting_id == published.sitting_id).values(passed=False))
    with pytest.raises(Conflict) as refused:
        _issue(published)
    assert refused.value.code == "not_verified"
    with published.database.transaction(write=False) as db:
        assert db.scalar(select(Certificate.id)) is None


def test_issuing_needs_a_kind_for_the_category(published: Room) -> None:
    with pytest.raises(Conflict) as refused:
        _issue(published)
    assert refused.value.code == "no_kind"


def test_the_batch_issued_is_the_batch_confirmed(published: Room) -> None:
    add_kind(published.database)
    with pytest.raises(Conflict) as changed:
        _issue(published, expected=2)
    assert changed.value.code == "batch_changed"
    made = _issue(published)
    assert len(made) == 3
    with pytest.raises(Conflict) as again:  # nobody gets a second one from the same sitting
        _issue(published)
    assert again.value.code == "nothing_due"


def test_an_issued_certificate_carries_the_kind_s_rule_and_its_chain(issued: Issued) -> None:
    with issued.database.transaction(write=False) as db:
        for certificate_id in issued.certificate_ids:
            certificate = db.get(Certificate, certificate_id)
            assert certificate is not None
            holder = db.get(Candidate, certificate.candidate_id)
            assert holder is not None
            day = today()
            assert certificate.number == holder.id_number  # special operations: the ID number
            assert certificate.first_issued_on == certificate.issued_on == day
            assert certificate.valid_until == day.replace(year=day.year + 6)
            assert certificate.next_review_on == day.replace(year=day.year + 3)
            assert certificate.issuer == "山西省应急管理厅" and certificate.state == "valid"
            assert ledger.check(db, certificate).intact
            assert [e.action for e in trace.events(db, certificate.chain)] == ["certificate.issued"]
        sitting_events = trace.events(db, f"sitting:{issued.room.sitting_id}")
        assert sitting_events[-1].action == "certificates.issued"
        # the batch's event on the sealed chain is signed, and the sitting still verifies
        assert sealing.verify_sitting(db, issued.room.sitting_id).intact


def test_a_changed_certificate_row_is_found_by_its_chain(issued: Issued) -> None:
    with issued.database.transaction() as db:
        db.execute(
            update(Certificate).where(Certificate.id == issued.certificate_ids[0]).values(valid_until=date(2099, 1, 1))
        )
    with issued.database.transaction(write=False) as db:
        certificate = db.get(Certificate, issued.certificate_ids[0])
        assert certificate is not None
        found = ledger.check(db, certificate)
        assert not found.intact
        assert [d.field for d in found.differences] == ["valid_until"]


def test_the_issue_page_lists_the_batch_and_issues_it_on_confirmation(published: Room) -> None:
    add_kind(published.database)
    browser = admin(published)
    page = browser.get(f"/admin/sittings/{published.sitting_id}/certificates")
    assert page.status_code == 200 and "颁发 3 本证书" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    stale = browser.post(
        f"/admin/sittings/{published.sitting_id}/certificates", data={"csrf_token": token, "expected": "4"}
    )
    assert stale.status_code == 409 and "待发证名单已变化" in stale.text
    done = browser.post(
        f"/admin/sittings/{published.sitting_id}/certificates",
        data={"csrf_token": token, "expected": "3"},
        follow_redirects=True,
    )
    assert "已颁发证书 3 本" in done.text and "已持有" in done.text


def test_the_issue_page_says_why_nothing_can_be_issued(room: Room) -> None:
    add_kind(room.database)
    page = admin(room).get(f"/admin/sittings/{room.sitting_id}/certificates")
    assert page.status_code == 200 and "场次尚未封存，不能颁发证书" in page.text
