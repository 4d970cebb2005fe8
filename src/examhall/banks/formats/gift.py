"""Moodle GIFT, read. Questions are separated by blank lines; // starts a comment line;
$CATEGORY: names the category of the questions after it. Within the answer braces:
{T} {F} true/false; {=right ~wrong} single choice; {~%50%A ~%50%B ~%-100%C} multiple choice
(positive weights are keys); {=a =b} fill-in (alternatives). Text before and after the braces
puts the blank in place. Feedback after # is dropped, general feedback after #### is the
explanation. Numeric, matching, essay and description questions are not supported."""

import html
import re
from collections.abc import Iterator

from examhall.banks.formats.common import BLANK, KEY_PATTERN, Parsed, no_items, positional
from examhall.banks.items import ItemDraft, Location, problem
from examhall.errors import Problem

ESCAPES = {"n": "\n"}
FORMAT_TAG = re.compile(r"\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
TRUE_FALSE = re.compile(r"(T|F|TRUE|FALSE)\s*(#.*)?", re.IGNORECASE | re.DOTALL)
GAP = "\x1f"  # where the blank goes while the stem is unescaped
WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")


class Unsupported(Exception):
    """A GIFT question of a kind examhall has no item type for."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


class Malformed(Unsupported):
    """A question that is not valid GIFT."""


def find(text: str, token: str, start: int = 0) -> int:
    """The first occurrence of `token` not escaped with a backslash, or -1."""
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
        elif text.startswith(token, index):
            return index
        else:
            index += 1
    return -1


def unescape(text: str, as_html: bool = False) -> str:
    plain = re.sub(r"\\([~=#{}:\\n])", lambda m: ESCAPES.get(m[1], m[1]), text)
    if as_html:
        plain = html.unescape(re.sub(r"<br\s*/?>", "\n", re.sub(r"<(?!br)[^>]*>", "", plain)))
    return "\n".join(line.strip() for line in plain.strip().split("\n"))


def blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Questions (and $CATEGORY lines) with the number of their first line."""
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("//"):
            continue
        if not line.strip():
            if current:
                yield start, current
                current = []
            continue
        if line.lstrip().startswith("$CATEGORY:"):
            if current:
                yield start, current
            yield number, [line]
            current = []
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        yield start, current


def entries(inside: str) -> list[tuple[str, float | None, str]]:
    """The answers in braces: mark (= or ~), weight, text."""
    marks: list[int] = []
    index = 0
    while index < len(inside):
        if inside[index] == "\\":
            index += 1
        elif inside[index] in "=~":
            marks.append(index)
        index += 1
    if not marks or inside[: marks[0]].strip():
        raise Malformed("答案格式无效", "the answers in braces are not valid GIFT")
    found = []
    for position, start in enumerate(marks):
        raw = inside[start + 1 : marks[position + 1] if position + 1 < len(marks) else len(inside)]
        weight = None
        if match := WEIGHT.match(raw):
            weight, raw = float(match[1]), raw[match.end() :]
        if (feedback := find(raw, "#")) >= 0:
            raw = raw[:feedback]
        if find(raw, "->") >= 0:
            raise Unsupported("匹配题", "matching")
        found.append((inside[start], weight, raw))
    return found


def question(lines: list[str], where: Location, category: str) -> ItemDraft:
    text = "\n".join(lines).strip()
    title = ""
    if text.startswith("::") and (end := find(text, "::", 2)) > 0:
        title, text = unescape(text[2:end]), text[end + 2 :]
    as_html = False
    if match := FORMAT_TAG.match(text):
        as_html, text = match[1].casefold() == "html", text[match.end() :]
    opening = find(text, "{")
    if opening < 0:
        raise Unsupported("说明（无答案）", "description (no answer)")
    closing = find(text, "}", opening + 1)
    if closing < 0:
        raise Malformed("缺少右花括号 }", "the closing brace } is missing")
    if find(text, "{", closing + 1) >= 0:
        raise Unsupported("多个答案区（完形填空）", "several answer blocks (cloze)")
    before, inside, after = text[:opening], text[opening + 1 : closing].strip(), text[closing + 1 :]
    explanation = ""
    if (general := find(inside, "####")) >= 0:
        explanation, inside = unescape(inside[general + 4 :], as_html), inside[:general].strip()
    if not inside:
        raise Unsupported("问答题", "essay")
    if inside.startswith("#"):
        raise Unsupported("数值题", "numeric")
    draft = ItemDraft(type="true_false", stem="", answer=[], explanation=explanation, category=category, where=where)
    if match := TRUE_FALSE.fullmatch(inside):
        draft.answer = match[1].upper().startswith("T")
    else:
        answers = entries(inside)
        texts = [unescape(raw, as_html) for _, _, raw in answers]
        if all(mark == "=" for mark, _, _ in answers):
            draft.type = "fill_blank"
            draft.answer = [
                [t for (_, weight, _), t in zip(answers, texts, strict=True) if (weight is None or weight > 0) and t]
            ]
        else:
            keys = [i for i, (mark, weight, _) in enumerate(answers) if mark == "=" or (weight or 0) > 0]
            draft.type = "multiple_choice" if len(keys) > 1 else "single_choice"
            draft.options, draft.answer = texts, keys
            draft.fixed_options = positional(texts, None)
    if after.strip():
        stem = unescape(f"{before}{GAP}{after}", as_html).replace(GAP, BLANK)
    else:
        stem = unescape(before, as_html) + (BLANK if draft.type == "fill_blank" else "")
    draft.stem = stem
    if KEY_PATTERN.fullmatch(title) and any(ch.isdigit() for ch in title):
        draft.key = title
    return draft


def read_gift(file: str, text: str) -> Parsed:
    parsed = Parsed()
    category = ""
    for start, lines in blocks(text):
        if lines[0].lstrip().startswith("$CATEGORY:"):
            path = lines[0].split(":", 1)[1].strip()
            category = path.rstrip("/").rsplit("/", 1)[-1].strip()
            continue
        where = Location(file=file, row=start)
        try:
            parsed.add(question(lines, where, category), [])
        except Malformed as exc:
            parsed.problems.append(problem(where, "bad_gift", f"GIFT 格式错误：{exc.zh}", f"not valid GIFT: {exc.en}"))
        except Unsupported as exc:
            parsed.problems.append(_unsupported(where, exc.zh, exc.en))
    if not parsed.drafts and all(p.warning for p in parsed.problems):
        parsed.problems.append(no_items(file))
    return parsed


def _unsupported(where: Location, zh: str, en: str) -> Problem:
    return problem(
        where,
        "unsupported_question",
        f"不支持的 GIFT 题型：{zh}，此题未导入",
        f"unsupported GIFT question: {en}; not imported",
        warning=True,
    )
