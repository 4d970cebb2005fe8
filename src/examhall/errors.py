"""Errors a user may see. Each carries its message in Chinese (pages, API) and English (CLI),
and where the problem is, so that no user ever needs a traceback."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where: a file, sheet, row, column or field."""

    code: str
    zh: str
    en: str
    where: str = ""
    warning: bool = False
    where_en: str = ""  # when the place reads differently in English ("第5行" / "row 5")

    def text(self, lang: str) -> str:
        if lang == "zh":
            return f"{self.where}：{self.zh}" if self.where else self.zh
        where = self.where_en or self.where
        return f"{where}: {self.en}" if where else self.en


@dataclass
class ExamhallError(Exception):
    """A refusal: the request changes nothing and the user is told why."""

    code: str
    zh: str
    en: str
    problems: list[Problem] = field(default_factory=list)
    # True when what the transaction wrote is the record of this very refusal (a failed login,
    # a late answer): it is committed, and nothing else was changed.
    commit: bool = False
    status = 400

    def __str__(self) -> str:
        return self.en


class NotFound(ExamhallError):
    status = 404


class Forbidden(ExamhallError):
    status = 403


class Unauthorized(ExamhallError):
    status = 401


class Conflict(ExamhallError):
    status = 409


class Invalid(ExamhallError):
    status = 422


class TooMany(ExamhallError):
    status = 429


def not_found(what_zh: str, what_en: str) -> NotFound:
    return NotFound("not_found", f"{what_zh}不存在", f"{what_en} not found")


def invalid(
    problems: list[Problem],
    *,
    zh: str = "输入有误，未做任何更改",
    en: str = "the input has problems; nothing was changed",
) -> Invalid:
    return Invalid("invalid", zh, en, problems)
