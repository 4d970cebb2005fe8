"""Suspension, revocation and reinstatement take two administrators: one proposes with a reason
and its basis, another confirms; the proposer can never confirm their own."""

import pytest
from sqlalchemy import select

from examhall.certificates import decisions
from examhall.certificates.models import StateDecision
from examhall.errors import Conflict, Forbidden, Invalid
from examhall.trace import service as trace
from examhall.trace.service import Actor
from tests.certificates.world import Issued, admin, arranged, issued, published, room
from tests.conftest import form_token

__all__ = ["arranged", "issued", "published", "room"]
FIRST, SECOND = Actor("admin_c", "admin", "test"), Actor("admin_d", "admin", "test")


def _propose(issued: Issued, action: str, who: Actor = FIRST) -> int:
    with issued.database.transaction() as db:
        return decisions.propose(
            db,
            certificate_id=issued.certificate_ids[0],
            action=action,
            reason="现场检查发现违章",
            basis="第三十条",
            actor=who,
        ).id


def _decide(issued: Issued, decision_id: int, who: Actor, *, confirm: bool = True) -> None:
    with issued.database.transaction() as db:
        decisions.decide(db, decision_id=decision_id, confirm=confirm, actor=who)


def test_the_proposer_cannot_confirm_and_the_state_changes_only_on_confirmation(issued: Issued) -> None:
    proposal = _propose(issued, "revoke")
    assert issued.certificate().state == "valid"
    with pytest.raises(Forbidden) as same:
        _decide(issued, proposal, FIRST)
    assert same.value.code == "same_person"
    assert issued.certificate().state == "valid"
    _decide(issued, proposal, SECOND)
    assert issued.certificate().state == "revoked" and issued.certificate().revision == 2
    with issued.database.transaction(write=False) as db:
        actions = [e.action for e in trace.events(db, f"certificate:{issued.certificate_ids[0]}")]
    assert actions == ["certificate.issued", "certificate.revoke_proposed", "certificate.revoked"]


def test_a_rejected_proposal_changes_nothing_and_reinstatement_takes_two_as_well(issued: Issued) -> None:
    _decide(issued, _propose(issued, "suspend"), SECOND, confirm=False)
    assert issued.certificate().state == "valid"
    _decide(issued, _propose(issued, "suspend"), SECOND)
    assert issued.certificate().state == "suspended"
    with pytest.raises(Conflict):  # a suspended certificate is not suspended again
        _propose(issued, "suspend")
    reinstating = _propose(issued, "reinstate", SECOND)
    with pytest.raises(Forbidden):
        _decide(issued, reinstating, SECOND)
    _decide(issued, reinstating, FIRST)
    assert issued.certificate().state == "valid"
    with issued.database.transaction(write=False) as db:  # the suspension stays against a longer review period
        assert decisions.violations(db, issued.certificate_ids[0]) == 1


def test_a_proposal_needs_its_reason_and_basis_and_one_at_a_time(issued: Issued) -> None:
    with issued.database.transaction() as db, pytest.raises(Invalid) as empty:
        decisions.propose(
            db, certificate_id=issued.certificate_ids[0], action="revoke", reason=" ", basis="", actor=FIRST
        )
    assert {p.where for p in empty.value.problems} == {"理由", "依据"}
    _propose(issued, "suspend")
    with pytest.raises(Conflict) as pending:
        _propose(issued, "revoke", SECOND)
    assert pending.value.code == "pending"


def test_two_administrators_on_the_certificate_page(issued: Issued) -> None:
    first, second = admin(issued.room, "admin_c"), admin(issued.room, "admin_d")
    page = f"/admin/certificates/{issued.certificate_ids[0]}"
    proposed = first.post(
        page,
        data={"csrf_token": form_token(first, page), "action": "revoke", "reason": "伪造培训记录", "basis": "第四十条"},
        follow_redirects=True,
    )
    assert "已提出撤销意见，须由另一名管理员确认后生效" in proposed.text
    assert "须由另一名管理员确认" in proposed.text and "确认撤销" not in proposed.text
    with issued.database.transaction(write=False) as db:
        decision_id = db.scalar(select(StateDecision.id))
    own = first.post(
        page, data={"csrf_token": form_token(first, page), "action": "confirm", "decision_id": decision_id}
    )
    assert own.status_code == 403 and "不能自己确认" in own.text
    listing = second.get("/admin/certificates")
    assert "待确认的处理意见（1）" in listing.text
    shown = second.get(page)
    assert "确认撤销" in shown.text
    confirmed = second.post(
        page,
        data={"csrf_token": form_token(second, page), "action": "confirm", "decision_id": decision_id},
        follow_redirects=True,
    )
    assert "已确认撤销" in confirmed.text and "已撤销" in confirmed.text


def test_other_roles_cannot_reach_the_certificate_pages(issued: Issued, staff_client: object) -> None:
    for role in ("chief_examiner", "proctor", "inspector", "judge", "trainer"):
        browser = staff_client(role)  # type: ignore[operator]
        assert browser.get(f"/admin/certificates/{issued.certificate_ids[0]}").status_code == 403
        assert browser.get("/admin/certificates").status_code == 403
