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


FORMATS = r"""::Q-101::[plain]天空是什么颜色？{=[plain]blue ~[plain]red ~[moodle]green}

::Q-102::[html]<p>瓦斯的<b>主要</b>成分是&nbsp;<i>？</i><script>alert(1)</script></p>{
=<b>甲烷</b> ~乙烷&amp;丙烷
~[plain]<不是HTML>####<p>甲烷占绝大部分。</p>}

::Q-103::[markdown]下列说法*正确*的是{=对 ~错}

::Q-104::[html]看图回答<img src="@@PLUGINFILE@@/pump.png">：泵的作用是{=排水 ~通风}
"""


def test_format_markers_are_read_not_kept_and_html_reads_as_its_text():
    bank = read("formats.gift", FORMATS.encode())
    plain, html, markdown, picture = bank.drafts
    assert (plain.stem, plain.options, plain.answer) == ("天空是什么颜色？", ["blue", "red", "green"], [0])
    assert html.stem == "瓦斯的主要成分是 ？"  # tags gone, entities read, the script left out
    assert html.options == ["甲烷", "乙烷&丙烷", "<不是HTML>"]  # an answer's own [plain] keeps its < >
    assert html.explanation == "甲烷占绝大部分。"
    assert markdown.stem == "下列说法*正确*的是"
    assert not any("[" in text for d in bank.drafts for text in [d.stem, *d.options])
    assert picture.stem == "看图回答：泵的作用是"


def test_an_image_in_gift_html_is_reported_since_the_file_cannot_carry_it():
    bank = read("formats.gift", FORMATS.encode())
    (image,) = bank.problems
    assert (image.code, image.warning, image.where_en) == (
        "external_image",
        True,
        "formats.gift, row 9, column 'image'",
    )
    assert "@@PLUGINFILE@@/pump.png" in image.en


PARTIAL = """::Q-201::哪种动物会呱呱叫？{
=Frog
=%50%Cat
=%100%Toad
=%50%frog
}
"""


def test_a_partial_credit_answer_is_left_out_never_given_full_marks_and_named_by_its_line():
    bank = read("partial.gift", PARTIAL.encode())
    (draft,) = bank.drafts
    assert (draft.type, draft.answer) == ("fill_blank", [["Frog", "Toad"]])
    cat = next(p for p in bank.problems if p.code == "partial_credit")
    assert cat.where_en == "partial.gift, row 3" and "'Cat' earns 50%" in cat.en and cat.warning
    assert "=Cat" in cat.en and "答案“Cat”只得50%的分" in cat.zh
    # frog scores as Frog anyway (answers compare without case): said, not left out
    frog = next(p for p in bank.problems if p.code == "partial_credit_same")
    assert frog.where_en == "partial.gift, row 5" and frog.warning


def test_a_short_answer_with_only_partial_credit_is_an_unsupported_question():
    bank = read("partial.gift", "甲{=%50%乙}\n\n丙{=丁}\n".encode())
    assert [d.stem for d in bank.drafts] == ["丙（  ）"]
    (only,) = bank.problems
    assert (only.code, only.where_en) == ("unsupported_question", "partial.gift, row 1")


def test_a_choice_option_worth_part_of_the_marks_is_a_wrong_option_and_reported():
    bank = read("choice.gift", "瓦斯的主要成分是？{=甲烷 ~%50%沼气 ~氮气}\n".encode())
    (draft,) = bank.drafts
    assert (draft.type, draft.answer) == ("single_choice", [0])
    (partial,) = bank.problems
    assert partial.code == "partial_credit" and "option '沼气' earns 50%" in partial.en
