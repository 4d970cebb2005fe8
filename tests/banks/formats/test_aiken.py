"""Moodle Aiken: stem, lettered options, ANSWER line; problems named by line number."""

from examhall.banks.formats import read

AIKEN = """瓦斯的主要成分是？
A. 甲烷
B. 乙烷
C) 丙烷
ANSWER: A

下列属于气体的有
（多行题干）
A. 甲烷
B. 氧气
C. 煤
ANSWER: A, B
"""


def test_aiken_questions_read_as_choices():
    bank = read("bank.txt", AIKEN.encode())
    assert bank.problems == []
    single, multiple = bank.drafts
    assert (single.type, single.options, single.answer, single.where.row) == (
        "single_choice",
        ["甲烷", "乙烷", "丙烷"],
        [0],
        1,
    )
    assert (multiple.type, multiple.stem, multiple.answer) == (
        "multiple_choice",
        "下列属于气体的有\n（多行题干）",
        [0, 1],
    )


def test_an_aiken_answer_that_is_no_option_is_reported_on_its_answer_line():
    bank = read("bank.txt", "问题一\nA. 是\nB. 否\nANSWER: D\n\n问题二\n（续）\nA. 是\nB. 否\nANSWER: Z\n".encode())
    assert [(p.code, p.where_en) for p in bank.errors] == [
        ("key_not_an_option", "bank.txt, row 4, column 'answer'"),
        ("bad_key", "bank.txt, row 10, column 'answer'"),
    ]
    assert [p.where for p in bank.errors] == ["bank.txt，第4行，“答案”列", "bank.txt，第10行，“答案”列"]
    assert [d.where.row for d in bank.drafts] == [1, 6]  # the stem's problems stay on the question's line


def test_a_question_missing_its_answer_line_is_reported_by_line():
    bank = read("bank.txt", "问题一\nA. 是\nB. 否\n问题二\nA. 是\nB. 否\nANSWER: B\n".encode())
    assert [(p.code, p.where_en) for p in bank.errors] == [("bad_aiken", "bank.txt, row 1")]
    assert [d.stem for d in bank.drafts] == ["问题二"]


def test_a_text_file_that_is_neither_gift_nor_aiken_says_so():
    bank = read("notes.txt", "只是一些笔记\n没有题目\n".encode())
    assert [p.code for p in bank.problems] == ["unknown_text"]
