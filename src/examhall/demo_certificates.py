"""The demo's certificates: the kinds the exam body issues (set as data, as an administrator
would), and two certificates brought in from before examhall, one of them due for review soon,
so that the review list and the public check have something to show. Certificates for the demo's
published sitting are left for the administrator to issue. Idempotent."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.certificates import kinds, ledger
from examhall.certificates.models import CertificateKind
from examhall.certificates.periods import add_years
from examhall.sittings.identity import check_character
from examhall.sittings.models import Candidate, Certificate, Enterprise
from examhall.trace.service import Actor

ISSUER = "山西省应急管理厅（演示）"
KINDS = [
    ("TZ-AJ", "煤矿安全检查作业", "煤矿安全作业", kinds.SPECIAL_OPERATIONS),
    ("TZ-DQ", "煤矿井下电气作业", "煤矿安全作业", kinds.SPECIAL_OPERATIONS),
    ("GL-MK", "煤矿主要负责人和安全生产管理人员", "", kinds.MANAGEMENT),
]
# (name, birth date, male, enterprise, first issued how many years ago, days until the review,
#  whether that review is the one at the end of the validity)
HOLDERS = [
    ("马得福", date(1979, 4, 2), True, "晋能控股煤业集团", 11, 40, True),
    ("白水生", date(1986, 8, 21), True, "潞安化工集团", 2, 400, False),
]


def _id_number(born: date, male: bool) -> str:
    first17 = f"140105{born:%Y%m%d}07{1 if male else 2}"
    return first17 + check_character(first17)


def load(db: Session, *, actor: Actor, timezone: str) -> None:
    for code, category, work_class, rule in KINDS:
        if db.scalar(select(CertificateKind.id).where(CertificateKind.code == code)) is None:
            form = kinds.KindForm(
                code=code,
                source="exam",
                category=category,
                work_class=work_class,
                operation_item=category if work_class else "",
                issuer=ISSUER,
                name=str(rule["name"]),
                numbering=str(rule["numbering"]),
                valid_years=int(str(rule["valid_years"])),
                review_years=int(str(rule["review_years"])) if rule["review_years"] else None,
                extended_review_years=int(str(rule["extended_review_years"]))
                if rule["extended_review_years"]
                else None,
                extension_after_years=int(str(rule["extension_after_years"]))
                if rule["extension_after_years"]
                else None,
                review_hours=Decimal(str(rule["review_hours"])),
                review_exam=bool(rule["review_exam"]),
            )
            kinds.save_kind(db, form=form, kind_id=None, actor=actor)
    kind = db.scalar(select(CertificateKind).where(CertificateKind.code == "TZ-AJ"))
    assert kind is not None
    today = clock.local_date(clock.now(), timezone)
    for name, born, male, enterprise_name, years, review_in, last in HOLDERS:
        id_number = _id_number(born, male)
        holder = db.scalar(select(Candidate).where(Candidate.id_number == id_number))
        if holder is None:
            enterprise = db.scalar(select(Enterprise).where(Enterprise.name == enterprise_name))
            if enterprise is None:
                enterprise = Enterprise(name=enterprise_name)
                db.add(enterprise)
                db.flush()
            holder = Candidate(
                id_number=id_number,
                name=name,
                gender="男" if male else "女",
                birth_date=born,
                enterprise_id=enterprise.id,
            )
            db.add(holder)
            db.flush()
        if db.scalar(select(Certificate.id).where(Certificate.candidate_id == holder.id)) is not None:
            continue
        review = today + timedelta(days=review_in)
        valid_until = review if last else add_years(review, 3)
        ledger.open_certificate(
            db,
            Certificate(
                candidate_id=holder.id,
                kind_id=kind.id,
                number=id_number,
                category=kind.category,
                work_class=kind.work_class,
                operation_item=kind.operation_item,
                first_issued_on=add_years(today, -years),
                issued_on=add_years(valid_until, -kind.valid_years),
                valid_until=valid_until,
                next_review_on=review,
                issuer=ISSUER,
                state="valid",
                origin="imported",
                revision=1,
            ),
            actor=actor,
            note={"demo": True},
        )
