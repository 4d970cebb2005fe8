"""One row of a registry file (the national registry's layout), read and checked against the
database: the holder, the kind it matches, its number and dates. Pure but for what `context`
reads once per file."""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.banks.formats.common import DATE_TEXT, cell_text
from examhall.banks.formats.sheet import header_key
from examhall.certificates.kinds import kinds
from examhall.certificates.models import CertificateKind
from examhall.certificates.periods import add_years
from examhall.errors import Problem
from examhall.sittings.identity import IdNumber, IdProblem, parse_id_number
from examhall.sittings.models import Candidate, Certificate

# Column codes with the headers they are known by; the first is the one an export writes.
COLUMNS = {
    "name": ("姓名",),
    "gender": ("性别",),
    "id_number": ("身份证号", "身份证号码", "证件号码", "公民身份号码"),
    "work_class": ("作业类别",),
    "operation_item": ("准操项目", "操作项目"),
    "first_issued_on": ("初领日期",),
    "valid_until": ("有效期至", "有效期截止日期", "有效截止日期"),
    "next_review_on": ("复审日期", "应复审日期"),
    "issuer": ("发证机关",),
    "number": ("证书编号", "证号"),
    "enterprise": ("工作单位", "企业", "单位"),
    "standing": ("状态", "证书状态"),
}
HEADERS = {header_key(name): code for code, names in COLUMNS.items() for name in names}
REQUIRED = ("name", "id_number", "operation_item", "first_issued_on", "valid_until")
# An export's 状态 that a row may carry: anything else (暂扣, 已撤销) is not imported as valid.
IMPORTABLE_STANDING = re.compile(r"^(有效|已失效.*|)$")


@dataclass(frozen=True)
class Place:
    """Where in the file: its name, the sheet, the row and the column (as the file heads it)."""

    file: str
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def at(self, column: str) -> "Place":
        return Place(self.file, self.sheet, self.row, column)

    def problem(self, code: str, zh: str, en: str) -> Problem:
        sheet = ([f"工作表“{self.sheet}”"], [f"sheet '{self.sheet}'"]) if self.sheet else ([], [])
        row = ([f"第{self.row}行"], [f"row {self.row}"]) if self.row is not None else ([], [])
        column = ([f"“{self.column}”列"], [f"column '{self.column}'"]) if self.column else ([], [])
        return Problem(
            code,
            zh,
            en,
            where="，".join([self.file, *sheet[0], *row[0], *column[0]]),
            where_en=", ".join([self.file, *sheet[1], *row[1], *column[1]]),
        )


def read_date(raw: Any) -> date | str | None:
    """A cell as a date; None when empty; the cell's text when it is no date."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = cell_text(raw)
    if not text:
        return None
    match = DATE_TEXT.fullmatch(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    return text


@dataclass(frozen=True)
class RegistryRow:
    """One row, read and checked: the certificate it becomes."""

    row: int
    name: str
    id_number: IdNumber
    kind: CertificateKind
    number: str
    first_issued_on: date
    issued_on: date
    valid_until: date
    next_review_on: date | None
    issuer: str
    enterprise: str
    new_holder: bool  # no candidate has this ID number yet: one is made


def plain(text: str) -> str:
    """Text as compared: full width folded, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _kind_finder(all_kinds: list[CertificateKind]) -> Any:
    by_item: dict[tuple[str, str], list[CertificateKind]] = {}
    by_category: dict[str, list[CertificateKind]] = {}
    for kind in all_kinds:
        if kind.operation_item:
            by_item.setdefault((plain(kind.work_class), plain(kind.operation_item)), []).append(kind)
        by_category.setdefault(plain(kind.category), []).append(kind)

    def find(work_class: str, item: str) -> list[CertificateKind]:
        found = by_item.get((plain(work_class), plain(item)))
        if found:
            return found
        return [
            k for k in by_category.get(plain(item), []) if not work_class or plain(k.work_class) == plain(work_class)
        ]

    return find


@dataclass
class Context:
    """What the rows are checked against, read from the database once per file."""

    today: date
    find_kind: Any
    candidates: dict[str, Candidate]
    held: dict[tuple[int, int], list[Certificate]]  # (candidate, kind): its certificates not revoked
    numbers: set[tuple[int, str]]  # (kind, number) of every certificate


def context(db: Session, id_numbers: Iterable[str], today: date) -> Context:
    wanted = sorted(set(id_numbers))
    candidates: dict[str, Candidate] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        candidates.update({c.id_number: c for c in db.scalars(select(Candidate).where(Candidate.id_number.in_(chunk)))})
    held: dict[tuple[int, int], list[Certificate]] = {}
    ids = [c.id for c in candidates.values()]
    for start in range(0, len(ids), 500):
        query = select(Certificate).where(
            Certificate.candidate_id.in_(ids[start : start + 500]), Certificate.state != "revoked"
        )
        for certificate in db.scalars(query):
            if certificate.kind_id is not None:
                held.setdefault((certificate.candidate_id, certificate.kind_id), []).append(certificate)
    numbers = {(k, n) for k, n in db.execute(select(Certificate.kind_id, Certificate.number)) if k is not None}
    return Context(today, _kind_finder(kinds(db)), candidates, held, numbers)


@dataclass
class Cells:
    """One row's cells by column code, and where each is."""

    values: Sequence[Any]
    index: dict[str, int]
    names: dict[str, str]  # column code: its header as the file writes it
    where: Place

    def raw(self, code: str) -> Any:
        position = self.index.get(code)
        return self.values[position] if position is not None and position < len(self.values) else None

    def text(self, code: str) -> str:
        return cell_text(self.raw(code))

    def at(self, code: str) -> Place:
        return self.where.at(self.names.get(code, COLUMNS[code][0]))


def read_row(cells: Cells, known: Context) -> tuple[RegistryRow | None, list[Problem]]:
    found: list[Problem] = []

    def bad(code: str, key: str, zh: str, en: str) -> None:
        found.append(cells.at(code).problem(key, zh, en))

    name = re.sub(r"\s+", "", cells.text("name"))
    if not name:
        bad("name", "missing_name", "姓名为空", "the name is empty")
    identity = parse_id_number(cells.text("id_number"), today=known.today)
    holder = None
    if isinstance(identity, IdProblem):
        bad("id_number", identity.code, identity.zh, identity.en)
    else:
        gender = plain(cells.text("gender"))
        if gender and gender.rstrip("性") != identity.gender:
            bad(
                "gender",
                "gender_mismatch",
                f"性别“{gender}”与身份证号（{identity.gender}）不符",
                f"gender '{gender}' disagrees with the ID number ({identity.gender})",
            )
        holder = known.candidates.get(identity.value)
        if holder is not None and name and holder.name != name:
            bad(
                "name",
                "name_mismatch",
                f"该身份证号已登记的姓名为“{holder.name}”，本行为“{name}”",
                f"the ID number is registered as '{holder.name}', the row says '{name}'",
            )
    kind = _row_kind(cells, known, bad)
    dates: dict[str, date | None] = {}
    for code in ("first_issued_on", "valid_until", "next_review_on"):
        value = read_date(cells.raw(code))
        dates[code] = value if not isinstance(value, str) else None
        if isinstance(value, str):
            bad(code, "bad_date", f"日期“{value}”无效，应为日期或 YYYY-MM-DD", f"bad date '{value}'; use YYYY-MM-DD")
        elif value is None and code != "next_review_on":
            bad(code, "missing_date", "日期为空", "the date is empty")
    first, until, review = dates["first_issued_on"], dates["valid_until"], dates["next_review_on"]
    if first is not None and first > known.today:
        bad("first_issued_on", "future_date", f"初领日期{first}晚于今天", f"first issued {first}, after today")
    if first is not None and until is not None and until <= first:
        bad(
            "valid_until",
            "dates_order",
            f"有效期至{until}不晚于初领日期{first}",
            f"valid until {until} is not after first issued {first}",
        )
    issued_on = first
    if kind is not None and first is not None and until is not None and until > first:
        # The validity now running is the kind's full period, ending on 有效期至 (later ones follow a review).
        issued_on = max(first, add_years(until, -kind.valid_years))
        if issued_on > known.today >= first:
            bad(
                "valid_until",
                "too_long",
                f"有效期至{until}超过“{kind.name}”从今天起{kind.valid_years}年的有效期",
                f"valid until {until} is more than {kind.valid_years} years from today",
            )
    if review is not None and kind is not None and kind.review_years is None:
        bad("next_review_on", "no_review", f"“{kind.name}”不设复审，复审日期应为空", f"{kind.name} has no review")
    elif (
        review is not None and first is not None and until is not None and first < until and not first < review <= until
    ):
        bad(
            "next_review_on",
            "review_outside",
            f"复审日期{review}应在初领日期{first}之后、有效期至{until}之前",
            f"the review {review} is not between {first} and {until}",
        )
    standing = cells.text("standing")
    if not IMPORTABLE_STANDING.match(plain(standing)):
        bad(
            "standing",
            "not_valid",
            f"证书状态为“{standing}”，只能导入有效的证书；请删去此行",
            f"the certificate is '{standing}'; only valid certificates are imported",
        )
    number = _row_number(cells, kind, identity, bad)
    if kind is not None and holder is not None and first is not None:
        for other in known.held.get((holder.id, kind.id), []):
            if other.valid_until >= first:
                bad(
                    "operation_item",
                    "already_held",
                    f"{holder.name}已持有“{kind.name}”（有效期至{other.valid_until}），与本行的有效期重叠",
                    f"{holder.name} already holds a {kind.code} certificate valid until {other.valid_until}",
                )
                break
    if found or kind is None or isinstance(identity, IdProblem) or first is None or until is None or not issued_on:
        return None, found
    return RegistryRow(
        row=cells.where.row or 0,
        name=name,
        id_number=identity,
        kind=kind,
        number=number,
        first_issued_on=first,
        issued_on=issued_on,
        valid_until=until,
        next_review_on=review,
        issuer=cells.text("issuer") or kind.issuer,
        enterprise=cells.text("enterprise"),
        new_holder=holder is None,
    ), []


def _row_kind(cells: Cells, known: Context, bad: Any) -> CertificateKind | None:
    work_class, item = cells.text("work_class"), cells.text("operation_item")
    if not item:
        bad("operation_item", "missing_item", "准操项目为空", "the operation item is empty")
        return None
    matches = known.find_kind(work_class, item)
    if not matches:
        shown = f"作业类别“{work_class}”、准操项目“{item}”" if work_class else f"准操项目“{item}”"
        bad(
            "operation_item",
            "unknown_kind",
            f"没有与{shown}对应的证书种类；请先在证书种类中添加，或改正此格",
            f"no certificate kind has work class '{work_class}' and operation item '{item}'",
        )
        return None
    if len(matches) > 1:
        bad(
            "operation_item",
            "ambiguous_kind",
            "对应多个证书种类：" + "、".join(f"{k.name}（{k.code}）" for k in matches) + "；请在作业类别中写明",
            "several certificate kinds match: " + ", ".join(k.code for k in matches),
        )
        return None
    found: CertificateKind = matches[0]
    return found


def _row_number(cells: Cells, kind: CertificateKind | None, identity: IdNumber | IdProblem, bad: Any) -> str:
    written = plain(cells.text("number")).upper()
    if kind is None or isinstance(identity, IdProblem):
        return written
    if kind.numbering == "id_number":
        if written and written not in (identity.value, "T" + identity.value):
            bad(
                "number",
                "number_mismatch",
                f"“{kind.name}”以身份证号为证书编号，本行的证书编号“{written}”与身份证号不符",
                f"{kind.code} is numbered by the ID number; '{written}' is not it",
            )
        return identity.value
    if not written:
        bad("number", "missing_number", f"“{kind.name}”须填写证书编号", f"{kind.code} needs its certificate number")
    elif len(written) > 40:
        bad("number", "long_number", "证书编号超过40个字符", "the certificate number is longer than 40 characters")
    return written
