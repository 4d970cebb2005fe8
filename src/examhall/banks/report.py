"""What an import reports: its errors, its warnings and what it skipped; and, when it is refused,
the refusal counting each. What a file holds that examhall cannot import is settled here: an
error, or a warning saying what was left out when the import was told to skip it."""

from dataclasses import dataclass, field, replace

from examhall.banks.formats.common import SKIPPABLE, SKIPPED
from examhall.errors import Problem, invalid


@dataclass
class ImportReport:
    bank: str
    items: int = 0
    added: int = 0
    versioned: int = 0
    unchanged: int = 0
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def skipped(self) -> list[Problem]:
        """What the file holds that was left out (questions, partial credit, images), as asked."""
        return [p for p in self.problems if p.warning and p.code in SKIPPABLE]

    @property
    def warnings(self) -> list[Problem]:
        """The other warnings: nothing was left out for them."""
        return [p for p in self.problems if p.warning and p.code not in SKIPPABLE]


def cannot_import(found: Problem) -> bool:
    """A problem about something examhall cannot import, which an import may be told to skip."""
    return found.code in SKIPPABLE


def settle(problems: list[Problem], *, skip: bool) -> list[Problem]:
    """What cannot be imported as it is: an error, or when skipped a warning saying what was left out."""
    settled = []
    for found in problems:
        if found.code not in SKIPPABLE:
            settled.append(found)
        elif skip:
            zh, en = SKIPPED[found.code]
            settled.append(replace(found, zh=f"{found.zh}；{zh}", en=f"{found.en}; {en}", warning=True))
        else:
            settled.append(replace(found, warning=False))
    return settled


def count_en(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def refusal(report: ImportReport) -> Exception:
    """The refusal of an import: its errors and warnings counted apart, and a word when some can be skipped."""
    errors, warnings = len(report.errors), len(report.problems) - len(report.errors)
    unsupported = sum(1 for p in report.errors if p.code in SKIPPABLE)
    zh = f"导入未完成：发现{errors}个错误" + (f"、{warnings}条警告" if warnings else "") + "，题库未做任何更改"
    en = f"import refused: {count_en(errors, 'error')}" + (f" and {count_en(warnings, 'warning')}" if warnings else "")
    en += "; nothing was changed"
    if unsupported:
        zh += f"。其中{unsupported}个错误是本系统不能导入的题或内容：可改正，或选择跳过不支持的内容后导入其余试题"
        en += (
            f". {unsupported} of the errors are questions or parts examhall cannot import: fix them, or skip "
            "what is not supported to import the rest"
        )
    return invalid(report.problems, zh=zh, en=en)
