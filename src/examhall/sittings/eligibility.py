"""Eligibility review (资格审查): who may sit an exam, each refusal with its reason. Pure: the
service gathers the facts from the records."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ADULT = 18
# A certificate's review is done within the 60 days before it is due (特种作业人员安全技术培训考核
# 管理规定 第二十二条): a holder may sit the review exam from then on.
REVIEW_WINDOW = timedelta(days=60)


@dataclass(frozen=True)
class Facts:
    exam_date: date
    birth_date: date
    category: str
    required_hours: Decimal
    training_hours: Decimal  # recorded for the category, in the latest training
    certified_until: date | None  # a certificate of the category, if one is held (not revoked)
    fails_since_training: int  # failed sittings of the category since that training
    banned_until: date | None  # the end of the latest ban for misconduct, if any
    review_due: date | None = None  # that certificate's next review
    certificate_suspended: bool = False  # that certificate is suspended (暂扣)


@dataclass(frozen=True)
class Refusal:
    code: str
    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en}


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def refusals(facts: Facts) -> list[Refusal]:
    found = []
    if (age := age_on(facts.birth_date, facts.exam_date)) < ADULT:
        found.append(
            Refusal("under_age", f"考试之日未满{ADULT}周岁（{age}岁）", f"under {ADULT} on the exam date ({age})")
        )
    if facts.training_hours < facts.required_hours:
        found.append(
            Refusal(
                "training_incomplete",
                f"“{facts.category}”培训学时不足：已记录{facts.training_hours.normalize():f}学时，需{facts.required_hours.normalize():f}学时",
                f"training for {facts.category} incomplete: {facts.training_hours} of "
                f"{facts.required_hours} hours recorded",
            )
        )
    reviewing = facts.review_due is not None and facts.review_due - REVIEW_WINDOW <= facts.exam_date
    if facts.certificate_suspended:
        found.append(
            Refusal(
                "certificate_suspended",
                f"持有的“{facts.category}”证书被暂扣，暂扣期间不得报考",
                f"the {facts.category} certificate held is suspended",
            )
        )
    elif facts.certified_until is not None and facts.certified_until >= facts.exam_date and not reviewing:
        found.append(
            Refusal(
                "already_certified",
                f"已持有有效的“{facts.category}”证书（有效期至{facts.certified_until}）",
                f"already holds a valid {facts.category} certificate (until {facts.certified_until})",
            )
        )
    if facts.fails_since_training >= 2:
        found.append(
            Refusal(
                "retraining_required",
                "补考仍不合格，须重新参加培训并记录后方可再次报考",
                "failed the re-sit; retraining must be recorded before another attempt",
            )
        )
    if facts.banned_until is not None and facts.banned_until >= facts.exam_date:
        found.append(
            Refusal(
                "banned",
                f"因违纪处理，{facts.banned_until}前不得报考",
                f"barred from exams until {facts.banned_until} after a misconduct decision",
            )
        )
    return found
