"""The Excel template read: columns in any order and either language, every answer spelling,
and every broken rule reported with its sheet, row and column, all at once."""

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from examhall.banks.formats import Limits, read, template
from examhall.banks.formats.sheet_write import COLUMNS, HELP_SHEET
from examhall.errors import Problem

TEMPLATE = Path(__file__).resolve().parents[3] / "question_banks" / "template.xlsx"
HEADER = ["编号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "难度"]
# How problems name each field's column in a sheet headed with HEADER and the columns after it.
SHOWN = {
    "key": "编号",
    "type": "题型",
    "stem": "题干",
    "options": "选项A-选项D",
    "answer": "答案",
    "difficulty": "难度",
    "source": "来源",
    "images": "图片",
    "effective_from": "生效日期",
    "retire_on": "停用日期",
    "fixed_options": "固定选项",
}


def workbook(rows: list[list[Any]], *, title: str = "题库", before: list[list[Any]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in [*(before or []), *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


def test_a_row_of_each_type_reads_into_a_draft():
    data = workbook(
        [
            HEADER,
            ["J-1", "判断题", "井下必须佩戴自救器。", None, None, None, None, "对", 1],
            ["S-1", "单选", "甲烷浓度超过（  ）时必须处理。", "0.5%", "0.75%", "1.0%", "1.5%", "B", "较易"],
            ["M-1", "多选题", "下列属于监控内容的有（  ）。", "甲烷", "风速", "粉尘", "以上都对", "A,B,D", 3],
            ["F-1", "填空", "二氧化碳浓度达到（  ）时停止工作。", None, None, None, None, "1.5%;百分之一点五", None],
        ]
    )
    bank = read("bank.xlsx", data)
    assert bank.problems == []
    true_false, single, multiple, fill = bank.drafts
    assert (true_false.type, true_false.answer, true_false.difficulty, true_false.key) == ("true_false", True, 1, "J-1")
    assert (single.type, single.answer, single.options[1], single.difficulty) == ("single_choice", [1], "0.75%", 2)
    assert (multiple.type, multiple.answer, multiple.fixed_options) == ("multiple_choice", [0, 1, 3], [3])
    assert (fill.type, fill.answer, fill.options) == ("fill_blank", [["1.5%", "百分之一点五"]], [])
    assert single.where.sheet == "题库" and single.where.row == 3


def test_english_headers_in_any_order_and_any_case_read_the_same():
    data = workbook(
        [
            ["Answer", "STEM", "option_b", "Type", "option_a", "Key", "Knowledge_Point", "Source", "Image"],
            [
                "a",
                "Which gas is lighter than air?",
                "CO2",
                "single_choice",
                "CH4",
                "E-1",
                "gas;air",
                "provincial",
                "x.png",
            ],
        ]
    )
    bank = read("bank.xlsx", data)
    (draft,) = bank.drafts
    assert (draft.type, draft.options, draft.answer, draft.key) == ("single_choice", ["CH4", "CO2"], [0], "E-1")
    assert (draft.knowledge_points, draft.source, draft.images) == (["gas", "air"], "provincial", ["x.png"])
    assert codes(bank.problems) == ["missing_image"]


def test_single_letter_option_headers_and_an_id_column_are_understood():
    bank = read("bank.xlsx", workbook([["id", "type", "stem", "A", "B", "answer"], [7, "单选", "问", "甲", "乙", "B"]]))
    assert bank.problems == []
    assert (bank.drafts[0].key, bank.drafts[0].options, bank.drafts[0].answer) == ("7", ["甲", "乙"], [1])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("对", True),
        ("错", False),
        ("正确", True),
        ("错误", False),
        ("√", True),
        ("×", False),
        ("T", True),
        ("F", False),
    ],
)
def test_every_true_false_spelling_is_understood(raw: str, expected: bool):
    bank = read("bank.xlsx", workbook([HEADER, ["", "判断", "说法", None, None, None, None, raw]]))
    assert bank.errors == []
    assert bank.drafts[0].answer is expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("ABD", [0, 1, 3]), ("A,B,D", [0, 1, 3]), ("a、b、d", [0, 1, 3]), ("D B", [1, 3])]
)
def test_every_multiple_choice_spelling_is_understood(raw: str, expected: list[int]):
    bank = read("bank.xlsx", workbook([HEADER, ["", "多选", "问", "甲", "乙", "丙", "丁", raw]]))
    assert bank.errors == []
    assert bank.drafts[0].answer == expected


def test_fill_in_blanks_are_separated_by_a_bar_and_alternatives_by_a_semicolon():
    bank = read("bank.xlsx", workbook([HEADER, ["", "填空", "（  ）和（  ）", None, None, None, None, "甲;A|乙"]]))
    assert bank.drafts[0].answer == [["甲", "A"], ["乙"]]


def test_a_fill_in_answer_keeps_the_characters_the_author_typed():
    bank = read("bank.xlsx", workbook([HEADER, ["", "填空", "浓度（  ）", None, None, None, None, "０．７５％"]]))
    assert bank.drafts[0].answer == [["０．７５％"]]


def test_numbers_typed_into_cells_read_as_they_show():
    data = workbook([HEADER, [1001, "填空", "3加4等于（  ）", None, None, None, None, 7, 3.0]])
    bank = read("bank.xlsx", data)
    assert bank.errors == []
    assert (bank.drafts[0].key, bank.drafts[0].answer, bank.drafts[0].difficulty) == ("1001", [["7"]], 3)


def test_a_true_false_row_may_name_its_two_options():
    bank = read("bank.xlsx", workbook([HEADER, ["", "判断", "说法", "正确", "错误", None, None, "错误"]]))
    assert bank.errors == []
    assert (bank.drafts[0].options, bank.drafts[0].answer) == ([], False)


def test_dates_read_from_date_cells_and_from_text():
    data = workbook(
        [
            ["题型", "题干", "答案", "生效日期", "停用日期"],
            ["判断", "甲", "对", datetime(2024, 3, 1), "2030-01-31"],
            ["判断", "乙", "对", "2024/3/1", None],
        ]
    )
    bank = read("bank.xlsx", data)
    assert bank.errors == []
    assert (bank.drafts[0].effective_from, bank.drafts[0].retire_on) == (date(2024, 3, 1), date(2030, 1, 31))
    assert bank.drafts[1].effective_from == date(2024, 3, 1)


def test_fully_empty_rows_are_skipped_and_rows_keep_the_numbers_excel_shows():
    data = workbook([HEADER, [None] * 9, ["", "判断", "甲", None, None, None, None, "对"], [], ["", "判断", "乙"]])
    bank = read("bank.xlsx", data)
    assert [d.where.row for d in bank.drafts] == [3, 5]
    assert only(bank.problems, "missing_key").where_en == "bank.xlsx, sheet '题库', row 5, column '答案'"


def test_the_header_may_sit_below_a_title_row():
    bank = read(
        "bank.xlsx", workbook([HEADER, ["", "判断", "甲", None, None, None, None, "对"]], before=[["题库"], []])
    )
    assert bank.errors == []
    assert bank.drafts[0].where.row == 4


def test_fixed_options_come_from_their_column_or_else_from_the_options_text():
    data = workbook(
        [
            [*HEADER, "固定选项"],
            ["", "单选", "甲", "A", "B", "以上都不对", None, "A", None, None],
            ["", "单选", "乙", "A", "B", "以上都不对", None, "A", None, "B"],
            ["", "单选", "丙", "A", "B", "以上都不对", None, "A", None, "无"],
        ]
    )
    bank = read("bank.xlsx", data)
    assert bank.errors == []
    assert [d.fixed_options for d in bank.drafts] == [[2], [1], []]


def test_a_single_choice_with_two_keys_is_refused_with_its_row():
    bank = read("bank.xlsx", workbook([HEADER, ["", "单选", "问", "甲", "乙", None, None, "AB"]]))
    found = only(bank.problems, "several_keys")
    assert found.where == "bank.xlsx，工作表“题库”，第2行，“答案”列"
    assert found.where_en == "bank.xlsx, sheet '题库', row 2, column '答案'"


@pytest.mark.parametrize(
    ("row", "code", "column"),
    [
        (["", "问答", "问", None, None, None, None, "A"], "unknown_type", "type"),
        (["", "单选", "", "甲", "乙", None, None, "A"], "empty_stem", "stem"),
        (["", "单选", "问", "甲", None, None, None, "A"], "option_count", "options"),
        (["", "单选", "问", "甲", None, "丙", None, "A"], "empty_option", "options"),
        (["", "单选", "问", "甲", "甲", None, None, "A"], "duplicate_option", "options"),
        (["", "单选", "问", "甲", "乙", None, None, ""], "missing_key", "answer"),
        (["", "单选", "问", "甲", "乙", None, None, "C"], "key_not_an_option", "answer"),
        (["", "单选", "问", "甲", "乙", None, None, "Z"], "bad_key", "answer"),
        (["", "多选", "问", "甲", "乙", None, None, "A"], "too_few_keys", "answer"),
        (["", "判断", "问", None, None, None, None, "也许"], "bad_key", "answer"),
        (["", "判断", "问", "甲", None, None, None, "对"], "options_not_allowed", "options"),
        (["", "填空", "问", "甲", None, None, None, "对"], "options_not_allowed", "options"),
        (["", "单选", "问", "甲", "乙", None, None, "A", 9], "bad_difficulty", "difficulty"),
        (["", "单选", "问", "甲", "乙", None, None, "A", None, "市级"], "bad_source", "source"),
        (["", "单选", "问", "甲", "乙", None, None, "A", None, None, "x.png"], "missing_image", "images"),
        (["", "单选", "问", "甲", "乙", None, None, "A", None, None, None, "2024-13-01"], "bad_date", "effective_from"),
        (
            ["", "单选", "问", "甲", "乙", None, None, "A", None, None, None, "2024-01-02", "2024-01-01"],
            "bad_dates",
            "retire_on",
        ),
        (
            ["", "单选", "问", "甲", "乙", None, None, "A", None, None, None, None, None, "Q"],
            "bad_fixed_option",
            "fixed_options",
        ),
        (
            ["", "单选", "问", "甲", "乙", None, None, "A", None, None, None, None, None, "E"],
            "bad_fixed_option",
            "fixed_options",
        ),
        (["中 文", "单选", "问", "甲", "乙", None, None, "A"], "bad_item_key", "key"),
    ],
)
def test_every_rule_is_reported_with_its_row_and_column(row: list[Any], code: str, column: str):
    """In both languages the column is named as the sheet's own header names it."""
    header = [*HEADER, "来源", "图片", "生效日期", "停用日期", "固定选项"]
    bank = read("bank.xlsx", workbook([header, ["", "判断", "无关的题", None, None, None, None, "对"], row]))
    found = only(bank.problems, code)
    shown = SHOWN[column]
    assert (found.where, found.where_en, found.warning) == (
        f"bank.xlsx，工作表“题库”，第3行，“{shown}”列",
        f"bank.xlsx, sheet '题库', row 3, column '{shown}'",
        False,
    )


def test_an_english_header_is_named_as_written_and_a_missing_column_in_both_languages():
    rows = [["Type", "Stem", "A", "B", "ANSWER"], ["single", "q", "x", "y", "C"]]
    found = only(read("bank.csv", "\n".join(",".join(r) for r in rows).encode()).problems, "key_not_an_option")
    assert found.where_en == "bank.csv, row 2, column 'ANSWER'"
    missing = only(read("bank.xlsx", workbook([["题型", "题干"], ["判断", "问"]])).problems, "missing_column")
    assert missing.en == "the header row lacks the columns: answer (答案)"


def test_all_problems_of_a_file_are_reported_at_once():
    data = workbook(
        [
            HEADER,
            ["", "单选", "问一", "甲", "乙", None, None, "AB", 9],
            ["", "问答", "问二"],
            ["", "多选", "", "甲", "乙", None, None, "A"],
        ]
    )
    bank = read("bank.xlsx", data)
    assert sorted(codes(bank.errors)) == sorted(
        ["several_keys", "bad_difficulty", "unknown_type", "empty_stem", "too_few_keys"]
    )
    assert {p.where_en.split(", ")[2] for p in bank.errors} == {"row 2", "row 3", "row 4"}


def test_a_cell_found_wrong_is_reported_once():
    bank = read("bank.xlsx", workbook([HEADER, ["", "单选", "问", "甲", "乙", None, None, "Z"]]))
    assert codes(bank.problems) == ["bad_key"]


def test_stems_that_nearly_repeat_are_warnings_naming_both_rows():
    data = workbook(
        [
            HEADER,
            ["", "判断", "井下必须佩戴自救器。", None, None, None, None, "对"],
            ["", "判断", "井下必须佩戴 自救器", None, None, None, None, "对"],
        ]
    )
    bank = read("bank.xlsx", data)
    assert bank.errors == []
    warning = only(bank.problems, "near_duplicate")
    assert warning.warning and "row 3" in warning.where_en and "row 2" in warning.en


def test_an_unknown_column_is_a_warning_and_a_missing_one_an_error():
    bank = read("bank.xlsx", workbook([["题干", "备注", "答案"], ["问", "x", "A"]]))
    assert only(bank.problems, "unknown_column").warning
    missing = only(bank.problems, "missing_column")
    assert "题型" in missing.zh and "type" in missing.en and bank.drafts == []


def test_a_workbook_with_no_header_row_says_so():
    bank = read("bank.xlsx", workbook([["甲", "乙"], ["丙", "丁"]]))
    assert codes(bank.problems) == ["no_header"]


def test_the_first_sheet_with_a_header_is_read():
    book = openpyxl.Workbook()
    book.active.append(["封面"])
    book.create_sheet("数据").append(HEADER)
    book["数据"].append(["", "判断", "甲", None, None, None, None, "对"])
    out = io.BytesIO()
    book.save(out)
    bank = read("bank.xlsx", out.getvalue())
    assert [d.where.sheet for d in bank.drafts] == ["数据"]


def test_progress_is_reported_for_long_sheets():
    rows = [HEADER, *[["", "判断", f"第{i}题", None, None, None, None, "对"] for i in range(1200)]]
    seen: list[tuple[int, int]] = []
    bank = read("bank.xlsx", workbook(rows), progress=lambda done, total: seen.append((done, total)))
    assert len(bank.drafts) == 1200
    assert seen[-1] == (1201, 1201) and len(seen) >= 3


def test_a_sheet_with_more_items_than_the_limit_is_refused_whole():
    rows = [HEADER, *[["", "判断", f"第{i}题", None, None, None, None, "对"] for i in range(6)]]
    bank = read("bank.xlsx", workbook(rows), limits=Limits(max_items=5))
    assert bank.drafts == []
    assert codes(bank.problems) == ["too_many_items"] and "5" in bank.problems[0].en


def test_a_stem_that_starts_with_an_equals_sign_is_written_as_text():
    from examhall.banks.formats import write
    from examhall.banks.items import ItemDraft

    draft = ItemDraft(type="true_false", stem="=SUM(A1:A2) 不是公式", answer=True)
    data, extension = write("xlsx", code="c", name="n", description="", drafts=[draft], images={})
    assert extension == "xlsx"
    assert read("bank.xlsx", data).drafts[0].stem == draft.stem


def test_the_shipped_template_reads_as_no_items_and_one_error_naming_the_file():
    """Its example rows are on the help sheet, not the bank sheet: uploaded as it is, it must
    not make an empty bank."""
    bank = read("template.xlsx", TEMPLATE.read_bytes())
    assert bank.drafts == []
    assert [p.text("zh") for p in bank.errors] == ["template.xlsx：文件中没有可导入的试题"]


def test_the_shipped_template_has_every_header_and_explains_them():
    book = openpyxl.load_workbook(TEMPLATE, read_only=True)
    assert book.sheetnames == ["题库", HELP_SHEET]
    header = [cell for cell in next(book["题库"].iter_rows(values_only=True)) if cell]
    assert header == [name for _, name, _ in COLUMNS]
    assert all(f"选项{letter}" in header for letter in "ABCDEFGH")
    help_text = "".join(str(c) for row in book[HELP_SHEET].iter_rows(values_only=True) for c in row if c)
    for kind in ("判断题", "单选题", "多选题", "填空题"):
        assert kind in help_text
    assert list(book["题库"].iter_rows(min_row=2, values_only=True)) == []


def test_the_shipped_template_is_what_the_writer_makes():
    shipped = openpyxl.load_workbook(TEMPLATE, read_only=True)
    made = openpyxl.load_workbook(io.BytesIO(template()), read_only=True)
    for name in shipped.sheetnames:
        assert list(shipped[name].iter_rows(values_only=True)) == list(made[name].iter_rows(values_only=True))


def test_ten_thousand_rows_read_in_a_few_seconds():
    import time

    rows = [
        ["编号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "知识点", "解析"],
        *[
            [
                f"AJ-{i:05d}",
                "单选",
                f"第{i}题：甲烷浓度超过（  ）时必须处理。",
                "0.5%",
                "0.75%",
                "1.0%",
                "1.5%",
                "B",
                "瓦斯",
                "规程",
            ]
            for i in range(10_000)
        ],
    ]
    data = workbook(rows)
    started = time.perf_counter()
    bank = read("bank.xlsx", data)
    elapsed = time.perf_counter() - started
    assert len(bank.drafts) == 10_000 and bank.errors == []
    assert elapsed < 20, f"{elapsed:.1f} s"  # about 2.5 s on two cores; the margin is for busy machines
