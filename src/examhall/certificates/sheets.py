"""A table written as an Excel workbook: one sheet, a bold header row, dates as dates. The
registry export and the review list are both such tables."""

import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _cell(sheet: Any, value: Any, *, header: bool = False) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, never a formula, and an ID number never a number
    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if header:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    return cell


def table(title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]]) -> bytes:
    """A workbook of one sheet `title`: `columns` are (header, width in characters)."""
    book = openpyxl.Workbook(write_only=True)
    book.properties.creator = "examhall"
    sheet = book.create_sheet(title)
    for position, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, header, header=True) for header, _ in columns])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
