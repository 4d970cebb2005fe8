"""CSV: the template's columns, in UTF-8 (with or without BOM) or GBK, rows numbered as a
spreadsheet shows them."""

import codecs

import pytest

from examhall.banks.formats import read

TEXT = (
    "编号,题型,题干,选项A,选项B,答案\n"
    "C-1,单选,瓦斯的主要成分是（  ）,甲烷,乙烷,A\n"
    'C-2,判断,"井下禁止吸烟，\n违者处罚",,,对\n'
)


@pytest.mark.parametrize(
    "data",
    [TEXT.encode("utf-8"), codecs.BOM_UTF8 + TEXT.encode("utf-8"), TEXT.encode("gbk"), TEXT.encode("gb18030")],
    ids=["utf-8", "utf-8 with BOM", "gbk", "gb18030"],
)
def test_a_csv_reads_in_every_encoding_excel_writes(data: bytes):
    bank = read("bank.csv", data)
    assert bank.problems == []
    single, true_false = bank.drafts
    assert (single.key, single.type, single.stem, single.options, single.answer) == (
        "C-1",
        "single_choice",
        "瓦斯的主要成分是（  ）",
        ["甲烷", "乙烷"],
        [0],
    )
    assert (true_false.stem, true_false.answer) == ("井下禁止吸烟，\n违者处罚", True)


def test_csv_rows_count_from_one_at_the_header_line():
    bank = read("bank.csv", "题型,题干,答案\n判断,甲,对\n\n单选,乙,A\n".encode())
    assert [d.where.row for d in bank.drafts] == [2, 4]
    problem = next(p for p in bank.problems if p.code == "option_count")
    assert problem.where_en == "bank.csv, row 4, column 'options'"
    assert problem.where == "bank.csv，第4行，“选项”列"


def test_a_tab_separated_file_reads_too():
    bank = read("bank.csv", b"type\tstem\tanswer\ntrue_false\tA statement\tT\n")
    assert bank.errors == [] and bank.drafts[0].answer is True


def test_a_binary_file_named_csv_is_not_csv():
    bank = read("bank.csv", b"\x00\x01\x02binary")
    assert [p.code for p in bank.problems] == ["bad_file"]
    assert "CSV" in bank.problems[0].zh and bank.drafts == []


def test_a_csv_without_a_header_says_so():
    bank = read("bank.csv", b"a,b\nc,d\n")
    assert [p.code for p in bank.problems] == ["no_header"]
