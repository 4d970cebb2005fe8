"""Question bank files: read() turns any supported upload into item drafts together with the
complete report of what is wrong with it (never an exception), and write() puts a bank out as
the Excel template, a QTI 2.1 package, or examhall's own JSON/YAML.

What a file is, is decided by its content first (a zip is a workbook, a QTI package, or a
sheet with its images), then by its extension."""

import io
import logging
import posixpath
import zipfile
from collections.abc import Callable

from examhall.banks.formats.aiken import looks_like_aiken, read_aiken
from examhall.banks.formats.archive import SafeZip, is_zip, junk, open_zip
from examhall.banks.formats.common import (
    IMAGE_EXTENSIONS,
    KEY_PATTERN,
    BankFile,
    Limits,
    Parsed,
    decode_text,
    file_problem,
    image_name,
    name_clash,
    no_items,
    not_a,
)
from examhall.banks.formats.gift import read_gift
from examhall.banks.formats.native import read_native, write_native
from examhall.banks.formats.qti import read_xml
from examhall.banks.formats.qti_package import read_package
from examhall.banks.formats.qti_write import write_qti
from examhall.banks.formats.sheet import EXCEL_EN, EXCEL_ZH, read_sheet
from examhall.banks.formats.sheet_write import template, write_xlsx
from examhall.banks.items import ItemDraft, Location, near_duplicates, problem, validate
from examhall.errors import Problem

__all__ = ["FORMATS", "SUPPORTED", "BankFile", "Limits", "read", "template", "write"]

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
SUPPORTED = (".xlsx", ".csv", ".zip", ".yaml", ".yml", ".json", ".xml", ".gift", ".txt")
FORMATS = ("xlsx", "qti", "json", "yaml")
WORKBOOKS = (".xlsx", ".xlsm")
SHEETS = (".xlsx", ".xlsm", ".csv", ".yaml", ".yml", ".json")
ZIP_ZH, ZIP_EN = "zip 压缩包", "zip archive"


def read(filename: str, data: bytes, *, limits: Limits = Limits(), progress: Progress | None = None) -> BankFile:
    """Every item of the file and every problem with it, all at once; never raises on bad input."""
    file = posixpath.basename(filename.replace("\\", "/")) or "upload"
    if len(data) > limits.max_bytes:
        size = _size(limits.max_bytes)
        return BankFile(
            problems=[
                file_problem(
                    file,
                    "too_large",
                    f"文件大小超过{size}的上限，请拆分后分别导入",
                    f"the file is larger than the limit of {size}; split it",
                )
            ]
        )
    try:
        parsed = _dispatch(file, data, limits, progress)
    except Exception:  # a file no reader foresaw must still come back as a problem, not a traceback
        log.exception("reading the bank file %s failed", file)
        parsed = Parsed(problems=[file_problem(file, "unreadable", "文件无法读取", "the file could not be read")])
    return _finish(file, parsed, limits)


def _size(count: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:g} {unit}"
    return f"{count} B"


def _dispatch(file: str, data: bytes, limits: Limits, progress: Progress | None) -> Parsed:
    extension = posixpath.splitext(file)[1].casefold()
    if is_zip(data):
        return _read_zip(file, data, extension, limits, progress)
    if extension in (*WORKBOOKS, ".xls"):
        return Parsed(problems=[not_a(file, data, EXCEL_ZH, EXCEL_EN)])
    if extension == ".zip":
        return Parsed(problems=[not_a(file, data, ZIP_ZH, ZIP_EN)])
    if extension == ".csv":
        return read_sheet(file, data, "csv", limits, progress)
    if extension in (".yaml", ".yml", ".json"):
        return read_native(file, data, as_json=extension == ".json")
    if extension == ".xml":
        return read_xml(file, data)
    if extension in (".gift", ".txt"):
        return _read_text(file, data, extension)
    return Parsed(problems=[_unsupported(file, extension)])


def _unsupported(file: str, extension: str) -> Problem:
    shown = extension or "（无扩展名）"
    return file_problem(
        file,
        "unsupported_file",
        f"不支持的文件类型“{shown}”，支持：{'、'.join(SUPPORTED)}",
        f"unsupported file type '{extension or '(none)'}'; supported: {', '.join(SUPPORTED)}",
    )


def _read_text(file: str, data: bytes, extension: str) -> Parsed:
    text = decode_text(data)
    if text is None:
        return Parsed(problems=[not_a(file, data, "文本文件（UTF-8 或 GBK 编码）", "text file (UTF-8 or GBK)")])
    if extension == ".gift" or ("{" in text and not looks_like_aiken(text)):
        return read_gift(file, text)
    if looks_like_aiken(text):
        return read_aiken(file, text)
    return Parsed(
        problems=[
            file_problem(
                file,
                "unknown_text",
                "无法识别的文本格式：既不是 GIFT 也不是 Aiken",
                "the text is neither GIFT nor Aiken",
            )
        ]
    )


def _read_zip(file: str, data: bytes, extension: str, limits: Limits, progress: Progress | None) -> Parsed:
    what = (EXCEL_ZH, EXCEL_EN) if extension in WORKBOOKS else (ZIP_ZH, ZIP_EN)
    archive, problems = open_zip(file, data, limits, *what)
    if archive is None:
        return Parsed(problems=problems)
    if "xl/workbook.xml" in archive:
        return read_sheet(file, data, "xlsx", limits, progress)
    names = [name for name in archive.names if not junk(name)]
    manifests = sorted((n for n in names if posixpath.basename(n) == "imsmanifest.xml"), key=lambda n: n.count("/"))
    if manifests:
        return read_package(file, archive, manifests[0])
    if extension in WORKBOOKS:
        return Parsed(problems=[not_a(file, data, EXCEL_ZH, EXCEL_EN)])
    sheets = [name for name in names if posixpath.splitext(name)[1].casefold() in SHEETS]
    if extension != ".zip" and not sheets:
        return Parsed(problems=[_unsupported(file, extension)])
    if len(sheets) != 1:
        return Parsed(
            problems=[
                file_problem(
                    file,
                    "zip_sheets",
                    f"压缩包中应恰好有一个题库文件（.xlsx、.csv、.yaml 或 .json），现有{len(sheets)}个",
                    "the archive must hold exactly one bank file (.xlsx, .csv, .yaml or .json); "
                    f"it holds {len(sheets)}",
                )
            ]
        )
    return _read_with_images(file, archive, sheets[0], names, limits, progress)


def _read_with_images(
    file: str, archive: SafeZip, sheet: str, names: list[str], limits: Limits, progress: Progress | None
) -> Parsed:
    content = archive.read(sheet)
    if content is None:
        return Parsed(problems=archive.problems)
    parsed = _dispatch(f"{file}:{sheet}", content, limits, progress)
    wanted = {name for draft in parsed.drafts for name in draft.images}
    unused: list[str] = []
    for member in names:
        name = image_name(member)
        if member == sheet or name not in wanted:
            if member.casefold().endswith(IMAGE_EXTENSIONS):
                unused.append(member)
            continue
        image = archive.read(member)
        if image is not None and parsed.images.setdefault(name, image) != image:
            parsed.problems.append(name_clash(Location(f"{file}:{member}"), name))
    if unused:
        parsed.problems.append(
            file_problem(
                file,
                "unused_image",
                f"压缩包中有{len(unused)}张图片没有试题用到：{'、'.join(unused[:10])}",
                f"{len(unused)} images of the archive are used by no item: {', '.join(unused[:10])}",
                warning=True,
            )
        )
    parsed.problems += archive.problems
    return parsed


def _finish(file: str, parsed: Parsed, limits: Limits) -> BankFile:
    """The reader's findings, with every rule checked on every draft."""
    if parsed.too_many or len(parsed.drafts) > limits.max_items:
        return BankFile(
            problems=[
                file_problem(
                    file,
                    "too_many_items",
                    f"文件中的试题超过{limits.max_items}道的上限，请分成几个文件导入",
                    f"the file holds more than the limit of {limits.max_items} items; split it into several files",
                )
            ]
        )
    problems = list(parsed.problems)
    images = set(parsed.images)
    for draft, notes in zip(parsed.drafts, parsed.notes, strict=True):
        problems += notes
        # a cell the reader already found wrong is not reported a second time
        taken = {note.where for note in notes if not note.warning}
        problems += [found for found in validate(draft, image_names=images) if found.where not in taken]
        if draft.key and not KEY_PATTERN.fullmatch(draft.key):
            problems.append(
                problem(
                    draft.where.at("key"),
                    "bad_item_key",
                    f"编号“{draft.key}”无效：只能由字母、数字、- _ . 组成，最长64个字符",
                    f"key '{draft.key}' is invalid: letters, digits, - _ . only, at most 64 characters",
                )
            )
    problems += near_duplicates(parsed.drafts)
    if not parsed.drafts and not any(not p.warning for p in problems):
        problems.append(no_items(file))  # an empty template would otherwise make an empty bank
    return BankFile(
        drafts=parsed.drafts,
        images=parsed.images,
        problems=problems,
        code=parsed.code,
        name=parsed.name,
        description=parsed.description,
    )


def write(
    fmt: str, *, code: str, name: str, description: str, drafts: list[ItemDraft], images: dict[str, bytes]
) -> tuple[bytes, str]:
    """The bank as a file of format `fmt` (xlsx, qti, json or yaml), and its extension without
    the dot: xlsx, or zip when images go with the workbook or the native file; zip for qti."""
    if fmt == "xlsx":
        return write_xlsx(code, drafts, images, name=name, description=description)
    if fmt == "qti":
        return write_qti(code, name, description, drafts, images), "zip"
    if fmt in ("json", "yaml"):
        data = write_native(code, name, description, drafts, as_json=fmt == "json")
        if not images:
            return data, fmt
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr(f"{code or 'bank'}.{fmt}", data, zipfile.ZIP_DEFLATED)
            for image, content in images.items():
                archive.writestr(f"images/{image}", content)
        return out.getvalue(), "zip"
    raise ValueError(f"unknown bank format {fmt!r}; use one of {', '.join(FORMATS)}")
