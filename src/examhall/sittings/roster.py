"""Roster files (考生名单): an Excel workbook or a CSV file, one candidate per row, every problem
reported with its row and column. Pure: nothing here touches the database."""

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from examhall.banks.formats.archive import is_zip
from examhall.banks.formats.common import cell_text, parse_date
from examhall.banks.formats.sheet import HEADER_ROWS, Rows, header_key, read_table
from examhall.banks.items import Location, problem
from examhall.errors import Problem
from examhall.sittings.identity import IdNumber, IdProblem, parse_id_number

# Column codes with the headers they are known by, Chinese and English.
COLUMNS = {
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "id_number", "id"),
    "gender": ("性别", "gender"),
    "birth_date": ("出生日期", "birth_date"),
    "enterprise": ("企业", "单位", "工作单位", "enterprise"),
    "institution": ("培训机构", "institution"),
    "category": ("工种", "类别", "工种/类别", "工种类别", "category"),
    "phone": ("手机", "手机号", "电话", "phone"),
    "training_hours": ("培训学时", "学时", "training_hours"),
    "training_completed": ("培训结束日期", "结业日期", "training_completed"),
}
HEADERS = {header_key(name): code for code, names in COLUMNS.items() for name in names}
REQUIRED = ("name", "id_number")
MAX_ROWS = 5000


@dataclass(frozen=True)
class RosterRow:
    row: int
    name: str
    id_number: IdNumber
    enterprise: str
    institution: str
    category: str
    phone: str
    training_hours: Decimal
    training_completed: date | None


@dataclass
class RosterFile:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _read_row(
    file: str, sheet: str, number: int, values: Sequence[Any], index: dict[str, int], today: date, category: str | None
) -> tuple[RosterRow | None, list[Problem]]:
    def text(code: str) -> str:
        position = index.get(code)
        return cell_text(values[position]) if position is not None and position < len(values) else ""

    def at(code: str) -> Location:
        return Location(file, sheet, number, COLUMNS[code][0])

    found: list[Problem] = []
    name = re.sub(r"\s+", "", text("name"))
    if not name:
        found.append(problem(at("name"), "missing_name", "姓名为空", "the name is empty"))
    identity = parse_id_number(text("id_number"), today=today)
    if isinstance(identity, IdProblem):
        found.append(problem(at("id_number"), identity.code, identity.zh, identity.en))
    else:
        gender = text("gender")
        if gender and gender.rstrip("性") != identity.gender:
            found.append(
                problem(
                    at("gender"),
                    "gender_mismatch",
                    f"性别“{gender}”与身份证号（{identity.gender}）不符",
                    f"gender '{gender}' disagrees with the ID number ({identity.gender})",
                )
            )
        position = index.get("birth_date")
        if position is not None and position < len(values) and cell_text(values[position]):
            born, notes = parse_date(values[position], at("birth_date"))
            found += notes
            if born is not None and born != identity.birth_date:
                found.append(
                    problem(
                        at("birth_date"),
                        "birth_date_mismatch",
                        f"出生日期{born}与身份证号（{identity.birth_date}）不符",
                        f"birth date {born} disagrees with the ID number ({identity.birth_date})",
                    )
                )
    phone = unicodedata.normalize("NFKC", text("phone")).replace(" ", "").replace("-", "")
    if phone and not re.fullmatch(r"1\d{10}", phone):
        found.append(
            problem(at("phone"), "bad_phone", f"手机号“{phone}”应为11位数字", f"phone '{phone}' is not 11 digits")
        )
    hours = Decimal(0)
    if raw_hours := text("training_hours"):
        try:
            hours = Decimal(unicodedata.normalize("NFKC", raw_hours))
            if hours < 0 or hours > 10_000:
                raise InvalidOperation
        except InvalidOperation:
            found.append(
                problem(
                    at("training_hours"),
                    "bad_hours",
                    f"培训学时“{raw_hours}”不是有效数字",
                    f"training hours '{raw_hours}' is not a number",
                )
            )
    row_category = text("category")
    if category and row_category and row_category != category:
        found.append(
            problem(
                at("category"),
                "category_mismatch",
                f"工种“{row_category}”与本场考试（{category}）不符",
                f"category '{row_category}' is not this exam's ({category})",
            )
        )
    completed = None
    position = index.get("training_completed")
    if position is not None and position < len(values):
        completed, notes = parse_date(values[position], at("training_completed"))
        found += notes
    if found or isinstance(identity, IdProblem):
        return None, found
    return RosterRow(
        number,
        name,
        identity,
        text("enterprise"),
        text("institution"),
        row_category or category or "",
        phone,
        hours,
        completed,
    ), []


def _header(head: list[tuple[int, Sequence[Any]]]) -> tuple[int, list[str | None]] | None:
    """Which of the first rows is the header, and the column code of each of its cells."""
    for position, (_, values) in enumerate(head):
        codes = [HEADERS.get(header_key(cell)) for cell in values]
        if "id_number" in codes or "name" in codes:
            return position, codes
    return None


def read_roster(filename: str, data: bytes, *, today: date, category: str | None = None) -> RosterFile:
    """Every candidate of a roster file, or every problem in it (all of them, each located)."""
    roster = RosterFile()
    kind = "xlsx" if is_zip(data) or filename.lower().endswith(".xlsx") else "csv"

    def consume(sheet: str, rows: Rows, _total: int) -> RosterFile | None:
        head = list(itertools.islice(rows, HEADER_ROWS))
        header = _header(head)
        if header is None:
            return None
        at_header, codes = header
        header_row = head[at_header][0]
        index = {code: position for position, code in reversed(list(enumerate(codes))) if code}
        if missing := [code for code in REQUIRED if code not in index]:
            roster.problems.append(
                problem(
                    Location(filename, sheet, header_row),
                    "missing_column",
                    "表头缺少列：" + "、".join(COLUMNS[c][0] for c in missing),
                    "the header row lacks: " + ", ".join(COLUMNS[c][-1] for c in missing),
                )
            )
            return roster
        seen: dict[str, int] = {}
        for number, row_values in itertools.chain(head[at_header + 1 :], rows):
            if all(cell_text(v) == "" for v in row_values):
                continue
            if len(roster.rows) + len(roster.problems) >= MAX_ROWS:
                roster.problems.append(
                    problem(
                        Location(filename, sheet),
                        "too_many",
                        f"名单超过{MAX_ROWS}行",
                        f"a roster holds at most {MAX_ROWS} rows",
                    )
                )
                break
            row, found = _read_row(filename, sheet, number, row_values, index, today, category)
            roster.problems += found
            if row is not None:
                if row.id_number.value in seen:
                    roster.problems.append(
                        problem(
                            Location(filename, sheet, number, "身份证号"),
                            "duplicate_id",
                            f"身份证号与第{seen[row.id_number.value]}行重复",
                            f"the ID number repeats row {seen[row.id_number.value]}",
                        )
                    )
                    continue
                seen[row.id_number.value] = number
                roster.rows.append(row)
        return roster

    found = read_table(filename, data, kind, consume)
    if isinstance(found, Problem):
        return RosterFile(problems=[found])
    if found is None:
        return RosterFile(
            problems=[
                Problem(
                    "no_header",
                    f"找不到表头：前{HEADER_ROWS}行中没有含“姓名”或“身份证号”的行",
                    f"no header row with 姓名 (name) or 身份证号 (id_number) in the first {HEADER_ROWS} rows",
                    filename,
                )
            ]
        )
    if not found.rows and not found.problems:
        found.problems.append(Problem("empty", "名单中没有考生", "the roster lists no candidate", filename))
    return found
