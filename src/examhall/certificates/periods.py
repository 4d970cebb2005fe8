"""How long a certificate lasts and when it is reviewed (复审). Pure: the periods come from its
kind, which the administrator sets.

A special-operations certificate (特种作业操作证) is valid 6 years and reviewed every 3; a holder
with 10 years or more in the trade and no violation may have the next review 6 years on. The
review due at the end of the validity renews it for another full period (延期复审)."""

from dataclasses import dataclass
from datetime import date

from examhall.sittings.eligibility import REVIEW_WINDOW

__all__ = ["REVIEW_WINDOW"]  # one not done by the day it is due leaves the certificate lapsed


@dataclass(frozen=True)
class Periods:
    valid_years: int
    review_years: int | None
    extended_review_years: int | None
    extension_after_years: int | None


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def first_dates(periods: Periods, issued_on: date) -> tuple[date, date | None]:
    """(valid until, first review due) of a certificate issued on `issued_on`."""
    valid_until = add_years(issued_on, periods.valid_years)
    if periods.review_years is None:
        return valid_until, None
    return valid_until, min(add_years(issued_on, periods.review_years), valid_until)


def extension_allowed(periods: Periods, *, first_issued_on: date, on: date, violations: int) -> bool:
    if periods.extended_review_years is None or periods.extension_after_years is None:
        return False
    return violations == 0 and add_years(first_issued_on, periods.extension_after_years) <= on


@dataclass(frozen=True)
class Renewal:
    valid_until: date
    next_review_on: date | None
    extended: bool


def after_review(periods: Periods, *, valid_until: date, due: date | None, extended: bool) -> Renewal:
    """The dates a passed review gives. The review due at the end of the validity renews it for
    another full period; one due before moves the next review on by the (possibly extended)
    period, never past the validity."""
    period = periods.extended_review_years if extended and periods.extended_review_years else periods.review_years
    due = due or valid_until
    if due >= valid_until:
        renewed = add_years(valid_until, periods.valid_years)
        following = add_years(valid_until, period) if period else None
        return Renewal(renewed, min(following, renewed) if following else None, extended)
    following = add_years(due, period) if period else valid_until
    return Renewal(valid_until, min(following, valid_until), extended)
