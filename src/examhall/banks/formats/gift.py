"""Moodle GIFT, read. Questions are separated by blank lines; // starts a comment line;
$CATEGORY: names the category of the questions after it. Within the answer braces:
{T} {F} true/false; {=right ~wrong} single choice; {~%50%A ~%50%B ~%-100%C} multiple choice
(positive weights are keys); {=a =b} fill-in (alternatives). Text before and after the braces
puts the blank in place. Feedback after # is dropped, general feedback after #### is the
explanation. A format marker ([plain], [moodle], [markdown], [html]) before the question text
sets its format and its answers'; one before an answer or the general feedback, theirs. HTML is
read as the text it shows. Numeric, matching, essay and description questions are not
supported, and neither is an answer worth part of the marks where examhall gives all or none."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from examhall.banks.formats.common import BLANK, KEY_PATTERN, Parsed, no_items, positional, skippable
from examhall.banks.formats.htmltext import html_text
from examhall.banks.items import ItemDraft, Location, normalize_text, problem
from examhall.errors import Problem

ESCAPES = {"n": "\n"}
FORMAT_TAG = re.compile(r"\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
TRUE_FALSE = re.compile(r"(T|F|TRUE|FALSE)\s*(#.*)?", re.IGNORECASE | re.DOTALL)
GAP = "\ue000"  # where the blank goes while the stem is read (not whitespace, which HTML collapses)
WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
FULL = 100.0


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


@dataclass
class Question:
    """One question as it is read: its text as in the file, where it starts, what was met."""

    file: str
    first_line: int
    text: str
    format: str = "moodle"
    notes: list[Problem] = field(default_factory=list)

    def at(self, offset: int) -> Location:
        """The line of a place in the question's text."""
        return Location(file=self.file, row=self.first_line + self.text.count("\n", 0, offset))

    def read(self, raw: str, offset: int, *, own_format: bool = True) -> str:
        """Text as a reader sees it: escapes read, in its own format (a marker of its own, or the
        question's); the images of HTML reported, a text file cannot carry them."""
        fmt = self.format
        if own_format and (match := FORMAT_TAG.match(raw)):
            fmt, raw = match[1].casefold(), raw[match.end() :]
        plain = re.sub(r"\\([~=#{}:\\n])", lambda m: ESCAPES.get(m[1], m[1]), raw)
        if fmt != "html":
            return "\n".join(line.strip() for line in plain.strip().split("\n"))
        text, images = html_text(plain)
        for source in images:
            self.notes.append(
                skippable(
                    self.at(offset).at("images"),
                    "external_image",
                    f"HTML 中的图片“{source[:100]}”不在文件中（GIFT 文件不能附带图片）",
                    f"the HTML shows image '{source[:100]}', which the file does not carry (GIFT cannot)",
                )
            )
        return text


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


def entries(inside: str) -> list[tuple[str, float | None, str, int]]:
    """The answers in braces: mark (= or ~), weight, text, and where the text starts."""
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
        begin = start + 1
        raw = inside[begin : marks[position + 1] if position + 1 < len(marks) else len(inside)]
        weight = None
        if match := WEIGHT.match(raw):
            weight, raw, begin = float(match[1]), raw[match.end() :], begin + match.end()
        if (feedback := find(raw, "#")) >= 0:
            raw = raw[:feedback]
        if find(raw, "->") >= 0:
            raise Unsupported("匹配题", "matching")
        found.append((inside[start], weight, raw, begin))
    return found


def question(lines: list[str], where: Location, category: str) -> tuple[ItemDraft, list[Problem]]:
    """The question's draft, and what was met reading it (parts left out, partial credit)."""
    read = Question(where.file, where.row or 1, "\n".join(lines).rstrip())
    text = read.text
    position = len(text) - len(text.lstrip())
    title = ""
    if text.startswith("::", position) and (end := find(text, "::", position + 2)) > 0:
        title, position = read.read(text[position + 2 : end], 0, own_format=False), end + 2
    if match := FORMAT_TAG.match(text, position):
        read.format, position = match[1].casefold(), match.end()
    opening = find(text, "{", position)
    if opening < 0:
        raise Unsupported("说明（无答案）", "description (no answer)")
    closing = find(text, "}", opening + 1)
    if closing < 0:
        raise Malformed("缺少右花括号 }", "the closing brace } is missing")
    if find(text, "{", closing + 1) >= 0:
        raise Unsupported("多个答案区（完形填空）", "several answer blocks (cloze)")
    inside, base = text[opening + 1 : closing], opening + 1
    explanation = ""
    if (general := find(inside, "####")) >= 0:
        explanation, inside = read.read(inside[general + 4 :], base + general + 4), inside[:general]
    if not inside.strip():
        raise Unsupported("问答题", "essay")
    if inside.strip().startswith("#"):
        raise Unsupported("数值题", "numeric")
    draft = ItemDraft(type="true_false", stem="", answer=[], explanation=explanation, category=category, where=where)
    if match := TRUE_FALSE.fullmatch(inside.strip()):
        draft.answer = match[1].upper().startswith("T")
    else:
        answers = [(mark, weight, read.read(raw, base + at), base + at) for mark, weight, raw, at in entries(inside)]
        if all(mark == "=" for mark, *_ in answers):
            _fill_in(draft, answers, read)
        else:
            _choice(draft, answers, read)
    before, after = text[position:opening], text[closing + 1 :]
    if after.strip():
        stem = read.read(f"{before}{GAP}{after}", position, own_format=False).replace(GAP, BLANK)
    else:
        stem = read.read(before, position, own_format=False) + (BLANK if draft.type == "fill_blank" else "")
    draft.stem = stem
    if KEY_PATTERN.fullmatch(title) and any(ch.isdigit() for ch in title):
        draft.key = title
    return draft, read.notes


Answers = list[tuple[str, float | None, str, int]]  # mark, weight, text as read, where in the question


def _fill_in(draft: ItemDraft, answers: Answers, read: Question) -> None:
    """Accepted answers are those worth all the marks; one worth part of them is left out, and
    reported, since a fill-in answer in examhall earns all or nothing."""
    full = [text for _, weight, text, _ in answers if text and (weight is None or weight >= FULL)]
    if not full:
        raise Unsupported("简答题没有满分答案（只有部分得分的答案）", "short answer with no answer worth full marks")
    same = {normalize_text(text) for text in full}
    for _, weight, text, at in answers:
        if not text or weight is None or weight >= FULL or weight <= 0:
            continue  # an answer worth nothing is as good as not listed
        if normalize_text(text) in same:
            read.notes.append(
                problem(
                    read.at(at),
                    "partial_credit_same",
                    f"答案“{text}”只得{weight:g}%的分，但本系统比较答案时不分大小写和全半角，它与满分答案相同，按满分计",
                    f"answer '{text}' earns {weight:g}% of the marks, but examhall compares answers without case "
                    "or width, so it scores as the full-credit answer it equals",
                    warning=True,
                )
            )
            continue
        read.notes.append(
            skippable(
                read.at(at),
                "partial_credit",
                f"答案“{text}”只得{weight:g}%的分，而本系统的填空答案只有全对或全错：要给满分请写成 ={text}，否则删去",
                f"answer '{text}' earns {weight:g}% of the marks; examhall gives a fill-in answer all the marks "
                f"or none: write it ={text} for full marks, or delete it",
            )
        )
    draft.type, draft.answer = "fill_blank", [full]


def _choice(draft: ItemDraft, answers: Answers, read: Question) -> None:
    """With an = answer (or one worth 100%) a single choice whose keys are those; otherwise a
    multiple choice whose keys are the answers of positive weight. An option worth part of the
    marks of a single choice is a wrong option, and reported."""
    full = [
        i for i, (mark, weight, _, _) in enumerate(answers) if (mark == "=" and weight is None) or (weight or 0) >= FULL
    ]
    if full:
        keys = full
        for _, weight, text, at in answers:
            if weight is not None and 0 < weight < FULL:
                read.notes.append(
                    skippable(
                        read.at(at),
                        "partial_credit",
                        f"选项“{text}”只得{weight:g}%的分，而本系统的选择题只有全对或全错：要算对请标 =，否则标 ~",
                        f"option '{text}' earns {weight:g}% of the marks; examhall gives a choice all the marks "
                        "or none: mark it = to make it right, or ~ to make it wrong",
                    )
                )
    else:
        keys = [i for i, (_, weight, _, _) in enumerate(answers) if (weight or 0) > 0]
    texts = [text for _, _, text, _ in answers]
    draft.type = "multiple_choice" if len(keys) > 1 else "single_choice"
    draft.options, draft.answer = texts, keys
    draft.fixed_options = positional(texts, None)


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
            parsed.add(*question(lines, where, category))
        except Malformed as exc:
            parsed.problems.append(problem(where, "bad_gift", f"GIFT 格式错误：{exc.zh}", f"not valid GIFT: {exc.en}"))
        except Unsupported as exc:
            parsed.problems.append(_unsupported(where, exc.zh, exc.en))
    if not parsed.drafts and all(p.warning for p in parsed.problems):
        parsed.problems.append(no_items(file))
    return parsed


def _unsupported(where: Location, zh: str, en: str) -> Problem:
    return skippable(where, "unsupported_question", f"不支持的 GIFT 题型：{zh}", f"unsupported GIFT question: {en}")
