"""Resident ID numbers under GB 11643-1999, and roster files checked row by row."""

from datetime import date
from pathlib import Path

import pytest

from examhall.cli import main
from examhall.sittings.identity import IdNumber, IdProblem, parse_id_number
from examhall.sittings.roster import read_roster
from tests.sittings.conftest import HEADER, id_number, person, roster_csv

TODAY = date(2026, 11, 28)


def test_a_valid_number_gives_birth_date_and_gender() -> None:
    parsed = parse_id_number("11010519491231002X", today=TODAY)
    assert isinstance(parsed, IdNumber)
    assert (parsed.birth_date, parsed.gender, parsed.region) == (date(1949, 12, 31), "女", "110105")
    assert parse_id_number(id_number(date(1990, 1, 2), 7), today=TODAY).gender == "男"  # type: ignore[union-attr]


def test_a_lower_case_x_is_accepted_and_normalised() -> None:
    parsed = parse_id_number("11010519491231002x", today=TODAY)
    assert isinstance(parsed, IdNumber) and parsed.value == "11010519491231002X"


@pytest.mark.parametrize(
    "raw, code",
    [
        ("110105194912310021", "id_check_digit"),
        ("110105194902300025", "id_birth_date"),
        ("110105203001010012", "id_birth_date"),
        ("110105491231002", "id_legacy"),
        ("99010519491231002X", "id_region"),
        ("11010519491231002", "id_format"),
        ("", "id_missing"),
    ],
)
def test_bad_numbers_are_refused_with_the_reason(raw: str, code: str) -> None:
    parsed = parse_id_number(raw, today=TODAY)
    assert isinstance(parsed, IdProblem) and parsed.code == code
    if code == "id_legacy":
        assert "15位" in parsed.zh and "18" in parsed.zh


def test_a_roster_reports_every_problem_with_row_and_column() -> None:
    rows = [
        person(1),
        [*person(2)[:1], "110105194912310021", *person(2)[2:]],
        [*person(3)[:2], "女", *person(3)[3:]],
        [*person(4)[:6], "12345", 72],
        [*person(5)[:7], "很多"],
        person(1, name="考生1"),
        ["", id_number(date(1980, 1, 1), 9), "男", "", "", "", "", ""],
    ]
    roster = read_roster("名单.csv", roster_csv(rows), today=TODAY, category="煤矿安全检查作业")
    found = {(p.code, p.where) for p in roster.problems}
    assert ("id_check_digit", "名单.csv，第3行，“身份证号”列") in found
    assert ("gender_mismatch", "名单.csv，第4行，“性别”列") in found
    assert ("bad_phone", "名单.csv，第5行，“手机”列") in found
    assert ("bad_hours", "名单.csv，第6行，“培训学时”列") in found
    assert ("duplicate_id", "名单.csv，第7行，“身份证号”列") in found
    assert ("missing_name", "名单.csv，第8行，“姓名”列") in found


def test_birth_date_and_category_must_agree() -> None:
    header = [*HEADER, "出生日期"]
    rows = [
        [*person(1), "1990-05-01"],
        [*person(2), "1991-05-01"],
        [*person(3)[:5], "煤矿井下电气作业", *person(3)[6:], ""],
    ]
    roster = read_roster("r.csv", roster_csv(rows, header), today=TODAY, category="煤矿安全检查作业")
    assert {p.code for p in roster.problems} == {"birth_date_mismatch", "category_mismatch"}


def test_a_gbk_roster_and_an_excel_roster_read_alike() -> None:
    import io

    import openpyxl

    rows = [person(1), person(2)]
    gbk = roster_csv(rows).decode("utf-8").encode("gbk")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    for name, data in (("r.csv", gbk), ("r.xlsx", out.getvalue())):
        roster = read_roster(name, data, today=TODAY)
        assert roster.problems == [] and [r.name for r in roster.rows] == ["考生1", "考生2"]


def test_a_file_without_a_header_or_not_a_roster_is_one_clear_problem() -> None:
    assert read_roster("r.csv", "张三,110105\n".encode(), today=TODAY).problems[0].code == "no_header"
    assert read_roster("r.xlsx", b"%PDF-1.4", today=TODAY).problems[0].code == "bad_file"


def test_roster_check_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(roster_csv([person(1), person(2)]))
    bad.write_bytes(roster_csv([person(1), [*person(2)[:1], "110105491231002", *person(2)[2:]]]))
    assert main(["roster", "check", str(good)]) == 0
    assert "2 candidates, no problems" in capsys.readouterr().out
    assert main(["roster", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "row 3, column '身份证号': this is a legacy 15-digit ID number" in err
