"""What every bank format shares: the limits on an upload, what a reader hands back, and the
small conversions of raw cells and tags (text, dates, lists, letters) into draft fields."""

import codecs
import posixpath
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from examhall.banks.items import (
    ALTERNATIVE_SEPARATORS,
    LABELS,
    ItemDraft,
    Location,
    fixed_by_text,
    parse_answer,
    parse_difficulty,
    parse_source,
    parse_type,
    problem,
)
from examhall.errors import Problem

TRUE_FALSE_OPTIONS = (["正确", "错误"], ["对", "错"])


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024  # the uploaded file
    max_items: int = 20_000
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_members: int = 5_000
    max_ratio: int = 200  # uncompressed/compressed per zip member (zip bombs)


@dataclass
class BankFile:
    """Everything read from one uploaded file, and everything wrong with it."""

    drafts: list[ItemDraft] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)  # image file name -> bytes
    problems: list[Problem] = field(default_factory=list)  # every error and warning found in the file
    code: str = ""  # native files carry the bank's code, name and description
    name: str = ""
    description: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]


@dataclass
class Parsed:
    """What a reader found, before the rules every item must meet are checked: the drafts,
    and beside each one the problems met while reading it."""

    drafts: list[ItemDraft] = field(default_factory=list)
    notes: list[list[Problem]] = field(default_factory=list)  # one list per draft
    problems: list[Problem] = field(default_factory=list)  # about the file, not one item
    images: dict[str, bytes] = field(default_factory=dict)
    code: str = ""
    name: str = ""
    description: str = ""
    too_many: bool = False  # the reader stopped at the limit on items

    def add(self, draft: ItemDraft, notes: list[Problem]) -> None:
        self.drafts.append(draft)
        self.notes.append(notes)


# What a file holds that examhall cannot import as it is: a question kind it has no type for,
# an answer worth part of the marks, an image the file does not carry. Readers report each as a
# warning and leave it out; an import refuses the file over them unless told to skip them.
# Each with what skipping it means, in Chinese and English.
SKIPPED = {
    "unsupported_question": ("此题未导入", "not imported"),
    "unsupported_interaction": ("此题未导入", "not imported"),
    "partial_credit": ("部分得分未导入，按不得分计", "its partial credit is left out: it earns nothing"),
    "external_image": ("图片未导入", "the image is left out"),
}
SKIPPABLE = frozenset(SKIPPED)

KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# How a fill-in stem marks its blanks.
BLANK_MARK = re.compile(r"（\s*）|\(\s*\)|_{2,}")
BLANK = "（  ）"
LIST_SEPARATORS = re.compile(r"[；;、,，]")
IMAGE_SEPARATORS = re.compile(r"[;；]")
NONE_WORDS = {"无", "没有", "none", "no", "-", "—"}
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".svg")


def file_problem(file: str, code: str, zh: str, en: str, *, warning: bool = False) -> Problem:
    return problem(Location(file=file), code, zh, en, warning=warning)


def skippable(where: Location, code: str, zh: str, en: str) -> Problem:
    return problem(where, code, zh, en, warning=True)


def no_items(file: str) -> Problem:
    return file_problem(file, "no_items", "文件中没有可导入的试题", "the file holds no item that can be imported")


def name_clash(where: Location, name: str) -> Problem:
    return problem(
        where, "image_name_clash", f"两张不同的图片同名“{name}”", f"two different images are both named '{name}'"
    )


def looks_like(data: bytes) -> tuple[str, str]:
    """What a file seems to be when it is not what its name says, in Chinese and English."""
    signatures = [
        (b"%PDF", "PDF 文件", "a PDF file"),
        (
            b"\xd0\xcf\x11\xe0",
            "旧版 Office 文件（如 .xls 或 .doc），请另存为 .xlsx",
            "an old Office file (.xls or .doc); save it as .xlsx",
        ),
        (b"\x89PNG", "PNG 图片", "a PNG image"),
        (b"\xff\xd8\xff", "JPEG 图片", "a JPEG image"),
        (b"Rar!", "RAR 压缩包，请改用 zip", "a RAR archive; use zip"),
        (b"7z\xbc\xaf", "7z 压缩包，请改用 zip", "a 7z archive; use zip"),
        (b"\x1f\x8b", "gzip 压缩文件", "a gzip file"),
        (b"PK\x03\x04", "zip 压缩包", "a zip archive"),
    ]
    for magic, zh, en in signatures:
        if data.startswith(magic):
            return f"（它看起来是{spaced(zh)}）", f" (it looks like {en})"
    return "", ""


def not_a(file: str, data: bytes, what_zh: str, what_en: str, detail_zh: str = "", detail_en: str = "") -> Problem:
    """The one problem for a file that is not what its name says."""
    zh_hint, en_hint = looks_like(data)
    return file_problem(
        file,
        "bad_file",
        f"文件内容不是有效的{spaced(what_zh)}{zh_hint}" + (f"：{detail_zh}" if detail_zh else ""),
        f"the file is not a valid {what_en}{en_hint}" + (f": {detail_en}" if detail_en else ""),
    )


def spaced(zh: str) -> str:
    """Chinese text sets a Latin word that follows it off by a space."""
    return f" {zh}" if zh[:1].isascii() else zh


def decode_text(data: bytes) -> str | None:
    """Text in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (which covers GBK);
    None when it is none of these or holds binary bytes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    else:
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                return None
    if "\x00" in text:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def cell_text(value: Any) -> str:
    """A cell or field as text: numbers typed into a cell (3.0) read as they show (3)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def split_list(text: str, separators: re.Pattern[str] = LIST_SEPARATORS) -> list[str]:
    return [part.strip() for part in separators.split(text) if part.strip()]


def image_name(path: str) -> str:
    """Images are known by their base name, wherever a file keeps them."""
    return posixpath.basename(path.replace("\\", "/")).strip()


def image_names(raw: Any) -> list[str]:
    names = split_list(raw, IMAGE_SEPARATORS) if isinstance(raw, str) else [cell_text(n) for n in raw or []]
    return list(dict.fromkeys(image_name(n) for n in names if image_name(n)))


DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?")


def parse_date(raw: Any, where: Location) -> tuple[date | None, list[Problem]]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, []
    if isinstance(raw, datetime):
        return raw.date(), []
    if isinstance(raw, date):
        return raw, []
    match = DATE_TEXT.fullmatch(cell_text(raw))
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])), []
        except ValueError:
            pass
    return None, [
        problem(
            where,
            "bad_date",
            f"日期“{cell_text(raw)}”无效，应为日期或 YYYY-MM-DD",
            f"bad date '{cell_text(raw)}'; use a date or YYYY-MM-DD",
        )
    ]


def parse_letters(raw: Any, where: Location) -> tuple[list[int] | None, list[Problem]]:
    """Fixed options as letters (A, AD, A,D, [A, D]). None when the file says nothing, so the
    options are fixed by their text; [] when it says none (无)."""
    if raw is None:
        return None, []
    parts = [cell_text(r) for r in raw] if isinstance(raw, list) else [cell_text(raw)]
    text = unicodedata.normalize("NFKC", "".join(parts)).strip()
    if not isinstance(raw, list) and not text:
        return None, []
    if text.casefold() in NONE_WORDS:
        return [], []
    letters = re.sub(r"[\s,，、;；/]", "", text).upper()
    if any(ch not in LABELS for ch in letters):
        return [], [
            problem(
                where,
                "bad_fixed_option",
                f"固定选项“{text}”无效，应为选项字母，如 D，或“无”",
                f"fixed options '{text}' must be option letters such as D, or 无 (none)",
            )
        ]
    return sorted({LABELS.index(ch) for ch in letters}), []


def letters(indexes: list[int]) -> str:
    return "".join(LABELS[i] for i in indexes if 0 <= i < len(LABELS))


def keep_author_text(parsed: list[list[str]], raw: str) -> list[list[str]]:
    """Fill-in answers as the author typed them. parse_answer reads them in NFKC (so a
    full-width ｜ separates blanks too); where the author's own characters split the same way,
    keep them, so that what was written is what is stored."""
    text = raw.strip()
    blanks = [
        [alt.strip() for alt in ALTERNATIVE_SEPARATORS.split(part) if alt.strip()] for part in re.split(r"[|｜]", text)
    ]
    same = len(blanks) == len(parsed) and all(
        len(mine) == len(theirs)
        and all(unicodedata.normalize("NFKC", a).strip() == b for a, b in zip(mine, theirs, strict=True))
        for mine, theirs in zip(blanks, parsed, strict=False)
    )
    return blanks if same else parsed


def positional(options: list[str], fixed: list[int] | None) -> list[int]:
    """The fixed options: as the file gives them, or by their text when it gives none."""
    return fixed if fixed is not None else fixed_by_text(options)


def fields_draft(cell: Callable[[str], Any], where: Location) -> tuple[ItemDraft | None, list[Problem]]:
    """An item from named fields (a sheet row, a form, a JSON body): `cell(code)` gives the value of
    a field of items.FIELDS, options as option0..option7. No draft when the type is unknown; the
    problems are those of reading the fields (items.validate checks the item as a whole)."""
    notes: list[Problem] = []

    def text(code: str) -> str:
        return cell_text(cell(code))

    item_type, found = parse_type(cell("type"), where.at("type"))
    notes += found
    if item_type is None:
        return None, notes
    options = [text(f"option{i}") for i in range(len(LABELS))]
    while options and not options[-1]:
        options.pop()
    if item_type == "true_false" and options in TRUE_FALSE_OPTIONS:
        options = []
    raw = cell("answer")
    raw_answer = raw if isinstance(raw, bool) else cell_text(raw)
    answer, found = parse_answer(item_type, raw_answer, where.at("answer"))
    notes += found
    if item_type == "fill_blank" and isinstance(answer, list) and isinstance(raw_answer, str):
        answer = keep_author_text(answer, raw_answer)  # type: ignore[arg-type]
    difficulty, found = parse_difficulty(cell("difficulty"), where.at("difficulty"))
    notes += found
    source, found = parse_source(cell("source"), where.at("source"))
    notes += found
    effective_from, found = parse_date(cell("effective_from"), where.at("effective_from"))
    notes += found
    retire_on, found = parse_date(cell("retire_on"), where.at("retire_on"))
    notes += found
    fixed, found = parse_letters(cell("fixed_options"), where.at("fixed_options"))
    notes += found
    draft = ItemDraft(
        type=item_type,
        stem=text("stem"),
        answer=answer if answer is not None else [],
        options=options,
        explanation=text("explanation"),
        category=text("category"),
        knowledge_points=split_list(text("knowledge_points")),
        difficulty=difficulty,
        source=source,
        reference=text("reference"),
        effective_from=effective_from,
        retire_on=retire_on,
        images=image_names(text("images")),
        fixed_options=positional(options, fixed),
        key=text("key"),
        where=where,
    )
    return draft, notes
