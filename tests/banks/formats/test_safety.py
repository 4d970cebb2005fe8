"""Whatever is uploaded, read() answers with problems, never a traceback: files that are not
what their names say, damaged or hostile zips, and files beyond the limits each get one clear
problem and no drafts."""

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examhall.banks.formats import SUPPORTED, Limits, read

SHEET = "题型,题干,答案,图片\n判断,看图回答,对,pump.png\n".encode()
PNG = b"\x89PNG\r\n\x1a\n pump"


def zipped(members: dict[str, bytes], *, compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compression)
    return out.getvalue()


def the_problem(bank_problems: list) -> str:
    assert len(bank_problems) == 1, bank_problems
    return bank_problems[0].code


def test_a_renamed_pdf_is_not_an_excel_workbook():
    bank = read("bank.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert the_problem(bank.problems) == "bad_file" and bank.drafts == []
    assert bank.problems[0].zh == "文件内容不是有效的 Excel（.xlsx）文件（它看起来是 PDF 文件）"
    assert bank.problems[0].en == "the file is not a valid Excel (.xlsx) workbook (it looks like a PDF file)"
    assert bank.problems[0].where == "bank.xlsx"


def test_an_old_xls_file_is_told_to_be_saved_as_xlsx():
    bank = read("bank.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert the_problem(bank.problems) == "bad_file" and ".xlsx" in bank.problems[0].en


def test_a_corrupt_zip_named_xlsx_is_not_an_excel_workbook():
    data = zipped({"xl/workbook.xml": b"<workbook/>"})[:-30]
    bank = read("bank.xlsx", data)
    assert the_problem(bank.problems) == "bad_file" and "Excel" in bank.problems[0].en


def test_a_zip_that_is_not_a_workbook_named_xlsx_is_not_an_excel_workbook():
    bank = read("bank.xlsx", zipped({"word/document.xml": b"<document/>"}))
    assert the_problem(bank.problems) == "bad_file" and "Excel" in bank.problems[0].en


def test_a_workbook_whose_sheet_is_broken_is_not_an_excel_workbook():
    data = zipped(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook><sheets><sheet",
        }
    )
    bank = read("bank.xlsx", data)
    assert the_problem(bank.problems) == "bad_file"


def test_a_corrupt_zip_is_not_a_zip():
    bank = read("bank.zip", b"PK\x03\x04" + b"\x00" * 50)
    assert the_problem(bank.problems) == "bad_file" and "zip" in bank.problems[0].en


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    bomb = zipped({"bank.csv": SHEET, "pump.png": b"\x00" * (20 * 1024 * 1024)}, compression=zipfile.ZIP_DEFLATED)
    assert len(bomb) < 100_000
    bank = read("bank.zip", bomb)
    assert the_problem(bank.problems) == "zip_bomb" and "pump.png" in bank.problems[0].en
    assert bank.drafts == []


@pytest.mark.parametrize("name", ["../evil.csv", "/etc/evil.csv", "a/../../evil.csv", "C:/evil.csv", "..\\evil.csv"])
def test_a_member_that_climbs_out_of_the_archive_is_refused(name: str):
    bank = read("bank.zip", zipped({"bank.csv": SHEET, name: b"x"}))
    assert the_problem(bank.problems) == "unsafe_path" and bank.drafts == []


def test_too_large_a_file_is_refused_with_the_limit():
    bank = read("bank.csv", SHEET * 10, limits=Limits(max_bytes=100))
    assert the_problem(bank.problems) == "too_large"
    assert "100 B" in bank.problems[0].en and bank.drafts == []


def test_too_many_items_is_refused_with_the_limit():
    rows = "题型,题干,答案\n" + "".join(f"判断,第{i}题,对\n" for i in range(11))
    bank = read("bank.csv", rows.encode(), limits=Limits(max_items=10))
    assert the_problem(bank.problems) == "too_many_items" and "10" in bank.problems[0].zh
    assert bank.drafts == []


def test_too_many_members_is_refused():
    bank = read("bank.zip", zipped({f"{n}.png": b"x" for n in range(6)}), limits=Limits(max_members=5))
    assert the_problem(bank.problems) == "too_many_members"


def test_too_much_data_once_unzipped_is_refused():
    data = zipped({"bank.csv": SHEET, "big.png": b"x" * 5000})
    bank = read("bank.zip", data, limits=Limits(max_unzipped_bytes=4000))
    assert the_problem(bank.problems) == "too_large_unzipped"


def test_an_unknown_extension_lists_the_supported_ones():
    bank = read("bank.docx", b"hello")
    assert the_problem(bank.problems) == "unsupported_file"
    assert all(extension in bank.problems[0].en for extension in SUPPORTED)


def test_a_sheet_in_a_zip_finds_its_images_by_base_name():
    bank = read("bank.zip", zipped({"题库/bank.csv": SHEET, "题库/图片/pump.png": PNG, "__MACOSX/._pump.png": b"x"}))
    assert bank.problems == []
    assert bank.images == {"pump.png": PNG} and bank.drafts[0].images == ["pump.png"]
    assert bank.drafts[0].where.file == "bank.zip:题库/bank.csv"


def test_a_sheet_in_a_zip_without_its_image_reports_the_missing_image_with_its_row():
    bank = read("bank.zip", zipped({"bank.csv": SHEET, "other.png": PNG}))
    assert [p.code for p in bank.errors] == ["missing_image"]
    assert bank.errors[0].where_en == "bank.zip:bank.csv, row 2, column '图片'"
    assert [p.code for p in bank.problems if p.warning] == ["unused_image"]


def test_image_names_written_in_gbk_by_chinese_windows_are_understood():
    sheet = "题型,题干,答案,图片\n判断,看图,对,水泵.png\n".encode()
    # what an archiver on Chinese Windows writes: the name in GBK, and no UTF-8 flag
    data = zipped({"bank.csv": sheet, "abcd.png": PNG}).replace(b"abcd.png", "水泵.png".encode("gbk"))
    bank = read("bank.zip", data)
    assert bank.problems == [] and bank.images == {"水泵.png": PNG}


def test_a_zip_with_two_sheets_is_refused():
    bank = read("bank.zip", zipped({"a.csv": SHEET, "b.xlsx": b"x"}))
    assert the_problem(bank.problems) == "zip_sheets"


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300), extension=st.sampled_from([*SUPPORTED, ".xls", ".bin"]))
def test_arbitrary_bytes_never_raise_and_always_come_back_as_a_problem(data: bytes, extension: str):
    bank = read(f"upload{extension}", data)
    assert bank.drafts == [] or bank.problems is not None
    assert "unreadable" not in [p.code for p in bank.problems]


@settings(max_examples=40, deadline=None)
@given(
    prefix=st.sampled_from([b"PK\x03\x04", b"%PDF", b"<?xml version='1.0'?>", b"format: examhall-bank/1\n"]),
    rest=st.binary(max_size=200),
    extension=st.sampled_from(SUPPORTED),
)
def test_broken_files_of_every_kind_never_raise(prefix: bytes, rest: bytes, extension: str):
    bank = read(f"upload{extension}", prefix + rest)
    assert "unreadable" not in [p.code for p in bank.problems]
