"""A composite assessment that passes issues its teacher's certificate where a kind is set for
its plan's category: only once the assessment is sealed and still verifies."""

import pytest
from sqlalchemy import select

from examhall.assessments import sealing
from examhall.certificates import issuing, ledger
from examhall.errors import Conflict
from examhall.sittings.models import Candidate, Certificate
from tests.assessments.conftest import lecture_marks
from tests.assessments.test_service import _held_world, _publish, _sat_on, _sit
from tests.certificates.world import add_kind, arranged, room
from tests.conftest import TEST_ACTOR
from tests.delivery.conftest import Room
from tests.sittings.conftest import ZONE

__all__ = ["arranged", "room"]


def _issue(room: Room, aid: int, expected: int) -> list[Certificate]:
    with room.database.transaction() as db:
        return issuing.issue_for_assessment(db, assessment_id=aid, expected=expected, actor=TEST_ACTOR, timezone=ZONE)


def test_a_passed_teacher_assessment_issues_once_sealed(room: Room) -> None:
    held = _sit(room, [85, 90, 60])
    world = _held_world(held)
    _publish(held)
    aid = world.assessment(world.teacher_plan(), candidates=[(n, "") for n in held.ids], held_on=_sat_on(held))
    for entry, totals in zip(world.entries(aid), ([80, 78, 76], [68, 66, 64], [95, 95, 95], [90, 90, 90]), strict=True):
        for judge, total in zip(world.panel(aid), totals, strict=True):
            world.score(aid, entry, judge, lecture_marks(total))
    add_kind(
        held.database,
        code="JS-PX",
        name="安全培训教师资格证明",
        source="assessment",
        category="煤矿安全培训",
        work_class="",
        operation_item="",
        numbering="serial",
        valid_years=3,
        review_years=None,
        extended_review_years=None,
        extension_after_years=None,
        review_exam=False,
    )
    with pytest.raises(Conflict) as unsealed:
        _issue(held, aid, 1)
    assert unsealed.value.code == "not_sealed"
    assert world.chief.post(f"/api/v1/assessments/{aid}/seal").status_code == 200
    made = _issue(held, aid, 1)  # only the first candidate passed the composite
    with held.database.transaction(write=False) as db:
        certificate = db.get(Certificate, made[0].id)
        assert certificate is not None
        holder = db.scalar(select(Candidate).where(Candidate.id == certificate.candidate_id))
        assert holder is not None and holder.id_number == held.ids[0]
        assert certificate.number.startswith("JS-PX") and certificate.assessment_id == aid
        assert certificate.next_review_on is None
        assert ledger.check(db, certificate).intact
        assert sealing.verify(db, aid) == []  # the batch's event after the seal is signed
