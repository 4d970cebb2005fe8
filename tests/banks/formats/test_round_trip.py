"""Writing a bank and reading it back gives the same drafts, in the same order, for the Excel
template, the QTI package and the native format: every field, images and fixed options too."""

import io
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examhall.banks.formats import read, write
from examhall.banks.items import LABELS, ItemDraft, normalize_text

FORMATS = ["xlsx", "qti", "json", "yaml"]
LETTERS = "甲乙丙丁戊矿井瓦斯通风安全煤尘ABCabcz0123"
MARKS = " %.,，。（）？：=-"


def line(alphabet: str = LETTERS + MARKS) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=1, max_size=12).map(str.strip).filter(bool)


def lines(max_lines: int = 3) -> st.SearchStrategy[str]:
    return st.lists(line(), min_size=1, max_size=max_lines).map("\n".join)


words = line(LETTERS)
optional_text = st.one_of(st.just(""), lines())


@st.composite
def drafts(draw: Any) -> ItemDraft:
    kind = draw(st.sampled_from(["true_false", "single_choice", "multiple_choice", "fill_blank"]))
    stem = draw(lines())
    options: list[str] = []
    answer: Any
    fixed: list[int] = []
    if kind == "true_false":
        answer = draw(st.booleans())
    elif kind == "fill_blank":
        blanks = draw(st.lists(st.lists(words, min_size=1, max_size=3, unique=True), min_size=1, max_size=3))
        answer = blanks
        if draw(st.booleans()):
            marks = draw(
                st.lists(
                    st.sampled_from(["（  ）", "____", "(  )", "（）"]), min_size=len(blanks), max_size=len(blanks)
                )
            )
            stem = "".join(f"{stem}{mark}" for mark in marks)
    else:
        options = draw(
            st.lists(st.one_of(line(), lines(2)), min_size=2, max_size=len(LABELS), unique_by=normalize_text)
        )
        least = 2 if kind == "multiple_choice" else 1
        most = len(options) if kind == "multiple_choice" else 1
        answer = sorted(draw(st.sets(st.integers(0, len(options) - 1), min_size=least, max_size=most)))
        fixed = sorted(draw(st.sets(st.integers(0, len(options) - 1), max_size=2)))
    effective = draw(st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2040, 1, 1))))
    retire = draw(st.one_of(st.none(), st.integers(1, 3000)))
    return ItemDraft(
        type=kind,
        stem=stem,
        answer=answer,
        options=options,
        explanation=draw(optional_text),
        category=draw(st.one_of(st.just(""), line())),
        knowledge_points=draw(st.lists(words, max_size=3)),
        difficulty=draw(st.integers(1, 5)),
        source=draw(st.sampled_from(["national", "provincial"])),
        reference=draw(st.one_of(st.just(""), line())),
        effective_from=effective,
        retire_on=(effective or date(2000, 1, 1)) + timedelta(days=retire) if retire else None,
        images=draw(
            st.lists(st.text("abc泵图12", min_size=1, max_size=6).map(lambda n: f"{n}.png"), max_size=2, unique=True)
        ),
        fixed_options=fixed,
    )


@st.composite
def banks(draw: Any) -> list[ItemDraft]:
    found = draw(st.lists(drafts(), min_size=1, max_size=6))
    for number, draft in enumerate(found):
        if draw(st.booleans()):
            draft.key = f"K-{number}.{draw(st.integers(0, 99))}"
    return found


def same(written: list[ItemDraft], read_back: list[ItemDraft]) -> None:
    assert [d.content() for d in read_back] == [d.content() for d in written]
    assert [(d.key, d.fixed_options) for d in read_back] == [(d.key, d.fixed_options) for d in written]


def images_of(drafts: list[ItemDraft]) -> dict[str, bytes]:
    return {name: b"\x89PNG\r\n\x1a\n" + name.encode() for draft in drafts for name in draft.images}


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=40, deadline=None)
@given(written=banks())
def test_a_written_bank_reads_back_the_same(fmt: str, written: list[ItemDraft]):
    images = images_of(written)
    data, extension = write(fmt, code="coal-1", name="煤矿", description="题库", drafts=written, images=images)
    bank = read(f"bank.{extension}", data)
    assert bank.errors == []
    same(written, bank.drafts)
    assert bank.images == images


EXAMPLE = [
    ItemDraft(
        type="single_choice",
        stem="甲烷浓度超过（  ）时\n必须立即处理",
        answer=[1],
        options=["0.5%", "0.75%", "=1.0%", "以上都不对"],
        explanation="《煤矿安全规程》规定。\n第二行",
        category="煤矿安全检查作业",
        knowledge_points=["瓦斯防治", "通风"],
        difficulty=2,
        source="provincial",
        reference="《煤矿安全规程》第一百七十一条",
        effective_from=date(2022, 4, 1),
        retire_on=date(2030, 1, 1),
        images=["泵 1.png"],
        fixed_options=[],
        key="AJ-0001",
    ),
    ItemDraft(
        type="multiple_choice", stem="多选", answer=[0, 2], options=["甲", "乙\n丙", "以上都对"], fixed_options=[0, 2]
    ),
    ItemDraft(type="true_false", stem="判断", answer=False, key="007"),
    ItemDraft(type="fill_blank", stem="浓度____和(  )", answer=[["０．７５％", "0.75%"], ["20"]], key="f.1"),
    ItemDraft(type="fill_blank", stem="不标空位", answer=[["甲"]]),
    ItemDraft(type="single_choice", stem="正确错误两个选项的单选", answer=[0], options=["正确", "错误"]),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_awkward_items_survive_every_format(fmt: str):
    images = {"泵 1.png": b"\x89PNG\r\n\x1a\n pump"}
    data, extension = write(fmt, code="coal", name="煤矿", description="说明", drafts=EXAMPLE, images=images)
    assert extension == ("zip" if fmt == "qti" or images else fmt)
    bank = read(f"bank.{extension}", data)
    assert bank.errors == []
    same(EXAMPLE, bank.drafts)
    assert bank.images == images


@pytest.mark.parametrize("fmt", ["xlsx", "qti", "json", "yaml"])
def test_the_bank_code_name_and_description_survive(fmt: str):
    data, extension = write(fmt, code="coal", name="煤矿", description="说明", drafts=EXAMPLE[2:3], images={})
    bank = read(f"bank.{extension}", data)
    assert (bank.code, bank.name, bank.description) == ("coal", "煤矿", "说明")


def test_a_workbook_without_the_bank_sheet_reads_as_before_with_no_name():
    """Workbooks made before the sheet 题库信息 existed, and the template, carry no bank fields."""
    data, _ = write("xlsx", code="c", name="煤矿", description="说明", drafts=EXAMPLE[2:3], images={})
    book = openpyxl.load_workbook(io.BytesIO(data))
    del book["题库信息"]
    out = io.BytesIO()
    book.save(out)
    bank = read("old.xlsx", out.getvalue())
    assert (bank.errors, len(bank.drafts), bank.name, bank.description) == ([], 1, "", "")


def test_without_images_the_workbook_is_written_alone():
    data, extension = write("xlsx", code="c", name="n", description="", drafts=EXAMPLE[2:3], images={})
    assert extension == "xlsx" and data.startswith(b"PK")


def test_the_qti_package_keeps_the_explanation_as_feedback_other_systems_show():
    import io
    import zipfile

    data, _ = write("qti", code="c", name="n", description="", drafts=EXAMPLE[:1], images={"泵 1.png": b"png"})
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {"imsmanifest.xml", "items/AJ-0001.xml", "images/泵 1.png"} <= set(archive.namelist())
    item = archive.read("items/AJ-0001.xml").decode()
    assert "<modalFeedback" in item and "《煤矿安全规程》规定。" in item
    assert 'src="../images/%E6%B3%B5%201.png"' in item


def test_an_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown bank format"):
        write("docx", code="c", name="n", description="", drafts=[], images={})
