"""Review (复审): the periods' rule on hand-picked dates, and a recorded review that extends a
certificate only when its hours, its exam and its window are right."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from examhall import clock
from examhall.certificates import ledger, reviews
from examhall.certificates.periods import Periods, add_years, after_review, extension_allowed, first_dates
from examhall.errors import Conflict, Invalid
from examhall.sittings.models import Certificate, ExamRecord
from tests.certificates.world import Issued, arranged, issued, published, room
from tests.conftest import TEST_ACTOR

__all__ = ["arranged", "issued", "published", "room"]
SPECIAL = Periods(valid_years=6, review_years=3, extended_review_years=6, extension_after_years=10)
PROOF = Periods(valid_years=3, review_years=None, extended_review_years=None, extension_after_years=None)


def test_first_dates_follow_the_kind() -> None:
    assert first_dates(SPECIAL, date(2026, 3, 1)) == (date(2032, 3, 1), date(2029, 3, 1))
    assert first_dates(PROOF, date(2026, 3, 1)) == (date(2029, 3, 1), None)
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)


def test_a_review_moves_the_next_one_on_and_the_last_one_renews_the_validity() -> None:
    # at 3 years: validity unchanged, the next review at its end
    mid = after_review(SPECIAL, valid_until=date(2032, 3, 1), due=date(2029, 3, 1), extended=False)
    assert (mid.valid_until, mid.next_review_on) == (date(2032, 3, 1), date(2032, 3, 1))
    # at 6 years (延期复审): six more years, the next review three years on
    end = after_review(SPECIAL, valid_until=date(2032, 3, 1), due=date(2032, 3, 1), extended=False)
    assert (end.valid_until, end.next_review_on) == (date(2038, 3, 1), date(2035, 3, 1))
    # extended: the next review six years on, never past the validity
    longer = after_review(SPECIAL, valid_until=date(2032, 3, 1), due=date(2032, 3, 1), extended=True)
    assert (longer.valid_until, longer.next_review_on) == (date(2038, 3, 1), date(2038, 3, 1))


def test_the_longer_period_needs_ten_years_in_the_trade_and_no_violation() -> None:
    first = date(2016, 5, 1)
    assert extension_allowed(SPECIAL, first_issued_on=first, on=date(2026, 5, 1), violations=0)
    assert not extension_allowed(SPECIAL, first_issued_on=first, on=date(2026, 4, 30), violations=0)
    assert not extension_allowed(SPECIAL, first_issued_on=first, on=date(2026, 5, 1), violations=1)
    assert not extension_allowed(PROOF, first_issued_on=first, on=date(2030, 1, 1), violations=0)


def _record(issued: Issued, on: date, hours: str = "8", *, clean: bool = False) -> None:
    with issued.database.transaction() as db:
        reviews.record_review(
            db,
            certificate_id=issued.certificate_ids[0],
            form=reviews.ReviewForm(on, Decimal(hours), clean),
            actor=TEST_ACTOR,
        )


def _review_exam_passed(issued: Issued, on: date) -> None:
    certificate = issued.certificate()
    with issued.database.transaction() as db:
        db.add(
            ExamRecord(
                candidate_id=certificate.candidate_id,
                category=certificate.category,
                sat_on=on,
                passed=True,
                sitting_id=issued.room.sitting_id,
            )
        )


def test_a_passed_review_extends_the_certificate_by_the_rule(issued: Issued) -> None:
    before = issued.certificate()
    assert before.next_review_on is not None
    due = before.next_review_on
    with pytest.raises(Conflict) as early:
        _record(issued, due - timedelta(days=61))
    assert early.value.code == "review_early"
    with pytest.raises(Invalid) as short:
        _record(issued, due - timedelta(days=10), "6")
    assert short.value.code == "hours_short"
    with pytest.raises(Conflict) as no_exam:
        _record(issued, due - timedelta(days=10))
    assert no_exam.value.code == "no_review_exam"
    _review_exam_passed(issued, due - timedelta(days=20))
    _record(issued, due - timedelta(days=10))
    after = issued.certificate()
    assert after.valid_until == before.valid_until and after.next_review_on == before.valid_until
    assert after.revision == before.revision + 1
    with issued.database.transaction(write=False) as db:
        certificate = db.get(Certificate, issued.certificate_ids[0])
        assert certificate is not None and ledger.check(db, certificate).intact


def _imported(issued: Issued, *, first_issued_on: date, valid_until: date) -> int:
    """An older certificate, brought in from before, whose end-of-validity review is near."""
    holder = issued.certificate(1)
    with issued.database.transaction() as db:
        certificate = Certificate(
            candidate_id=holder.candidate_id,
            kind_id=issued.kind_id,
            number=holder.number,
            category=holder.category,
            work_class=holder.work_class,
            operation_item="井下电气作业",
            first_issued_on=first_issued_on,
            issued_on=add_years(valid_until, -6),
            valid_until=valid_until,
            next_review_on=valid_until,
            issuer="山西省应急管理厅",
            state="valid",
            origin="imported",
            revision=1,
        )
        ledger.open_certificate(db, certificate, actor=TEST_ACTOR, note={"row": 2})
        return certificate.id


@pytest.mark.parametrize(("years", "clean", "extended"), [(11, True, True), (11, False, False), (8, True, False)])
def test_the_longer_period_goes_to_ten_years_in_the_trade_without_violation(
    issued: Issued, years: int, clean: bool, extended: bool
) -> None:
    today = clock.local_date(clock.now(), "Asia/Shanghai")
    ends = today + timedelta(days=30)
    certificate_id = _imported(issued, first_issued_on=add_years(today, -years), valid_until=ends)
    _review_exam_passed(issued, today)
    with issued.database.transaction() as db:
        made = reviews.record_review(
            db,
            certificate_id=certificate_id,
            form=reviews.ReviewForm(today, Decimal(8), clean),
            actor=TEST_ACTOR,
        )
        assert made.extended is extended
        assert made.valid_until == add_years(ends, 6)
        assert made.next_review_on == add_years(ends, 6 if extended else 3)
        certificate = db.get(Certificate, certificate_id)
        assert certificate is not None and ledger.check(db, certificate).intact


def test_a_missed_review_cannot_be_recorded_late(issued: Issued) -> None:
    due = issued.certificate().next_review_on
    assert due is not None
    _review_exam_passed(issued, due)
    with pytest.raises(Conflict) as late:
        _record(issued, due + timedelta(days=1))
    assert late.value.code == "review_missed"
    assert issued.certificate().revision == 1
