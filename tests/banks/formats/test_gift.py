"""Moodle GIFT: each question kind examhall has a type for, categories, titles, escapes and
general feedback; the kinds it has none for are warnings naming their line."""

from examhall.banks.formats import read

GIFT = r"""// a comment line
$CATEGORY: $course$/top/煤矿安全检查作业

::Q-001::井下必须佩戴自救器。{T}

::Q-002::瓦斯的主要成分是？{=甲烷 #对 ~乙烷 #错 ~丙烷 ####甲烷占瓦斯的绝大部分。}

::Which are gases::下列属于气体的有{~%50%甲烷 ~%50%氧气 ~%-100%煤}

::Q-004::中国的首都是哪里？{=北京 =北京市}

::Q-005::矿井 {=甲烷 =瓦斯} 浓度超限时必须停电。

Moodle costs {~lots of money =nothing ~a small amount} to download.

比例 50\% 写作 1\:2 \{不是公式\}，请选{=对 ~错 \~ 也错}

::num::π 约等于？{#3.14:0.01}

::match::配对 {=甲 -> 1 =乙 -> 2}

写一篇作文 {}
"""


def test_each_supported_gift_question_reads_as_its_item_type():
    bank = read("bank.gift", GIFT.encode())
    true_false, single, multiple, fill, middle, missing_word, escaped = bank.drafts
    assert (true_false.type, true_false.answer, true_false.key, true_false.category) == (
        "true_false",
        True,
        "Q-001",
        "煤矿安全检查作业",
    )
    assert (single.type, single.options, single.answer) == ("single_choice", ["甲烷", "乙烷", "丙烷"], [0])
    assert single.explanation == "甲烷占瓦斯的绝大部分。"
    assert (multiple.type, multiple.answer, multiple.key) == ("multiple_choice", [0, 1], "")
    assert (fill.type, fill.answer, fill.stem) == ("fill_blank", [["北京", "北京市"]], "中国的首都是哪里？（  ）")
    assert (middle.stem, middle.answer) == ("矿井 （  ） 浓度超限时必须停电。", [["甲烷", "瓦斯"]])
    assert (missing_word.type, missing_word.stem, missing_word.answer) == (
        "single_choice",
        "Moodle costs （  ） to download.",
        [1],
    )
    assert escaped.stem == "比例 50\\% 写作 1:2 {不是公式}，请选"
    assert escaped.options == ["对", "错 ~ 也错"]


def test_unsupported_gift_questions_are_warnings_naming_their_line():
    bank = read("bank.gift", GIFT.encode())
    unsupported = [p for p in bank.problems if p.code == "unsupported_question"]
    assert [p.where_en for p in unsupported] == ["bank.gift, row 18", "bank.gift, row 20", "bank.gift, row 22"]
    assert all(p.warning for p in unsupported)
    assert "numeric" in unsupported[0].en and "matching" in unsupported[1].en and "essay" in unsupported[2].en
    assert bank.errors == []


def test_a_txt_file_in_gift_is_recognised():
    bank = read("questions.txt", "井下可以吸烟。{F}\n".encode())
    assert bank.drafts[0].answer is False


def test_a_question_without_its_closing_brace_is_an_error_on_its_line():
    bank = read("bank.gift", "甲{T}\n\n乙 {=a ~b\n".encode())
    assert [(p.code, p.where_en) for p in bank.errors] == [("bad_gift", "bank.gift, row 3")]


def test_a_gift_file_with_no_importable_question_yields_no_items():
    bank = read("bank.gift", "::n:: π? {#3.14}\n".encode())
    assert [p.code for p in bank.errors] == ["no_items"]
