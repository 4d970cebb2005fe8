"""IMS QTI 2.1 and 3.0 items, read: a lone assessmentItem .xml, or one item of a content package
(qti_package.py), its XML read through qti_xml.py in either version's spelling."""

import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from examhall.banks.formats.archive import SafeZip
from examhall.banks.formats.common import (
    BLANK,
    BLANK_MARK,
    KEY_PATTERN,
    Parsed,
    file_problem,
    image_name,
    name_clash,
    no_items,
    parse_date,
    positional,
    skippable,
)
from examhall.banks.formats.mathml import flattened, formula
from examhall.banks.formats.qti_responses import Response, partial_answers, responses
from examhall.banks.formats.qti_xml import attr, children, descendants, local, parse_xml
from examhall.banks.items import (
    FALSE_WORDS,
    TRUE_WORDS,
    TYPES,
    ItemDraft,
    Location,
    parse_difficulty,
    parse_source,
    problem,
)
from examhall.errors import Problem

BLOCKS = {
    "p", "div", "blockquote", "li", "ul", "ol", "pre", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
    "prompt", "choiceInteraction", "itemBody",
}  # fmt: skip
HIDDEN = {"simpleChoice", "feedbackInline", "feedbackBlock", "rubricBlock", "templateInline", "templateBlock"}
# a line break and a blank while text is gathered; the blank is no whitespace, which strip() would drop
BREAK, GAP = "\x1e", "\ue000"
WHITESPACE_RUN = re.compile(r"[ \t\n\r\f\v]*[\t\n\r\f\v][ \t\n\r\f\v]*")


def gather(element: Element, *, skip: set[str] = HIDDEN, formulas: list[str] | None = None) -> tuple[str, list[str]]:
    """The text a reader sees (blanks as （  ）, <br/> and blocks as line breaks; whitespace that
    only lays out the XML collapsed; MathML as a line of text, kept in `formulas`), and the
    images, in order."""
    parts: list[str] = []
    images: list[str] = []

    def walk(node: Element) -> None:
        name = local(node)
        if name in skip:
            parts.append(node.tail or "")
            return
        if name == "textEntryInteraction":
            parts.append(GAP)
        elif name == "math":
            text = formula(node)
            parts.append(text)
            if formulas is not None:
                formulas.append(text)
        elif name == "img":
            images.append(node.get("src") or "")
        elif name == "br":
            parts.append(BREAK)
        else:
            block = name in BLOCKS
            parts.append(BREAK if block else "")
            parts.append(node.text or "")
            for child in node:
                walk(child)
            parts.append(BREAK if block else "")
        parts.append(node.tail or "")

    parts.append(element.text or "")
    for child in element:
        walk(child)
    text = WHITESPACE_RUN.sub(" ", "".join(parts))
    lines = [line.strip() for line in text.split(BREAK)]
    return "\n".join(line for line in lines if line).replace(GAP, BLANK), images


def same_words(a: str, b: str) -> bool:
    """Stems that read alike once blanks and layout are set aside."""

    def plain(text: str) -> str:
        return "".join(BLANK_MARK.sub("", text).split())

    return plain(a) == plain(b)


@dataclass
class ItemRead:
    draft: ItemDraft | None = None
    notes: list[Problem] = field(default_factory=list)  # about the draft
    problems: list[Problem] = field(default_factory=list)  # about the file (no draft)
    images: dict[str, bytes] = field(default_factory=dict)


def read_item(
    file: str, data: bytes, *, package: SafeZip | None = None, path: str = "", meta: dict[str, list[str]] | None = None
) -> ItemRead:
    """One assessmentItem. `package` and `path` find its images; `meta` is examhall's metadata."""
    result = ItemRead()
    root, result.problems = parse_xml(file, data)
    if root is None:
        return result
    if local(root) in ("assessmentTest", "assessmentSection"):
        result.problems.append(
            file_problem(
                file,
                "lone_test",
                "这是 QTI 试卷（assessmentTest），试题在它引用的其他文件中："
                "请上传含 imsmanifest.xml 和试题文件的内容包（.zip）",
                "this is a QTI test (assessmentTest); its items are in the files it refers to: upload the content "
                "package (.zip with imsmanifest.xml) that holds them",
            )
        )
        return result
    if local(root) != "assessmentItem":
        result.problems.append(
            file_problem(file, "not_an_item", "不是 QTI 试题（assessmentItem）", "not a QTI item (assessmentItem)")
        )
        return result
    identifier = attr(root, "identifier") or ""
    where = Location(file=file, identifier=identifier)
    fields: dict[str, list[str]] = meta or {}
    body = next(iter(children(root, "itemBody")), None)
    interactions = [node for node in (body.iter() if body is not None else []) if local(node).endswith("Interaction")]
    kinds = {local(node) for node in interactions}
    choice = kinds == {"choiceInteraction"} and len(interactions) == 1
    if body is None or not interactions or not (choice or kinds == {"textEntryInteraction"}):
        shown = "、".join(sorted(kinds)) or "无"
        result.problems.append(
            skippable(
                where,
                "unsupported_interaction",
                f"不支持的题型（{shown}）；支持单选、多选（choiceInteraction）和填空（textEntryInteraction）",
                f"unsupported interaction ({', '.join(sorted(kinds)) or 'none'}); "
                "choiceInteraction and textEntryInteraction are supported",
            )
        )
        return result
    declared = responses(root)
    formulas: list[str] = []
    stem, sources = gather(body, formulas=formulas)
    draft = ItemDraft(type="fill_blank", stem=stem, answer=[], where=where)
    if choice:
        _choice(draft, interactions[0], declared, fields, result.notes, formulas)
    else:
        blanks = [declared.get(attr(node, "responseIdentifier") or "", Response()) for node in interactions]
        draft.answer = [blank.values for blank in blanks]
        for blank in blanks:
            partial_answers(draft.where, blank, result.notes)
    if "stem" in fields and same_words(fields["stem"][0], stem):
        draft.stem = fields["stem"][0]  # as the author wrote it: blank marks (____), line breaks and spaces
    feedback = [gather(node, formulas=formulas)[0] for node in children(root, "modalFeedback")]
    draft.explanation = "\n".join(text for text in feedback if text)
    if formulas:
        result.notes.append(flattened(where, formulas))
    _images(draft, sources, package, path, result)
    _apply(draft, fields, result.notes)
    result.draft = draft
    return result


def _choice(
    draft: ItemDraft,
    interaction: Element,
    declared: dict[str, Response],
    fields: dict[str, list[str]],
    notes: list[Problem],
    formulas: list[str],
) -> None:
    choices = descendants(interaction, "simpleChoice")
    draft.options = [gather(choice, skip=set(), formulas=formulas)[0] for choice in choices]
    ids = [attr(choice, "identifier") or "" for choice in choices]
    response = declared.get(attr(interaction, "responseIdentifier") or "", Response())
    for value, share in response.partial.items():
        shown = draft.options[ids.index(value)] if value in ids else value
        notes.append(
            skippable(
                draft.where.at("answer"),
                "partial_credit",
                f"选项“{shown}”只得{share:.0%}的分，而本系统的选择题只有全对或全错",
                f"option '{shown}' earns {share:.0%} of the marks; examhall gives a choice all the marks or none",
            )
        )
    single = response.cardinality == "single" or attr(interaction, "maxChoices") == "1"
    keys = []
    for value in response.values:
        if value in ids:
            keys.append(ids.index(value))
        else:
            notes.append(
                problem(
                    draft.where.at("answer"),
                    "key_not_an_option",
                    f"答案“{value}”不是任何选项的标识",
                    f"answer '{value}' is the identifier of no choice",
                )
            )
    draft.answer = sorted(set(keys))
    if any(choice.get("fixed") is not None for choice in choices):
        draft.fixed_options = [i for i, choice in enumerate(choices) if choice.get("fixed") == "true"]
        explicit = True
    else:
        explicit = False
    words = [option.casefold() for option in draft.options]
    true_false = (
        single
        and len(words) == 2
        and {words[0] in TRUE_WORDS, words[1] in TRUE_WORDS} == {True, False}
        and all(w in TRUE_WORDS or w in FALSE_WORDS for w in words)
    )
    wanted = (fields.get("type") or [""])[0]
    if true_false and wanted in ("", "true_false") and len(keys) == 1:
        draft.type, draft.answer, draft.options, draft.fixed_options = (
            "true_false",
            words[keys[0]] in TRUE_WORDS,
            [],
            [],
        )
        return
    draft.type = (
        wanted if wanted in ("single_choice", "multiple_choice") else ("single_choice" if single else "multiple_choice")
    )
    if not explicit:
        draft.fixed_options = positional(draft.options, None)


def _images(draft: ItemDraft, sources: list[str], package: SafeZip | None, path: str, result: ItemRead) -> None:
    for source in sources:
        name = image_name(unquote(source))
        if not name:
            continue
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", source):
            result.notes.append(
                skippable(
                    draft.where.at("images"),
                    "external_image",
                    f"图片“{source[:100]}”不在文件中（外部链接）",
                    f"image '{source[:100]}' is not in the file (an outside link)",
                )
            )
            continue
        if name not in draft.images:
            draft.images.append(name)
        member = posixpath.normpath(posixpath.join(posixpath.dirname(path), unquote(source)))
        content = package.read(member) if package and member in package else None
        if content is None:
            result.notes.append(
                problem(
                    draft.where.at("images"),
                    "missing_image",
                    f"找不到图片“{source}”（文件中没有附带）",
                    f"image '{source}' is missing (the file does not carry it)",
                )
            )
        elif result.images.setdefault(name, content) != content:
            result.notes.append(name_clash(draft.where.at("images"), name))


def _apply(draft: ItemDraft, fields: dict[str, list[str]], notes: list[Problem]) -> None:
    """examhall's own fields from the manifest, for items examhall wrote."""

    def one(name: str) -> str:
        return (fields.get(name) or [""])[0]

    if not fields:
        draft.key = draft.where.identifier if KEY_PATTERN.fullmatch(draft.where.identifier) else ""
        return
    draft.key = one("key")
    draft.category = one("category")
    draft.knowledge_points = fields.get("knowledgePoint", [])
    draft.reference = one("reference")
    if "explanation" in fields:
        draft.explanation = one("explanation")
    where = draft.where
    draft.difficulty, found = parse_difficulty(one("difficulty"), where.at("difficulty"))
    notes += found
    draft.source, found = parse_source(one("source"), where.at("source"))
    notes += found
    draft.effective_from, found = parse_date(one("effectiveFrom"), where.at("effective_from"))
    notes += found
    draft.retire_on, found = parse_date(one("retireOn"), where.at("retire_on"))
    notes += found
    if one("type") and one("type") not in TYPES:
        notes.append(
            problem(where.at("type"), "unknown_type", f"未知题型“{one('type')}”", f"unknown type '{one('type')}'")
        )


def read_xml(file: str, data: bytes) -> Parsed:
    """A lone item: its images cannot be with it."""
    result = read_item(file, data)
    parsed = Parsed(problems=result.problems)
    if result.draft is not None:
        parsed.add(result.draft, result.notes)
    no_items_left(parsed, file)
    return parsed


def no_items_left(parsed: Parsed, file: str) -> None:
    if not parsed.drafts and all(p.warning for p in parsed.problems):
        parsed.problems.append(no_items(file))
