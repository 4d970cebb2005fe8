"""Where a certificate stands on a day, as the public check and every page says it: valid,
expired (its validity over, or its review missed), suspended or revoked."""

from dataclasses import dataclass
from datetime import date

from examhall.sittings.models import Certificate

VALID, EXPIRED, SUSPENDED, REVOKED = "valid", "expired", "suspended", "revoked"
WORDS = {VALID: "有效", EXPIRED: "已失效", SUSPENDED: "暂扣", REVOKED: "已撤销"}


@dataclass(frozen=True)
class Standing:
    code: str
    zh: str  # what the page says, with the reason where there is one
    review_due: date | None  # the next review, while it is still ahead

    @property
    def valid(self) -> bool:
        return self.code == VALID


def standing(certificate: Certificate, today: date) -> Standing:
    if certificate.state == "revoked":
        return Standing(REVOKED, "已撤销", None)
    if certificate.state == "suspended":
        return Standing(SUSPENDED, "暂扣", None)
    if certificate.valid_until < today:
        return Standing(EXPIRED, "已失效（超过有效期）", None)
    if certificate.next_review_on is not None and certificate.next_review_on < today:
        return Standing(EXPIRED, "已失效（逾期未复审）", None)
    return Standing(VALID, "有效", certificate.next_review_on)
