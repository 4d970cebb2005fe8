"""Certificate kinds: which exam category (or assessment plan category) issues which
certificate, its number, periods and issuer. Data the administrator sets, never code."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.certificates.models import CertificateKind
from examhall.certificates.periods import Periods
from examhall.errors import Conflict, Invalid, NotFound, Problem
from examhall.trace.service import Actor, record

SOURCES = {"exam": "考试", "assessment": "考核"}
NUMBERING = {"id_number": "身份证号", "serial": "顺序编号"}
CHAIN = "certificate-kinds"
LABELS = {
    "code": "代码",
    "name": "证书名称",
    "source": "来源",
    "category": "类别",
    "work_class": "作业类别",
    "operation_item": "操作项目",
    "numbering": "编号方式",
    "valid_years": "有效期（年）",
    "review_years": "复审周期（年）",
    "extended_review_years": "延长后的复审周期（年）",
    "extension_after_years": "延长所需从业年限",
    "review_hours": "复审培训学时",
    "review_exam": "复审须考试",
    "issuer": "发证机关",
}


@dataclass(frozen=True)
class KindForm:
    code: str
    name: str
    source: str
    category: str
    work_class: str
    operation_item: str
    numbering: str
    valid_years: int
    review_years: int | None
    extended_review_years: int | None
    extension_after_years: int | None
    review_hours: Decimal
    review_exam: bool
    issuer: str


# The two kinds the national rules set out; the administrator adds one per category.
SPECIAL_OPERATIONS = {
    "name": "特种作业操作证",
    "numbering": "id_number",
    "valid_years": 6,
    "review_years": 3,
    "extended_review_years": 6,
    "extension_after_years": 10,
    "review_hours": Decimal(8),
    "review_exam": True,
}
MANAGEMENT = {
    "name": "安全生产知识和管理能力考核合格证明",
    "numbering": "serial",
    "valid_years": 3,
    "review_years": None,
    "extended_review_years": None,
    "extension_after_years": None,
    "review_hours": Decimal(0),
    "review_exam": False,
}


def periods_of(kind: CertificateKind) -> Periods:
    return Periods(kind.valid_years, kind.review_years, kind.extended_review_years, kind.extension_after_years)


def kinds(db: Session) -> list[CertificateKind]:
    return list(db.scalars(select(CertificateKind).order_by(CertificateKind.code)))


def kind_of(db: Session, kind_id: int) -> CertificateKind:
    kind = db.get(CertificateKind, kind_id)
    if kind is None:
        raise NotFound("no_kind", "没有这种证书", f"no certificate kind {kind_id}")
    return kind


def kind_for(db: Session, *, source: str, category: str) -> CertificateKind | None:
    return db.scalar(
        select(CertificateKind).where(CertificateKind.source == source, CertificateKind.category == category)
    )


def _problems(form: KindForm) -> list[Problem]:
    found = []

    def bad(field: str, zh: str, en: str) -> None:
        found.append(Problem("kind_invalid", zh, en, where=LABELS[field], where_en=field))

    if not form.code.strip() or not form.code.isascii() or not form.code.replace("-", "").isalnum():
        bad("code", "代码须为字母、数字或连字符", "the code is letters, digits and hyphens")
    for field in ("name", "category", "issuer"):
        if not str(getattr(form, field)).strip():
            bad(field, "请填写", f"{field} is empty")
    if form.source not in SOURCES:
        bad("source", "来源须为考试或考核", "source is exam or assessment")
    if form.numbering not in NUMBERING:
        bad("numbering", "编号方式须为身份证号或顺序编号", "numbering is id_number or serial")
    if not 1 <= form.valid_years <= 20:
        bad("valid_years", "有效期须为1至20年", "valid_years is 1 to 20")
    for field in ("review_years", "extended_review_years"):
        value = getattr(form, field)
        if value is not None and not 1 <= value <= form.valid_years:
            bad(field, "复审周期须在1年与有效期之间", f"{field} is between 1 and valid_years")
    if (form.extended_review_years is None) != (form.extension_after_years is None):
        bad(
            "extension_after_years",
            "延长复审周期与所需从业年限须同时填写",
            "the extended period needs its years in the trade",
        )
    if form.review_hours < 0:
        bad("review_hours", "复审学时不能为负", "review_hours is not negative")
    return found


def save_kind(db: Session, *, form: KindForm, kind_id: int | None, actor: Actor) -> CertificateKind:
    """Add a kind, or change one; certificates already issued keep the dates they were given."""
    if problems := _problems(form):
        raise Invalid("kind_invalid", "证书种类填写有误", "the certificate kind is not valid", problems)
    kind = kind_of(db, kind_id) if kind_id is not None else CertificateKind(created_at=clock.now())
    clash = db.scalar(
        select(CertificateKind).where(
            (CertificateKind.code == form.code.strip())
            | ((CertificateKind.source == form.source) & (CertificateKind.category == form.category.strip())),
            CertificateKind.id != (kind_id or 0),
        )
    )
    if clash is not None:
        raise Conflict(
            "kind_exists",
            f"已有证书种类“{clash.name}”（{clash.code}）使用相同的代码或类别",
            f"kind {clash.code} has the same code or the same category",
        )
    for name, value in vars(form).items():
        setattr(kind, name, value.strip() if isinstance(value, str) else value)
    db.add(kind)
    db.flush()
    record(
        db,
        chain=CHAIN,
        action="certificate_kind.saved",
        subject=f"certificate-kind:{kind.id}",
        actor=actor,
        payload={k: str(v) if isinstance(v, Decimal) else v for k, v in vars(form).items()},
    )
    return kind
