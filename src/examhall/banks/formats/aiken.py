"""Moodle Aiken, read: the stem on one or more lines, then options "A. text" or "A) text" in
order, then "ANSWER: B". Every question is a single choice (several letters make a multiple
choice). Problems name the line the question starts on, and a problem with the answer the
ANSWER line."""

import re

from examhall.banks.formats.common import Parsed, no_items, positional
from examhall.banks.items import LABELS, ItemDraft, Location, parse_answer, problem
from examhall.errors import Problem

OPTION = re.compile(r"\s*([A-Ha-h])\s*[.)．）、]\s*(.*)")
ANSWER = re.compile(r"\s*ANSWER\s*[:：]\s*(.*)", re.IGNORECASE)


def looks_like_aiken(text: str) -> bool:
    return bool(re.search(r"^\s*ANSWER\s*[:：]\s*[A-Ha-h]", text, re.MULTILINE | re.IGNORECASE))


class _Question:
    def __init__(self, line: int) -> None:
        self.line = line
        self.stem: list[str] = []
        self.options: list[str] = []


def _incomplete(file: str, question: _Question) -> Problem:
    return problem(
        Location(file=file, row=question.line),
        "bad_aiken",
        "题目不完整：缺少选项或“ANSWER:”行",
        "the question is incomplete: options or the 'ANSWER:' line are missing",
    )


def read_aiken(file: str, text: str) -> Parsed:
    parsed = Parsed()
    current: _Question | None = None
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        answer = ANSWER.fullmatch(line)
        option = OPTION.fullmatch(line)
        expected = LABELS[len(current.options)] if current and len(current.options) < len(LABELS) else ""
        if answer and current and current.options:
            where = Location(file=file, row=current.line, lines=(("answer", number),))
            raw = answer[1].strip()
            letters = re.sub(r"[\s,，、]", "", raw)
            kind = "multiple_choice" if len(letters) > 1 else "single_choice"
            key, notes = parse_answer(kind, raw, where.at("answer"))
            options = current.options
            draft = ItemDraft(
                type=kind,
                stem="\n".join(current.stem),
                answer=key if key is not None else [],
                options=options,
                fixed_options=positional(options, None),
                where=where,
            )
            parsed.add(draft, notes)
            current = None
        elif option and current and current.stem and option[1].upper() == expected:
            current.options.append(option[2].strip())
        elif (current and current.options) or answer:
            # a new stem after options with no ANSWER line, or an ANSWER with no options
            parsed.problems.append(_incomplete(file, current or _Question(number)))
            current = None if answer else _Question(number)
            if current:
                current.stem.append(line.strip())
        else:
            current = current or _Question(number)
            current.stem.append(line.strip())
    if current:
        parsed.problems.append(_incomplete(file, current))
    if not parsed.drafts and not parsed.problems:
        parsed.problems.append(no_items(file))
    return parsed
