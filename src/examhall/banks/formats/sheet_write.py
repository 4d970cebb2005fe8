"""The Excel template, written: a sheet 题库 with one item per row under the header row, and a
sheet 填写说明 explaining each column with one example per item type. The empty template is the
same workbook with no items."""

import io
import zipfile
from datetime import date
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from examhall.banks.formats.common import letters
from examhall.banks.formats.sheet import INFO_FIELDS, INFO_SHEET
from examhall.banks.items import (
    DIFFICULTY_ZH,
    LABELS,
    SOURCE_ZH,
    TYPE_NAMES_ZH,
    ItemDraft,
    fixed_by_text,
    format_answer,
)

DATA_SHEET = "题库"
HELP_SHEET = "填写说明"
# The columns in the order the template lays them out: field code, header, width.
COLUMNS: list[tuple[str, str, int]] = [
    ("key", "编号", 12),
    ("type", "题型", 8),
    ("stem", "题干", 60),
    *[(f"option{i}", f"选项{label}", 20) for i, label in enumerate(LABELS)],
    ("answer", "答案", 10),
    ("category", "分类", 16),
    ("knowledge_points", "知识点", 16),
    ("difficulty", "难度", 6),
    ("explanation", "解析", 40),
    ("source", "来源", 8),
    ("reference", "依据", 24),
    ("images", "图片", 16),
    ("effective_from", "生效日期", 12),
    ("retire_on", "停用日期", 12),
    ("fixed_options", "固定选项", 10),
]
HELP: dict[str, tuple[str, str, str]] = {  # field code: English header, required, explanation
    "key": ("key", "否", "试题在题库中的编号，字母、数字、- _ . 组成（最长64个字符）；再次导入时按编号更新同一道题"),
    "type": ("type", "是", "判断、单选、多选、填空（也可写判断题、单选题、true_false、single_choice 等）"),
    "stem": ("stem", "是", "题目内容；填空题用（  ）或 ____ 标出每个空"),
    "option0": ("A 或 option_a", "选择题必填", "选项A-选项H：选择题2-8个选项，从A起连续填写；判断题、填空题留空"),
    "answer": (
        "answer",
        "是",
        "单选：A；多选：ABD 或 A,B,D；判断：对/错、正确/错误、√/×、T/F；"
        "填空：各空之间用 | 分隔，一个空的几种答案用 ; 分隔，如 0.75%;百分之零点七五|20%",
    ),
    "category": ("category", "否", "考试类别（工种），如 煤矿安全检查作业"),
    "knowledge_points": ("knowledge_point", "否", "知识点，多个用 ； ; 、 , 分隔"),
    "difficulty": ("difficulty", "否", "1-5 或 易/较易/中/较难/难，不填为 3（中）"),
    "explanation": ("explanation", "否", "答案解析"),
    "source": ("source", "否", "国家级 或 省级，不填为国家级"),
    "reference": ("reference", "否", "出题依据，如 《煤矿安全规程》第一百七十一条"),
    "images": (
        "image",
        "否",
        "题干配图的文件名，多个用 ; 分隔；把本表和图片一起打成 zip 上传，图片按文件名对应（不看文件夹）",
    ),
    "effective_from": ("effective_from", "否", "从该日起才会抽到此题；日期格式或 YYYY-MM-DD"),
    "retire_on": ("retire_on", "否", "从该日起不再抽到此题；须晚于生效日期"),
    "fixed_options": (
        "fixed_options",
        "否",
        "打乱选项顺序时不动的选项字母，如 D；不填时“以上都对”“都不正确”等选项自动固定；写“无”则都不固定",
    ),
}
EXAMPLES: list[list[Any]] = [
    ["AJ-0001", "判断题", "井下作业人员必须佩戴自救器。", *[""] * 8, "对", "煤矿安全检查作业", "自救器", 1],
    [
        "AJ-0002",
        "单选题",
        "矿井总回风巷中甲烷浓度超过（  ）时，必须立即查明原因，进行处理。",
        "0.5%",
        "0.75%",
        "1.0%",
        "1.5%",
        *[""] * 4,
        "B",
        "煤矿安全检查作业",
        "瓦斯防治",
        2,
        "《煤矿安全规程》规定为0.75%。",
        "国家级",
        "《煤矿安全规程》第一百七十一条",
    ],
    [
        "AJ-0003",
        "多选题",
        "下列属于矿井通风安全监控内容的有（  ）。",
        "甲烷浓度",
        "风速",
        "一氧化碳浓度",
        "以上都对",
        *[""] * 4,
        "ABCD",
        "煤矿安全检查作业",
        "通风；监控",
        3,
        "",
        "国家级",
        "",
        "pump.png",
        "2024-01-01",
        "",
        "D",
    ],
    [
        "AJ-0004",
        "填空题",
        "采掘工作面风流中二氧化碳浓度达到（  ）时，必须停止工作。",
        *[""] * 8,
        "1.5%;百分之一点五",
        "煤矿安全检查作业",
        "通风",
        "中",
    ],
]
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")


def clean(text: str) -> str:
    """What a cell can hold: XML forbids most control characters."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def _cell(sheet: Any, value: Any, *, bold: bool = False, wrap: bool = False) -> Any:
    if value is None or value == "":
        return None
    cell = WriteOnlyCell(sheet, value=clean(value) if isinstance(value, str) else value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"  # a stem that starts with = is text, never a formula
    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if bold:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    if wrap:
        cell.alignment = WRAP
    return cell


def _values(draft: ItemDraft) -> dict[str, Any]:
    fixed = draft.fixed_options
    values: dict[str, Any] = {
        "key": draft.key,
        "type": TYPE_NAMES_ZH.get(draft.type, draft.type),
        "stem": draft.stem,
        "answer": format_answer(draft),
        "category": draft.category,
        "knowledge_points": "；".join(draft.knowledge_points),
        "difficulty": draft.difficulty,
        "explanation": draft.explanation,
        "source": SOURCE_ZH.get(draft.source, draft.source),
        "reference": draft.reference,
        "images": ";".join(draft.images),
        "effective_from": draft.effective_from,
        "retire_on": draft.retire_on,
        # 无 says "none stay in place" where the options' text alone would fix some
        "fixed_options": letters(fixed) if fixed else ("无" if fixed_by_text(draft.options) else ""),
    }
    values.update({f"option{i}": option for i, option in enumerate(draft.options)})
    return values


def _data_sheet(book: Any, drafts: list[ItemDraft]) -> None:
    sheet = book.create_sheet(DATA_SHEET)
    for position, (_, _, width) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    # The size at the top of the sheet spares a reader (openpyxl among them) a pass over all of
    # it to learn it; openpyxl writes it for any sheet that can tell, and a streamed one cannot.
    size = f"A1:{openpyxl.utils.get_column_letter(len(COLUMNS))}{len(drafts) + 1}"
    sheet.calculate_dimension = lambda: size
    last = max(len(drafts) + 1, 1000)
    choices = {
        "type": ",".join(TYPE_NAMES_ZH.values()),
        "difficulty": ",".join(["1", "2", "3", "4", "5", *DIFFICULTY_ZH.values()]),
        "source": ",".join(SOURCE_ZH.values()),
    }
    for position, (code, _, _) in enumerate(COLUMNS, 1):
        if code in choices:
            column = openpyxl.utils.get_column_letter(position)
            check = DataValidation(type="list", formula1=f'"{choices[code]}"', allow_blank=True)
            check.add(f"{column}2:{column}{last}")
            sheet.data_validations.append(check)
    sheet.append([_cell(sheet, header, bold=True) for _, header, _ in COLUMNS])
    for draft in drafts:
        values = _values(draft)
        sheet.append([_cell(sheet, values.get(code)) for code, _, _ in COLUMNS])


def _help_sheet(book: Any) -> None:
    sheet = book.create_sheet(HELP_SHEET)
    for column, width in zip("ABCD", (14, 22, 12, 90), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([_cell(sheet, "题库导入模板填写说明", bold=True)])
    lines = [
        "在“题库”工作表中每行填写一道题，第一行表头不要改动（列的顺序可以调整，也可用英文列名）。",
        "导入时检查全部试题，所有问题（含所在行和列）一次列出；有任何错误则整个文件都不导入。",
        "有配图时，把本文件和图片一起打成一个 zip 压缩包上传。本说明页不会被导入。",
    ]
    for line in lines:
        sheet.append([line])
    sheet.append([])
    sheet.append([_cell(sheet, text, bold=True) for text in ("列名", "英文列名", "是否必填", "说明")])
    for code, header, _ in COLUMNS:
        if code in HELP:
            english, required, text = HELP[code]
            shown = "选项A-选项H" if code == "option0" else header
            sheet.append([shown, english, required, _cell(sheet, text, wrap=True)])
    sheet.append([])
    sheet.append([_cell(sheet, "示例（每种题型一行；请在“题库”工作表中填写，不要填在这里）", bold=True)])
    sheet.append([_cell(sheet, header, bold=True) for _, header, _ in COLUMNS])
    for example in EXAMPLES:
        sheet.append([_cell(sheet, value) for value in example])


def _info_sheet(book: Any, info: dict[str, str]) -> None:
    """The bank's code, name and description, which the importer reads back."""
    sheet = book.create_sheet(INFO_SHEET)
    for column, width in zip("ABC", (12, 40, 50), strict=True):
        sheet.column_dimensions[column].width = width
    for code, (label, _) in INFO_FIELDS.items():
        sheet.append([_cell(sheet, label, bold=True), _cell(sheet, info.get(code, ""), wrap=True)])
    sheet.append([])
    sheet.append(["导入时读取本页的题库名称和说明（新建题库时使用）；试题在“题库”工作表中。"])


def workbook(drafts: list[ItemDraft], info: dict[str, str] | None = None) -> bytes:
    """The workbook of `drafts`; `info` (code, name, description) adds the sheet 题库信息."""
    book = openpyxl.Workbook(write_only=True)
    book.properties.creator = "examhall"
    _data_sheet(book, drafts)
    _help_sheet(book)
    if info is not None:
        _info_sheet(book, info)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xlsx(
    code: str, drafts: list[ItemDraft], images: dict[str, bytes], *, name: str = "", description: str = ""
) -> tuple[bytes, str]:
    """The workbook; with images, a zip of the workbook and an images folder."""
    data = workbook(drafts, {"code": code, "name": name, "description": description})
    if not images:
        return data, "xlsx"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(f"{code or 'bank'}.xlsx", data)
        for name, content in images.items():
            archive.writestr(f"images/{name}", content)  # stored: images are compressed already
    return out.getvalue(), "zip"


def template() -> bytes:
    """The empty import template (question_banks/template.xlsx)."""
    return workbook([])
