"""Certificates issued before examhall, imported from the national registry's layout (xlsx or CSV),
all or nothing: every problem of every row is found and located, and a file with any problem
writes nothing. Export writes the same layout, so that an export reads back in.

The layout: 姓名, 性别, 身份证号, 作业类别, 准操项目, 初领日期, 有效期至, 复审日期, 发证机关, and
three optional columns after them: 证书编号 (required for kinds numbered serially), 工作单位 (the
holder's enterprise) and 状态 (an export's standing; only a valid certificate is imported).

A row's kind is the one whose 作业类别 and 操作项目 are the row's; failing that, the one whose
category is the row's 准操项目 (a proof of passing for managers has no 作业类别). 复审日期 is the
review due next (应复审日期); empty, the review falls due with 有效期至, as for issued ones."""

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.banks.formats.archive import is_zip
from examhall.banks.formats.common import cell_text
from examhall.banks.formats.sheet import HEADER_ROWS, Rows, header_key, read_table
from examhall.certificates import ledger
from examhall.certificates.registry_rows import (
    COLUMNS,
    HEADERS,
    REQUIRED,
    Cells,
    Context,
    Place,
    RegistryRow,
    context,
    plain,
    read_row,
)
from examhall.certificates.sheets import table
from examhall.certificates.standing import standing
from examhall.errors import Problem, invalid
from examhall.sittings.models import Candidate, Certificate, Enterprise
from examhall.trace.service import Actor, record

MAX_ROWS = 5000
CHAIN = "certificate-imports"


@dataclass
class Checked:
    filename: str
    sha256: str
    rows: list[RegistryRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def new_holders(self) -> int:
        return sum(r.new_holder for r in self.rows)


@dataclass(frozen=True)
class Imported:
    filename: str
    sha256: str
    certificates: list[tuple[RegistryRow, Certificate]]
    new_holders: int


def _header(head: list[tuple[int, Sequence[Any]]]) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """Which of the first rows is the header, the column of each code, and its header as written."""
    for position, (_, values) in enumerate(head):
        codes = [HEADERS.get(header_key(cell)) for cell in values]
        if "id_number" in codes and "name" in codes:
            index: dict[str, int] = {}
            names: dict[str, str] = {}
            for column, code in enumerate(codes):
                if code and code not in index:
                    index[code], names[code] = column, cell_text(values[column])
            return position, index, names
    return None


def _check_rows(checked: Checked, rows: list[Cells], known: Context) -> None:
    """Each row on its own, then against the rows before it: one holder has one name, one
    certificate of a kind, and a serial number is used once."""
    names: dict[str, tuple[str, int]] = {}
    seen: dict[tuple[str, int], int] = {}
    numbers: dict[tuple[int, str], int] = {}
    for cells in rows:
        row, found = read_row(cells, known)
        checked.problems += found
        if row is None:
            continue
        number = row.row

        def repeated(at: Place, code: str, zh: str, en: str) -> None:
            checked.problems.append(at.problem(code, zh, en))

        name, first = names.setdefault(row.id_number.value, (row.name, number))
        if name != row.name:
            repeated(
                cells.at("name"),
                "name_differs",
                f"同一身份证号在第{first}行的姓名为“{name}”",
                f"the same ID number is named '{name}' on row {first}",
            )
            continue
        again = seen.setdefault((row.id_number.value, row.kind.id), number)
        if again != number:
            repeated(
                cells.at("id_number"),
                "duplicate_row",
                f"与第{again}行是同一人的同一种证书",
                f"the same holder and kind as row {again}",
            )
            continue
        if row.kind.numbering == "serial":
            earlier = numbers.setdefault((row.kind.id, row.number), number)
            if (row.kind.id, row.number) in known.numbers or earlier != number:
                where = f"第{earlier}行" if earlier != number else "已有证书"
                repeated(
                    cells.at("number"),
                    "duplicate_number",
                    f"证书编号“{row.number}”与{where}重复",
                    f"the certificate number '{row.number}' is already used",
                )
                continue
        checked.rows.append(row)


def check_file(db: Session, *, filename: str, data: bytes, today: date) -> Checked:
    """Every certificate the file would import, or every problem in it; nothing is written."""
    checked = Checked(filename, hashlib.sha256(data).hexdigest())
    kind = "xlsx" if is_zip(data) or filename.lower().endswith(".xlsx") else "csv"

    def consume(sheet: str, rows: Rows, _total: int) -> Checked | None:
        head = list(itertools.islice(rows, HEADER_ROWS))
        header = _header(head)
        if header is None:
            return None
        at_header, index, names = header
        if missing := [code for code in REQUIRED if code not in index]:
            checked.problems.append(
                Place(filename, sheet, head[at_header][0]).problem(
                    "missing_column",
                    "表头缺少列：" + "、".join(COLUMNS[c][0] for c in missing),
                    "the header row lacks: " + ", ".join(COLUMNS[c][0] for c in missing),
                )
            )
            return checked
        body = [
            (number, values)
            for number, values in itertools.islice(itertools.chain(head[at_header + 1 :], rows), MAX_ROWS + 1)
            if any(cell_text(v) for v in values)
        ]
        if len(body) > MAX_ROWS:
            checked.problems.append(
                Place(filename, sheet).problem(
                    "too_many",
                    f"一次最多导入{MAX_ROWS}行，请分成几个文件",
                    f"at most {MAX_ROWS} rows per file",
                )
            )
            return checked
        position = index["id_number"]
        known = context(
            db,
            (plain(cell_text(v[position])).upper() for _, v in body if position < len(v)),
            today,
        )
        _check_rows(checked, [Cells(v, index, names, Place(filename, sheet, n)) for n, v in body], known)
        return checked

    found = read_table(filename, data, kind, consume)
    if isinstance(found, Problem):
        return Checked(filename, checked.sha256, problems=[found])
    if found is None:
        return Checked(
            filename,
            checked.sha256,
            problems=[
                Problem(
                    "no_header",
                    f"找不到表头：前{HEADER_ROWS}行中没有同时含“姓名”和“身份证号”的行",
                    f"no header row with 姓名 and 身份证号 in the first {HEADER_ROWS} rows",
                    filename,
                )
            ],
        )
    if not found.rows and not found.problems:
        found.problems.append(Problem("empty", "文件中没有证书", "the file lists no certificate", filename))
    return found


def import_file(db: Session, *, filename: str, data: bytes, today: date, actor: Actor) -> Imported:
    """Import every certificate of the file, or none: any problem refuses the whole file."""
    checked = check_file(db, filename=filename, data=data, today=today)
    if checked.problems:
        raise invalid(
            checked.problems,
            zh=f"文件有{len(checked.problems)}处问题，未导入任何证书",
            en=f"the file has {len(checked.problems)} problems; no certificate was imported",
        )
    enterprises: dict[str, Enterprise] = {}
    holders: dict[str, Candidate] = {}
    made = []
    for row in checked.rows:
        holder = holders.get(row.id_number.value) or db.scalar(
            select(Candidate).where(Candidate.id_number == row.id_number.value)
        )
        if holder is None:
            holder = Candidate(
                id_number=row.id_number.value,
                name=row.name,
                gender=row.id_number.gender,
                birth_date=row.id_number.birth_date,
            )
            db.add(holder)
        holders[row.id_number.value] = holder
        if row.enterprise:
            enterprise = enterprises.get(row.enterprise) or db.scalar(
                select(Enterprise).where(Enterprise.name == row.enterprise)
            )
            if enterprise is None:
                enterprise = Enterprise(name=row.enterprise)
                db.add(enterprise)
            enterprises[row.enterprise] = enterprise
            db.flush()
            holder.enterprise_id = enterprise.id
        db.flush()
        certificate = Certificate(
            candidate_id=holder.id,
            kind_id=row.kind.id,
            number=row.number,
            category=row.kind.category,
            work_class=row.kind.work_class,
            operation_item=row.kind.operation_item,
            first_issued_on=row.first_issued_on,
            issued_on=row.issued_on,
            valid_until=row.valid_until,
            next_review_on=row.next_review_on,
            issuer=row.issuer,
            state="valid",
            origin="imported",
            revision=1,
        )
        ledger.open_certificate(db, certificate, actor=actor, note={"row": row.row, "file": filename})
        made.append((row, certificate))
    record(
        db,
        chain=CHAIN,
        action="certificates.imported",
        subject=CHAIN,
        actor=actor,
        payload={
            "file": filename,
            "file_sha256": checked.sha256,
            "certificates": len(made),
            "new_holders": checked.new_holders,
            "first": made[0][1].id,
            "last": made[-1][1].id,
        },
    )
    return Imported(filename, checked.sha256, made, checked.new_holders)


# The export's columns in order, with their widths: the registry's nine, then ours.
EXPORT = (
    ("name", 10),
    ("gender", 6),
    ("id_number", 21),
    ("work_class", 18),
    ("operation_item", 22),
    ("first_issued_on", 12),
    ("valid_until", 12),
    ("next_review_on", 12),
    ("issuer", 24),
    ("number", 22),
    ("enterprise", 28),
    ("standing", 18),
)
STATES = {"valid": "有效", "suspended": "暂扣", "revoked": "已撤销"}


def certificates(
    db: Session, *, kind_id: int | None = None, state: str | None = None
) -> list[tuple[Certificate, Candidate, Enterprise | None]]:
    query = (
        select(Certificate, Candidate, Enterprise)
        .join(Candidate, Candidate.id == Certificate.candidate_id)
        .outerjoin(Enterprise, Enterprise.id == Candidate.enterprise_id)
        .order_by(Certificate.id)
    )
    if kind_id is not None:
        query = query.where(Certificate.kind_id == kind_id)
    if state is not None:
        query = query.where(Certificate.state == state)
    return [(c, h, e) for c, h, e in db.execute(query)]


def export_file(db: Session, *, today: date, kind_id: int | None = None, state: str | None = None) -> bytes:
    """Certificates in the registry's layout, which `import_file` reads back."""
    rows = (
        (
            holder.name,
            holder.gender,
            holder.id_number,
            certificate.work_class,
            certificate.operation_item or certificate.category,
            certificate.first_issued_on or certificate.issued_on,
            certificate.valid_until,
            certificate.next_review_on,
            certificate.issuer,
            certificate.number,
            enterprise.name if enterprise else "",
            standing(certificate, today).zh,
        )
        for certificate, holder, enterprise in certificates(db, kind_id=kind_id, state=state)
    )
    return table("证书", [(COLUMNS[code][0], width) for code, width in EXPORT], rows)
