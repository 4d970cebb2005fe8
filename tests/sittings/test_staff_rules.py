"""Who may serve a sitting: a sitting that is over keeps no one busy, and a draw the pool cannot
fill says, by reason and by name, who was left out."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from examhall.accounts.models import User
from examhall.db import Database
from examhall.errors import Conflict, Invalid
from examhall.sittings import service, staffing
from examhall.sittings.models import Assignment, Sitting
from tests.conftest import TEST_ACTOR, add_staff
from tests.sittings.conftest import Arranged, import_roster, person, roster_csv, schedule


def _pooled(database: Database, name: str, role: str, *, institution: str = "", trainer: bool = False) -> User:
    user = add_staff(database, name, role)
    with database.transaction() as db:
        found = service.institution(db, institution, actor=TEST_ACTOR).id if institution else None
        staffing.add_to_pool(db, user_id=user.id, institution_id=found, trainer=trainer, actor=TEST_ACTOR)
    return user


def _assign(database: Database, sitting_id: int, user: User, role: str = "proctor") -> None:
    with database.transaction() as db:
        staffing.assign(db, sitting_id=sitting_id, user_id=user.id, role=role, actor=TEST_ACTOR)


def _set_state(database: Database, sitting_id: int, state: str) -> None:
    with database.transaction() as db:
        sitting = db.get(Sitting, sitting_id)
        assert sitting is not None
        sitting.state = state


@pytest.mark.parametrize("state", ["ended", "sealed"])
def test_a_sitting_that_is_over_does_not_block_an_assignment_at_the_same_time(arranged: Arranged, state: str) -> None:
    user = _pooled(arranged.database, "li", "proctor")
    earlier = schedule(arranged.database, arranged, arranged.starts_at + timedelta(minutes=30))
    _assign(arranged.database, earlier, user)
    _set_state(arranged.database, earlier, state)
    _assign(arranged.database, arranged.sitting_id, user)
    with arranged.database.transaction(write=False) as db:
        served = set(db.scalars(select(Assignment.sitting_id).where(Assignment.user_id == user.id)))
    assert served == {earlier, arranged.sitting_id}


def test_a_sitting_still_running_blocks_it_and_names_the_sitting(arranged: Arranged) -> None:
    user = _pooled(arranged.database, "li", "proctor")
    other = schedule(arranged.database, arranged, arranged.starts_at + timedelta(minutes=30))
    _assign(arranged.database, other, user)
    _set_state(arranged.database, other, "open")
    with pytest.raises(Invalid) as refused:
        _assign(arranged.database, arranged.sitting_id, user)
    busy = next(p for p in refused.value.problems if p.code == "busy")
    assert "煤矿安全检查作业 安全技术理论考试" in busy.zh and "第一考场" in busy.zh
    assert f"场次{other}" not in busy.zh  # the sitting by its name, not its number


def test_a_draw_the_pool_cannot_fill_counts_who_was_left_out_by_reason(arranged: Arranged) -> None:
    database = arranged.database
    import_roster(arranged, roster_csv([person(1, institution="晋安培训中心")]))
    _pooled(database, "chief1", "chief_examiner")
    _pooled(database, "teacher", "proctor", trainer=True)
    _pooled(database, "same_school", "proctor", institution="晋安培训中心")
    busy = _pooled(database, "busy", "proctor")
    other = schedule(database, arranged, arranged.starts_at + timedelta(minutes=30))
    _assign(database, other, busy)
    add_staff(database, "outside", "proctor")  # an account, never put in the pool
    fair = _pooled(database, "fair", "proctor", institution="另一机构")

    with pytest.raises(Conflict) as refused, database.transaction() as db:
        staffing.draw(db, sitting_id=arranged.sitting_id, actor=TEST_ACTOR)
    error = refused.value
    assert error.code == "pool_short"
    assert "需要2人，符合条件的只有1人" in error.zh
    texts = {p.code: p.zh for p in error.problems}
    assert set(texts) == {"trainer", "own_trainees", "busy", "not_in_pool"}
    assert texts["trainer"] == "是培训教师（教考分离）：1人（teacher）"
    assert texts["own_trainees"] == "所在培训机构与本场考生的培训机构相同（教考分离）：1人（same_school）"
    assert texts["busy"] == "同一时间在其他场次任职：1人（busy）"
    assert texts["not_in_pool"] == "有账号但未加入考务人员库：1人（outside）"
    assert fair.username not in " ".join(texts.values())
    with database.transaction(write=False) as db:
        assert staffing.staff_of(db, arranged.sitting_id) == []  # nothing drawn, not even the chief


def test_a_draw_with_nobody_of_a_role_says_the_pool_is_empty(arranged: Arranged) -> None:
    with pytest.raises(Conflict) as refused, arranged.database.transaction() as db:
        staffing.draw(db, sitting_id=arranged.sitting_id, actor=TEST_ACTOR)
    assert "需要1人，符合条件的只有0人" in refused.value.zh
    assert [p.code for p in refused.value.problems] == ["pool_empty"]


def test_once_the_other_sitting_is_sealed_the_draw_takes_its_staff(arranged: Arranged) -> None:
    database = arranged.database
    chief = _pooled(database, "chief1", "chief_examiner")
    proctors = [_pooled(database, f"p{k}", "proctor") for k in range(2)]
    other = schedule(database, arranged, arranged.starts_at + timedelta(minutes=30))
    for user, role in ((chief, "chief_examiner"), *((p, "proctor") for p in proctors)):
        _assign(database, other, user, role)
    with pytest.raises(Conflict), database.transaction() as db:
        staffing.draw(db, sitting_id=arranged.sitting_id, actor=TEST_ACTOR)
    _set_state(database, other, "sealed")
    with database.transaction() as db:
        made = staffing.draw(db, sitting_id=arranged.sitting_id, actor=TEST_ACTOR)
    assert {a.user_id for a in made} == {chief.id, *(p.id for p in proctors)}
