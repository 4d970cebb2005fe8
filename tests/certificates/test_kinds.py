"""Certificate kinds are data an administrator sets on a page: saved and traced, a bad period
named by its field, and one kind per category."""

from sqlalchemy import select

from examhall.certificates.models import CertificateKind
from examhall.trace import service as trace
from tests.conftest import form_token

FORM = {
    "code": "TZ-WS",
    "name": "特种作业操作证",
    "source": "exam",
    "category": "煤矿瓦斯检查作业",
    "work_class": "煤矿安全作业",
    "operation_item": "煤矿瓦斯检查作业",
    "numbering": "id_number",
    "valid_years": "6",
    "review_years": "3",
    "extended_review_years": "6",
    "extension_after_years": "10",
    "review_hours": "8",
    "review_exam": "true",
    "issuer": "山西省应急管理厅",
}


def test_an_administrator_sets_a_kind_and_a_bad_one_is_named(staff_client: object, database: object) -> None:
    admin = staff_client("admin")  # type: ignore[operator]
    page = "/admin/certificate-kinds"
    saved = admin.post(page, data={**FORM, "csrf_token": form_token(admin, page)}, follow_redirects=True)
    assert saved.status_code == 200 and "证书种类“特种作业操作证”（煤矿瓦斯检查作业）已保存" in saved.text
    with database.transaction(write=False) as db:  # type: ignore[attr-defined]
        kind = db.scalar(select(CertificateKind).where(CertificateKind.code == "TZ-WS"))
        assert kind is not None and (kind.valid_years, kind.review_years, kind.review_exam) == (6, 3, True)
        assert trace.events(db, "certificate-kinds")[-1].action == "certificate_kind.saved"
    bad = admin.post(
        page,
        data={**FORM, "code": "TZ-X", "category": "其他", "review_years": "9", "csrf_token": form_token(admin, page)},
    )
    assert bad.status_code == 422 and "复审周期（年）" in bad.text and "复审周期须在1年与有效期之间" in bad.text
    again = admin.post(page, data={**FORM, "code": "TZ-WS2", "csrf_token": form_token(admin, page)})
    assert again.status_code == 409 and "使用相同的代码或类别" in again.text
    assert staff_client("proctor").get(page).status_code == 403  # type: ignore[operator]
