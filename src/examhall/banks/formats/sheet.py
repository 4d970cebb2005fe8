"""The Excel template (.xlsx) and CSV, read: one item per row under a header row, whose columns
may come in any order and be headed in Chinese or English."""

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import openpyxl
from defusedxml import DefusedXmlException

from examhall.banks.formats.common import (
    Limits,
    Parsed,
    cell_text,
    decode_text,
    fields_draft,
    file_problem,
    not_a,
)
from examhall.banks.items import LABELS, ItemDraft, Location, problem
from examhall.banks.location import FIELDS
from examhall.errors import Problem

T = TypeVar("T")
Progress = Callable[[int, int], None]
Rows = Iterator[tuple[int, Sequence[Any]]]
HEADER_ROWS = 5
PROGRESS_EVERY = 500
# Column headers beyond items.FIELDS: the letters of the options that stay in place, and the
# names people commonly give the columns in their own sheets.
EXTRA_HEADERS = {
    "固定选项": "fixed_options",
    "fixed_options": "fixed_options",
    "fixed_option": "fixed_options",
    "id": "key",
    "knowledge_points": "knowledge_points",
    "images": "images",
    "题目": "stem",
    "试题类型": "type",
    "正确答案": "answer",
    "标准答案": "answer",
    "参考答案": "answer",
    "答案解析": "explanation",
    "试题解析": "explanation",
}
REQUIRED = ("type", "stem", "answer")
# The sheet on which a workbook examhall wrote keeps the bank's own fields, label and value.
INFO_SHEET = "题库信息"
INFO_FIELDS = {"code": ("题库代码", "code"), "name": ("题库名称", "name"), "description": ("题库说明", "description")}
INFO_ROWS = 20
EXCEL_ZH, EXCEL_EN = "Excel（.xlsx）文件", "Excel (.xlsx) workbook"
CSV_ZH, CSV_EN = "CSV 文本文件（UTF-8 或 GBK 编码）", "CSV text file (UTF-8 or GBK)"


class Unreadable(Exception):
    """The workbook or CSV broke while its rows were being read."""


def header_key(text: Any) -> str:
    """A header as compared: no width, case, spaces, underscores, notes in brackets or stars."""
    plain = unicodedata.normalize("NFKC", cell_text(text)).casefold()
    plain = re.sub(r"\(.*?\)|\[.*?\]|\*", "", plain)
    return re.sub(r"[\s_\-]", "", plain)


def _headers() -> dict[str, str]:
    known = {header_key(name): code for code, names in FIELDS.items() if code != "options" for name in names}
    known.update({header_key(name): code for name, code in EXTRA_HEADERS.items()})
    for index, label in enumerate(LABELS):
        known.update({header_key(name): f"option{index}" for name in (f"选项{label}", label, f"option_{label}")})
    return known


HEADERS = _headers()
INFO_LABELS = {header_key(label): code for code, labels in INFO_FIELDS.items() for label in labels}


@dataclass
class Columns:
    """Which column (0-based) holds which field, and what was odd about the header row."""

    index: dict[str, int] = field(default_factory=dict)
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # code, zh, en (warnings)
    names: dict[str, str] = field(default_factory=dict)  # field code: its header as the sheet writes it

    def cell(self, values: Sequence[Any], code: str) -> Any:
        position = self.index.get(code)
        return values[position] if position is not None and position < len(values) else None


def find_columns(row: Sequence[Any]) -> Columns | None:
    """The columns a header row names, or None when the row is no header (has no 题干/stem)."""
    codes = [HEADERS.get(header_key(cell)) for cell in row]
    if "stem" not in codes:
        return None
    columns = Columns()
    for position, (cell, code) in enumerate(zip(row, codes, strict=True)):
        name = cell_text(cell)
        if code is None:
            if name:
                columns.notes.append(
                    ("unknown_column", f"不认识的列“{name}”，已忽略", f"unknown column '{name}' ignored")
                )
        elif code in columns.index:
            columns.notes.append(("duplicate_column", f"列“{name}”重复，已忽略", f"column '{name}' repeats; ignored"))
        else:
            columns.index[code] = position
            columns.names[code] = name
    options = [columns.names[f"option{i}"] for i in range(len(LABELS)) if f"option{i}" in columns.names]
    if options:
        columns.names["options"] = options[0] if len(options) == 1 else f"{options[0]}-{options[-1]}"
    return columns


def row_draft(columns: Columns, values: Sequence[Any], where: Location) -> tuple[ItemDraft | None, list[Problem]]:
    """One row as a draft, and what was wrong with its cells; no draft when its type is unknown."""
    return fields_draft(lambda code: columns.cell(values, code), where)


def read_rows(
    file: str, sheet: str, rows: Rows, total: int, limits: Limits, progress: Progress | None
) -> Parsed | None:
    """The items under the header row, which is one of the first rows; None when there is none."""
    head = list(itertools.islice(rows, HEADER_ROWS))
    for position in range(len(head)):
        header_row, values = head[position]
        columns = find_columns(values)
        if columns is not None:
            break
    else:
        return None
    parsed = Parsed()
    names = tuple(columns.names.items())
    header_where = Location(file, sheet, header_row)
    for code, zh, en in columns.notes:
        parsed.problems.append(problem(header_where, code, zh, en, warning=True))
    if missing := [code for code in REQUIRED if code not in columns.index]:
        parsed.problems.append(
            problem(
                header_where,
                "missing_column",
                "表头缺少列：" + "、".join(FIELDS[code][0] for code in missing),
                "the header row lacks the columns: "
                + ", ".join(f"{FIELDS[code][1]} ({FIELDS[code][0]})" for code in missing),
            )
        )
        return parsed
    number = header_row
    for number, values in itertools.chain(head[position + 1 :], rows):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number, max(total, number))
        if all(cell_text(value) == "" for value in values):
            continue
        if len(parsed.drafts) >= limits.max_items:
            parsed.too_many = True
            break
        draft, notes = row_draft(columns, values, Location(file, sheet, number, names=names))
        if draft is None:
            parsed.problems += notes
        else:
            parsed.add(draft, notes)
    if progress is not None:
        progress(max(total, number), max(total, number))
    return parsed


def no_header(file: str) -> Parsed:
    return Parsed(
        problems=[
            file_problem(
                file,
                "no_header",
                f"找不到表头：前{HEADER_ROWS}行中没有含“题干”列的行",
                f"no header row: none of the first {HEADER_ROWS} rows has a 'stem' (题干) column",
            )
        ]
    )


def _guarded(rows: Iterable[Sequence[Any]]) -> Rows:
    """Rows numbered as a spreadsheet shows them; a failure of the parser underneath becomes
    Unreadable, so that it is told apart from a mistake in reading the cells."""
    try:
        yield from enumerate(rows, 1)
    except Exception as exc:
        raise Unreadable(str(exc)) from exc


def unsafe_workbook(file: str) -> Problem:
    return file_problem(
        file,
        "unsafe_xml",
        "Excel 文件中含有实体声明等不安全的 XML 内容，已拒绝",
        "the workbook holds unsafe XML (entity declarations); refused",
    )


def read_table(
    file: str, data: bytes, kind: str, consume: Callable[[str, Rows, int], T | None], *, first: str = ""
) -> T | Problem | None:
    """Read an .xlsx workbook (kind "xlsx") or a CSV file (kind "csv") as numbered rows: `consume`
    gets each sheet in turn (its name, its rows, about how many) until it finds its header and
    returns a result; the sheet named `first`, if any, before the others wherever it is. None
    when no sheet had one; a Problem when the file cannot be read."""
    if kind == "csv":
        text = decode_text(data)
        if text is None:
            return not_a(file, data, CSV_ZH, CSV_EN)
        start = "\n".join(text.split("\n", HEADER_ROWS)[:HEADER_ROWS])
        reader = csv.reader(io.StringIO(text), delimiter="\t" if start.count("\t") > start.count(",") else ",")
        try:
            return consume("", _guarded(reader), text.count("\n") + 1)
        except Unreadable as exc:
            line = reader.line_num
            return not_a(file, data, CSV_ZH, CSV_EN, f"第{line}行：{exc}", f"line {line}: {exc}")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DefusedXmlException:
        return unsafe_workbook(file)
    except Exception:  # openpyxl fails on damaged workbooks in many ways; all mean the same to the user
        return not_a(file, data, EXCEL_ZH, EXCEL_EN)
    try:
        for sheet in sorted(book.worksheets, key=lambda sheet: sheet.title != first):
            total = sheet.max_row or 0
            sheet.reset_dimensions()  # a stale dimension must not make us walk a million empty rows
            found = consume(sheet.title, _guarded(sheet.iter_rows(values_only=True)), total)
            if found is not None:
                return found
    except Unreadable as exc:
        if isinstance(exc.__cause__, DefusedXmlException):
            return unsafe_workbook(file)
        return not_a(file, data, EXCEL_ZH, EXCEL_EN)
    finally:
        book.close()
    return None


def read_info(rows: Rows) -> dict[str, str]:
    """The bank's code, name and description from the sheet 题库信息 (label, value rows)."""
    found: dict[str, str] = {}
    for _, values in itertools.islice(rows, INFO_ROWS):
        if len(values) >= 2 and (code := INFO_LABELS.get(header_key(values[0]))):
            found.setdefault(code, cell_text(values[1]))
    return found


def read_sheet(file: str, data: bytes, kind: str, limits: Limits, progress: Progress | None = None) -> Parsed:
    """A bank from the Excel template or a CSV file with its columns; a workbook examhall wrote
    also carries the bank's code, name and description on its sheet 题库信息."""
    info: dict[str, str] = {}

    def consume(sheet: str, rows: Rows, total: int) -> Parsed | None:
        if sheet == INFO_SHEET:
            info.update(read_info(rows))
            return None
        return read_rows(file, sheet, rows, total, limits, progress)

    found = read_table(file, data, kind, consume, first=INFO_SHEET)
    if isinstance(found, Problem):
        return Parsed(problems=[found])
    parsed = found if found is not None else no_header(file)
    parsed.code, parsed.name, parsed.description = (info.get(k, "") for k in ("code", "name", "description"))
    return parsed
