"""An item as every format reads and writes it (ItemDraft), and the rules it must meet.

Parsers turn raw cells and tags into drafts with the helpers here, so that every format
understands answers, types, difficulties and sources the same way, and every problem names
where it is. Nothing here touches the database."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from examhall.banks.location import Location as Location  # re-exported: readers import it from here
from examhall.errors import Problem

TYPES = ("true_false", "single_choice", "multiple_choice", "fill_blank")
TYPE_NAMES_ZH = {"true_false": "判断题", "single_choice": "单选题", "multiple_choice": "多选题", "fill_blank": "填空题"}
TYPE_ALIASES = {
    **{name: name for name in TYPES},
    "判断": "true_false",
    "判断题": "true_false",
    "truefalse": "true_false",
    "tf": "true_false",
    "单选": "single_choice",
    "单选题": "single_choice",
    "single": "single_choice",
    "多选": "multiple_choice",
    "多选题": "multiple_choice",
    "multiple": "multiple_choice",
    "填空": "fill_blank",
    "填空题": "fill_blank",
    "fill": "fill_blank",
    "fillblank": "fill_blank",
}
LABELS = "ABCDEFGH"
MAX_OPTIONS = len(LABELS)
DIFFICULTY_WORDS = {"易": 1, "较易": 2, "中": 3, "中等": 3, "较难": 4, "难": 5}
DIFFICULTY_ZH = {1: "易", 2: "较易", 3: "中", 4: "较难", 5: "难"}
SOURCES = ("national", "provincial")
SOURCE_ALIASES = {
    "national": "national",
    "国家级": "national",
    "国家": "national",
    "国家题库": "national",
    "provincial": "provincial",
    "省级": "provincial",
    "省": "provincial",
    "省级题库": "provincial",
}
SOURCE_ZH = {"national": "国家级", "provincial": "省级"}
TRUE_WORDS = {"对", "正确", "√", "✓", "✔", "t", "true", "y", "yes", "是"}
FALSE_WORDS = {"错", "错误", "×", "✗", "✘", "x", "f", "false", "n", "no", "否"}
BLANK_SEPARATOR = "|"
ALTERNATIVE_SEPARATORS = re.compile(r"[;；]")
MAX_STEM = 4000
MAX_OPTION = 1000

Answer = bool | list[int] | list[list[str]]


@dataclass
class ItemDraft:
    """One item as read from (or written to) a file. `answer` is a bool for true_false, option
    indexes (0 = A) for choices, and for fill_blank one list of accepted answers per blank."""

    type: str
    stem: str
    answer: Answer
    options: list[str] = field(default_factory=list)
    explanation: str = ""
    category: str = ""
    knowledge_points: list[str] = field(default_factory=list)
    difficulty: int = 3
    source: str = "national"
    reference: str = ""
    effective_from: date | None = None
    retire_on: date | None = None
    images: list[str] = field(default_factory=list)
    fixed_options: list[int] = field(default_factory=list)  # options that stay in place when shuffled
    key: str = ""  # the item's stable id within its bank, when the file carries one
    where: Location = field(default_factory=Location)  # where in the file it came from

    def content(self) -> dict[str, Any]:
        """What a version is made of: two drafts with the same content are the same version."""
        return {
            "type": self.type,
            "stem": self.stem,
            "options": self.options,
            "answer": self.answer,
            "explanation": self.explanation,
            "category": self.category,
            "knowledge_points": self.knowledge_points,
            "difficulty": self.difficulty,
            "source": self.source,
            "reference": self.reference,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "retire_on": self.retire_on.isoformat() if self.retire_on else None,
            "images": self.images,
        }


# Options such as 以上都对 or 以上都不对 only make sense in their place: they are not shuffled.
POSITIONAL_OPTION = re.compile(r"^\s*(以上|上述|前述)(选项|答案|说法|各项)?(都|均|全)|^\s*(都不|均不|全不)(对|正确)")


def fixed_by_text(options: list[str]) -> list[int]:
    """The options a file marked no way that must still stay in place."""
    return [i for i, option in enumerate(options) if POSITIONAL_OPTION.search(option)]


def problem(where: Location, code: str, zh: str, en: str, *, warning: bool = False) -> Problem:
    return Problem(code, zh, en, where.zh(), warning, where.en())


def normalize_text(text: str) -> str:
    """Full-width to half-width, no spaces, no case: how fill-in answers are compared."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def stem_fingerprint(stem: str) -> str:
    """Stems that differ only in punctuation, spaces, width or case share a fingerprint."""
    return "".join(ch for ch in normalize_text(stem) if ch.isalnum())


def parse_type(raw: Any, where: Location) -> tuple[str | None, list[Problem]]:
    text = re.sub(r"[\s_\-]", "", str(raw or "")).casefold()
    found = TYPE_ALIASES.get(text) or TYPE_ALIASES.get(str(raw or "").strip())
    if found:
        return found, []
    return None, [
        problem(
            where,
            "unknown_type",
            f"未知题型“{raw}”，应为判断、单选、多选或填空",
            f"unknown item type '{raw}'; use true_false, single_choice, multiple_choice or fill_blank",
        )
    ]


def parse_difficulty(raw: Any, where: Location) -> tuple[int, list[Problem]]:
    if raw is None or str(raw).strip() == "":
        return 3, []
    text = str(raw).strip()
    if text in DIFFICULTY_WORDS:
        return DIFFICULTY_WORDS[text], []
    try:
        number = float(text)
    except ValueError:
        number = 0
    if number == int(number) and 1 <= number <= 5:
        return int(number), []
    return 3, [
        problem(
            where,
            "bad_difficulty",
            f"难度“{raw}”无效，应为1-5或易/较易/中/较难/难",
            f"bad difficulty '{raw}'; use 1-5 or 易/较易/中/较难/难",
        )
    ]


def parse_source(raw: Any, where: Location) -> tuple[str, list[Problem]]:
    text = str(raw or "").strip().casefold()
    if not text:
        return "national", []
    if text in SOURCE_ALIASES:
        return SOURCE_ALIASES[text], []
    return "national", [
        problem(
            where,
            "bad_source",
            f"来源“{raw}”无效，应为国家级或省级",
            f"bad source '{raw}'; use national (国家级) or provincial (省级)",
        )
    ]


def parse_answer(item_type: str, raw: Any, where: Location) -> tuple[Answer | None, list[Problem]]:
    """Read an answer as exam bodies write it: A, ABD, A,B,D, 对/错, 正确/错误, √/×, T/F;
    blanks of a fill-in separated by |, accepted alternatives of one blank by ; or ；."""
    if isinstance(raw, bool):
        text = "true" if raw else "false"
    else:
        text = unicodedata.normalize("NFKC", str(raw if raw is not None else "")).strip()
    if not text:
        return None, [problem(where, "missing_key", "缺少答案", "the answer (key) is missing")]
    if item_type == "true_false":
        word = text.casefold()
        if word in TRUE_WORDS or text in TRUE_WORDS:
            return True, []
        if word in FALSE_WORDS or text in FALSE_WORDS:
            return False, []
        return None, [
            problem(
                where,
                "bad_key",
                f"判断题答案“{raw}”无效，应为对/错、正确/错误、√/×或T/F",
                f"a true/false answer '{raw}' must be 对/错, 正确/错误, √/× or T/F",
            )
        ]
    if item_type == "fill_blank":
        blanks = [
            [alt.strip() for alt in ALTERNATIVE_SEPARATORS.split(part) if alt.strip()]
            for part in text.split(BLANK_SEPARATOR)
        ]
        if any(not blank for blank in blanks):
            return None, [problem(where, "missing_key", "填空题有空缺少答案", "a blank has no accepted answer")]
        return blanks, []
    letters = re.sub(r"[\s,，、;；/]", "", text).upper()
    if not letters or any(ch not in LABELS for ch in letters):
        return None, [
            problem(
                where,
                "bad_key",
                f"答案“{raw}”无效，应为选项字母，如 A 或 ABD",
                f"answer '{raw}' must be option letters such as A or ABD",
            )
        ]
    return sorted({LABELS.index(ch) for ch in letters}), []


def format_answer(draft: ItemDraft) -> str:
    """The answer as the Excel template writes it."""
    if isinstance(draft.answer, bool):
        return "对" if draft.answer else "错"
    if draft.type == "fill_blank":
        return BLANK_SEPARATOR.join(";".join(blank) for blank in draft.answer if isinstance(blank, list))
    return "".join(LABELS[i] for i in draft.answer if isinstance(i, int))


def validate(draft: ItemDraft, *, image_names: set[str] | None = None) -> list[Problem]:
    """Every rule an item must meet, each broken one named, all at once."""
    where, found = draft.where, []
    if draft.type not in TYPES:
        return [
            problem(where.at("type"), "unknown_type", f"未知题型“{draft.type}”", f"unknown item type '{draft.type}'")
        ]
    if not draft.stem.strip():
        found.append(problem(where.at("stem"), "empty_stem", "题干为空", "the stem is empty"))
    elif len(draft.stem) > MAX_STEM:
        found.append(
            problem(where.at("stem"), "long_stem", f"题干超过{MAX_STEM}字", f"the stem is longer than {MAX_STEM}")
        )
    if not 1 <= draft.difficulty <= 5:
        found.append(problem(where.at("difficulty"), "bad_difficulty", "难度应为1-5", "difficulty must be 1-5"))
    if draft.source not in SOURCES:
        found.append(
            problem(where.at("source"), "bad_source", "来源应为国家级或省级", "source must be national or provincial")
        )
    if draft.type in ("single_choice", "multiple_choice"):
        found += _validate_choice(draft)
    elif draft.type == "true_false":
        if not isinstance(draft.answer, bool):
            found.append(
                problem(
                    where.at("answer"), "missing_key", "判断题缺少答案（对/错）", "a true/false item needs 对 or 错"
                )
            )
        if draft.options:
            found.append(
                problem(
                    where.at("options"), "options_not_allowed", "判断题不设选项", "a true/false item has no options"
                )
            )
    elif draft.type == "fill_blank":
        answer = draft.answer
        if (
            not isinstance(answer, list)
            or not answer
            or not all(isinstance(b, list) and b and all(isinstance(a, str) and a.strip() for a in b) for b in answer)
        ):
            found.append(
                problem(
                    where.at("answer"),
                    "missing_key",
                    "填空题每个空都需要至少一个答案",
                    "every blank needs at least one accepted answer",
                )
            )
        if draft.options:
            found.append(
                problem(where.at("options"), "options_not_allowed", "填空题不设选项", "a fill-in item has no options")
            )
    if draft.effective_from and draft.retire_on and draft.retire_on <= draft.effective_from:
        found.append(
            problem(
                where.at("retire_on"),
                "bad_dates",
                "停用日期须晚于生效日期",
                "the retire date must follow the effective date",
            )
        )
    if image_names is not None:
        for name in draft.images:
            if name not in image_names:
                found.append(
                    problem(where.at("images"), "missing_image", f"找不到图片“{name}”", f"image '{name}' is missing")
                )
    return found


def _validate_choice(draft: ItemDraft) -> list[Problem]:
    where, found = draft.where, []
    options = draft.options
    if len(options) < 2 or len(options) > MAX_OPTIONS:
        found.append(
            problem(
                where.at("options"),
                "option_count",
                f"选择题需要2-{MAX_OPTIONS}个选项，现有{len(options)}个",
                f"a choice item needs 2-{MAX_OPTIONS} options, it has {len(options)}",
            )
        )
    if any(not o.strip() for o in options):
        found.append(
            problem(
                where.at("options"),
                "empty_option",
                "有空选项（选项须连续填写）",
                "an option is empty (fill options in order)",
            )
        )
    if any(not 0 <= i < len(options) for i in draft.fixed_options):
        found.append(
            problem(
                where.at("fixed_options"),
                "bad_fixed_option",
                "固定选项不在选项中",
                "a fixed option is not among the options",
            )
        )
    if any(len(o) > MAX_OPTION for o in options):
        found.append(
            problem(
                where.at("options"), "long_option", f"选项超过{MAX_OPTION}字", f"an option is longer than {MAX_OPTION}"
            )
        )
    seen: dict[str, int] = {}
    for index, option in enumerate(options):
        mark = normalize_text(option)
        if mark and mark in seen:
            found.append(
                problem(
                    where.at("options"),
                    "duplicate_option",
                    f"选项{LABELS[index]}与选项{LABELS[seen[mark]]}重复",
                    f"option {LABELS[index]} repeats option {LABELS[seen[mark]]}",
                )
            )
        seen.setdefault(mark, index)
    answer = draft.answer
    if not isinstance(answer, list) or not answer or not all(isinstance(k, int) for k in answer):
        found.append(problem(where.at("answer"), "missing_key", "缺少答案", "the answer (key) is missing"))
        return found
    keys = [int(k) for k in answer]  # type: ignore[arg-type]
    if outside := "".join(LABELS[k] if 0 <= k < MAX_OPTIONS else "?" for k in keys if not 0 <= k < len(options)):
        found.append(
            problem(
                where.at("answer"),
                "key_not_an_option",
                f"答案{outside}不在选项中",
                f"answer {outside} is not among the options",
            )
        )
    if draft.type == "single_choice" and len(keys) > 1:
        found.append(
            problem(
                where.at("answer"),
                "several_keys",
                "单选题只能有一个答案",
                "a single-choice item has exactly one answer",
            )
        )
    if draft.type == "multiple_choice" and len(keys) < 2:
        found.append(
            problem(
                where.at("answer"),
                "too_few_keys",
                "多选题至少有两个正确答案",
                "a multiple-choice item needs two or more keys",
            )
        )
    return found


def near_duplicates(drafts: list[ItemDraft]) -> list[Problem]:
    """Warnings for stems that repeat another stem of the same file."""
    found: list[Problem] = []
    first: dict[str, ItemDraft] = {}
    for draft in drafts:
        mark = stem_fingerprint(draft.stem)
        if mark in first:
            found.append(
                problem(
                    draft.where.at("stem"),
                    "near_duplicate",
                    f"题干与{first[mark].where.zh()}相近",
                    f"the stem nearly repeats {first[mark].where.en()}",
                    warning=True,
                )
            )
        elif mark:
            first[mark] = draft
    return found
