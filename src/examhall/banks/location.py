"""Where in an uploaded bank file something is, as a problem names it: the file, the sheet, the
row or line, the column (as the file itself heads it), or the item's identifier."""

from dataclasses import dataclass, replace

# An item's fields as the Excel template heads its columns, in Chinese and in English.
FIELDS = {
    "key": ("编号", "key"),
    "type": ("题型", "type"),
    "stem": ("题干", "stem"),
    "options": ("选项", "options"),
    "answer": ("答案", "answer"),
    "category": ("分类", "category"),
    "knowledge_points": ("知识点", "knowledge_point"),
    "difficulty": ("难度", "difficulty"),
    "explanation": ("解析", "explanation"),
    "source": ("来源", "source"),
    "reference": ("依据", "reference"),
    "images": ("图片", "image"),
    "effective_from": ("生效日期", "effective_from"),
    "retire_on": ("停用日期", "retire_on"),
}


@dataclass(frozen=True)
class Location:
    """Where in an uploaded file something is: file, sheet, row, column, or a QTI identifier.

    `column` is a field code of FIELDS (or a column's name as shown). `names` holds how this
    file heads each field's column, so that a sheet headed 答案 is told about 答案 in English
    too; `lines` holds the line of a field that is not on the item's first line (an Aiken
    question's ANSWER line)."""

    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    identifier: str = ""
    names: tuple[tuple[str, str], ...] = ()
    lines: tuple[tuple[str, int], ...] = ()

    def at(self, column: str) -> "Location":
        return replace(self, column=column, row=dict(self.lines).get(column, self.row))

    def _column(self, lang: int) -> str:
        own = dict(self.names).get(self.column)
        if own:
            return own
        return FIELDS[self.column][lang] if self.column in FIELDS else self.column

    def zh(self) -> str:
        parts = [self.file] if self.file else []
        parts += [f"工作表“{self.sheet}”"] if self.sheet else []
        parts += [f"第{self.row}行"] if self.row is not None else []
        parts += [f"“{self._column(0)}”列"] if self.column else []
        parts += [f"试题“{self.identifier}”"] if self.identifier else []
        return "，".join(parts)

    def en(self) -> str:
        parts = [self.file] if self.file else []
        parts += [f"sheet '{self.sheet}'"] if self.sheet else []
        parts += [f"row {self.row}"] if self.row is not None else []
        parts += [f"column '{self._column(1)}'"] if self.column else []
        parts += [f"item '{self.identifier}'"] if self.identifier else []
        return ", ".join(parts)
