"""The certificate registry in a real browser, on a demo of its own: an administrator uploads a
registry file with bad rows and reads each row's problem, uploads a good one, checks what it
would import and confirms, finds the holders on the review list, narrows it to one enterprise and
downloads it, and downloads the whole registry; then the same pages on a phone. Screenshots land
in tests/e2e/artifacts/certificates/registry-*.png."""

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from examhall.certificates.periods import add_years
from tests.e2e.conftest import Server, serve_demo
from tests.e2e.test_admin import Watch, expect
from tests.sittings.conftest import id_number

pytestmark = pytest.mark.e2e

HEADER = [
    "姓名",
    "性别",
    "身份证号",
    "作业类别",
    "准操项目",
    "初领日期",
    "有效期至",
    "复审日期",
    "发证机关",
    "证书编号",
    "工作单位",
]
ENTERPRISE = "汾西矿业集团"
ZHAO = id_number(date(1975, 3, 8), 61)
QIAN = id_number(date(1981, 11, 20), 62, male=False)
SUN = id_number(date(1972, 6, 5), 63)


@pytest.fixture(scope="module")
def demo(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serve_demo(tmp_path_factory.mktemp("e2e-registry")) as served:
        yield served


@pytest.fixture(scope="module")
def shots() -> Path:
    path = Path(__file__).resolve().parent / "artifacts" / "certificates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def workbook(rows: list[list[Any]], path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "证书"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def good_rows() -> list[list[Any]]:
    """Two special-operations holders of one enterprise falling due within weeks, and a manager's
    proof of passing numbered serially, due in a year."""
    today = date.today()
    review = today + timedelta(days=20)
    until = add_years(review, 3)
    ends = today + timedelta(days=40)
    proof = add_years(today, -2)
    return [
        [
            "赵铁柱",
            "男",
            ZHAO,
            "煤矿安全作业",
            "煤矿安全检查作业",
            add_years(until, -6),
            until,
            review,
            "",
            "",
            ENTERPRISE,
        ],
        ["钱秀英", "女", QIAN, "煤矿安全作业", "煤矿井下电气作业", add_years(ends, -6), ends, None, "", "", ENTERPRISE],
        [
            "孙大勇",
            "男",
            SUN,
            "",
            "煤矿主要负责人和安全生产管理人员",
            proof,
            add_years(proof, 3),
            None,
            "",
            "GLMK-0001",
            "",
        ],
    ]


class Browser:
    def __init__(self, browser: Any, server: Server, shots: Path, width: int, height: int) -> None:
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.watch = Watch()
        self.watch.attach(self.page)
        self.base, self.shots, self.size = server.base_url, shots, f"{width}x{height}"

    def log_in(self) -> None:
        self.page.goto(self.base + "/login")
        self.page.fill("#username", "admin")
        self.page.fill("#password", "admin-demo")
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="登录").click()

    def fits(self) -> None:
        scroll, inner = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{self.page.url} is {scroll}px wide on a {inner}px screen"

    def shot(self, name: str) -> None:
        self.fits()
        self.page.screenshot(path=self.shots / f"registry-{name}-{self.size}.png", full_page=True)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.fits()

    def download(self, link: Any) -> list[list[Any]]:
        with self.page.expect_download() as info:
            link.click()
        assert info.value.suggested_filename.endswith(".xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).worksheets[0]
        return [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.fixture
def desk(browser: Any, demo: Server, shots: Path) -> Iterator[Browser]:
    made = Browser(browser, demo, shots, 1366, 768)
    try:
        yield made
    finally:
        made.context.close()


def test_an_administrator_imports_the_registry_and_reads_the_review_list(
    desk: Browser, browser: Any, demo: Server, shots: Path, tmp_path: Path
) -> None:
    page = desk.page
    desk.log_in()
    desk.go("/admin/certificates/import")
    expect()(page.locator("h1")).to_have_text("导入证书")
    desk.shot("import")

    bad_id = ZHAO[:17] + ("1" if ZHAO[17] != "1" else "2")
    rows = good_rows()
    wrong = [[rows[0][0], rows[0][1], bad_id, *rows[0][3:]], [*rows[1][:4], "金属非金属矿山安全检查作业", *rows[1][5:]]]
    page.set_input_files("#file", str(workbook(wrong, tmp_path / "登记表有误.xlsx")))
    page.get_by_role("button", name="上传并检查").click()
    alert = page.locator(".notice.bad")
    expect()(alert).to_contain_text("“登记表有误.xlsx”有2处问题，未导入任何证书")
    desk.watch.refused(422, "/admin/certificates/import")
    expect()(alert).to_contain_text("工作表“证书”，第2行，“身份证号”列：身份证号校验码不正确，请核对")
    expect()(alert).to_contain_text(
        "第3行，“准操项目”列：没有与作业类别“煤矿安全作业”、准操项目“金属非金属矿山安全检查作业”对应的证书种类"
    )
    desk.shot("import-refused")

    page.set_input_files("#file", str(workbook(rows, tmp_path / "登记表.xlsx")))
    page.get_by_role("button", name="上传并检查").click()
    expect()(page.locator("#confirm h2")).to_have_text("检查通过：“登记表.xlsx”")
    expect()(page.locator("#confirm")).to_contain_text("将导入 3 本证书，其中 3 名持证人尚未登记")
    expect()(page.locator("#confirm tbody tr")).to_have_count(3)
    desk.shot("import-checked")

    page.get_by_role("button", name="确认导入").click()
    dialog = page.locator("dialog.confirm-dialog[open]")
    expect()(dialog).to_contain_text("将导入“登记表.xlsx”中的3本证书，并新登记3名持证人")
    desk.shot("import-confirm")
    with page.expect_navigation():
        dialog.locator(".confirm-ok").click()
    expect()(page.locator(".notice.ok")).to_contain_text("已导入“登记表.xlsx”：3本证书，新登记持证人3名")
    table = page.locator("table").first
    for shown in ("赵铁柱", "钱秀英", "孙大勇", "GLMK-0001", ZHAO[:6] + "********" + ZHAO[-4:], "同身份证号"):
        expect()(table).to_contain_text(shown)
    desk.shot("imported")

    everything = desk.download(page.get_by_role("link", name="导出全部证书（Excel）"))
    assert everything[0][:9] == HEADER[:9]
    assert {"赵铁柱", "钱秀英", "孙大勇"} <= {row[0] for row in everything[1:]}

    page.get_by_role("link", name="复审名单").first.click()
    expect()(page.locator("h1")).to_have_text("复审名单")
    listed = page.locator("tbody")
    for shown in ("赵铁柱", "钱秀英", "马得福"):  # 马得福: the demo's holder due for review
        expect()(listed).to_contain_text(shown)
    expect()(listed).not_to_contain_text("孙大勇")  # due in a year
    desk.shot("reviews")

    page.select_option("select[name=enterprise]", label=ENTERPRISE)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    expect()(page.locator("tbody tr")).to_have_count(2)
    expect()(listed).not_to_contain_text("马得福")
    desk.shot("reviews-enterprise")
    due = desk.download(page.get_by_role("link", name="导出 Excel"))
    assert due[0] == ["企业", "姓名", "身份证号", "证书", "准操项目", "复审日期/有效期至", "剩余天数"]
    assert [(r[0], r[1], r[2]) for r in due[1:]] == [(ENTERPRISE, "赵铁柱", ZHAO), (ENTERPRISE, "钱秀英", QIAN)]
    assert due[1][6] in (19, 20, 21) and due[2][6] in (39, 40, 41)
    desk.watch.clean()

    phone = Browser(browser, demo, shots, 390, 844)
    try:
        phone.log_in()
        for path, name in (
            ("/admin/certificates/import", "import"),
            ("/admin/certificates/reviews?months=6", "reviews"),
        ):
            phone.go(path)
            phone.shot(name)
        phone.go("/admin/certificates/import")
        phone.page.set_input_files("#file", str(workbook(wrong, tmp_path / "手机上传.xlsx")))
        phone.page.get_by_role("button", name="上传并检查").click()
        expect()(phone.page.locator(".notice.bad")).to_contain_text("有2处问题")
        phone.watch.refused(422, "/admin/certificates/import")
        phone.shot("import-refused")
        phone.watch.clean()
    finally:
        phone.context.close()
