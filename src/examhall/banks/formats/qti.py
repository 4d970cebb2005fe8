"""IMS QTI 2.1 and 3.0 items, read: a lone assessmentItem .xml, or a content package (a zip
with imsmanifest.xml). QTI 3.0 names its elements and attributes in kebab case with a qti-
prefix (qti-choice-interaction, response-identifier); both read through the same code.

All XML goes through defusedxml with DTDs forbidden, so entity tricks (XXE, billion laughs)
are refused before anything is expanded, and nothing is ever fetched."""

import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

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
    not_a,
    parse_date,
    positional,
)
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

EXAMHALL_NS = "urn:examhall:bank:1"  # examhall's fields that QTI has no place for, in the manifest
ITEM_TYPES = ("imsqti_item_xmlv2p1", "imsqti_item_xmlv3p0")
SKIPPED_TYPES = ("imsqti_test", "imsqti_section", "imsqti_assessment", "associatedcontent", "webcontent")
BLOCKS = {
    "p", "div", "blockquote", "li", "ul", "ol", "pre", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
    "prompt", "choiceInteraction", "itemBody",
}  # fmt: skip
HIDDEN = {"simpleChoice", "feedbackInline", "feedbackBlock", "rubricBlock", "templateInline", "templateBlock"}
BREAK, GAP = "\x1e", "\x1f"  # a line break and a blank while text is gathered
WHITESPACE_RUN = re.compile(r"[ \t\n\r\f\v]*[\t\n\r\f\v][ \t\n\r\f\v]*")


def local(element: Element) -> str:
    """An element's name without namespace, QTI 3.0's qti-choice-interaction as choiceInteraction."""
    tag = element.tag if isinstance(element.tag, str) else ""
    name = tag.rsplit("}", 1)[-1]
    if name.startswith("qti-"):
        first, *rest = name[4:].split("-")
        name = first + "".join(part.capitalize() for part in rest)
    return name


def attr(element: Element, name: str) -> str | None:
    value = element.get(name)
    if value is None:
        value = element.get(re.sub(r"([A-Z])", lambda m: "-" + m[1].lower(), name))
    return value


def children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child) == name]


def descendants(element: Element, name: str) -> list[Element]:
    return [node for node in element.iter() if local(node) == name]


def parse_xml(file: str, data: bytes) -> tuple[Element | None, list[Problem]]:
    try:
        return SafeET.fromstring(data, forbid_dtd=True), []
    except DefusedXmlException:
        return None, [
            file_problem(
                file,
                "unsafe_xml",
                "XML 中含有 DTD 或实体声明（可能是 XXE 或“十亿笑声”攻击），出于安全原因拒绝导入",
                "the XML has a DTD or entity declarations (XXE or billion laughs); refused for safety",
            )
        ]
    except (ParseError, ValueError) as exc:
        return None, [not_a(file, data, "XML 文件", "XML file", str(exc), str(exc))]


def gather(element: Element, *, skip: set[str] = HIDDEN) -> tuple[str, list[str]]:
    """The text a reader sees (blanks as （  ）, <br/> and blocks as line breaks; whitespace that
    only lays out the XML collapsed), and the images, in order."""
    parts: list[str] = []
    images: list[str] = []

    def walk(node: Element) -> None:
        name = local(node)
        if name in skip:
            parts.append(node.tail or "")
            return
        if name == "textEntryInteraction":
            parts.append(GAP)
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


@dataclass
class Response:
    cardinality: str = "single"
    values: list[str] = field(default_factory=list)  # correctResponse, then positive mapKeys


def responses(item: Element) -> dict[str, Response]:
    found: dict[str, Response] = {}
    for declaration in children(item, "responseDeclaration"):
        response = Response(cardinality=attr(declaration, "cardinality") or "single")
        for correct in children(declaration, "correctResponse"):
            response.values += [(value.text or "").strip() for value in children(correct, "value")]
        for mapping in children(declaration, "mapping"):
            for entry in children(mapping, "mapEntry"):
                try:
                    worth = float(attr(entry, "mappedValue") or "0")
                except ValueError:
                    worth = 0
                if worth > 0:
                    response.values.append((attr(entry, "mapKey") or "").strip())
        response.values = list(dict.fromkeys(v for v in response.values if v))
        found[attr(declaration, "identifier") or ""] = response
    return found


def metadata(resource: Element | None) -> dict[str, list[str]]:
    """examhall's fields kept in a manifest resource's metadata, by name."""
    fields: dict[str, list[str]] = {}
    if resource is None:
        return fields
    for holder in resource.iter(f"{{{EXAMHALL_NS}}}item"):
        for child in holder:
            fields.setdefault(child.tag.rsplit("}", 1)[-1], []).append(child.text or "")
    return fields


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
            problem(
                where,
                "unsupported_interaction",
                f"不支持的题型（{shown}），此题未导入；支持单选、多选（choiceInteraction）和填空（textEntryInteraction）",
                f"unsupported interaction ({', '.join(sorted(kinds)) or 'none'}); item not imported; "
                "choiceInteraction and textEntryInteraction are supported",
                warning=True,
            )
        )
        return result
    declared = responses(root)
    stem, sources = gather(body)
    draft = ItemDraft(type="fill_blank", stem=stem, answer=[], where=where)
    if choice:
        _choice(draft, interactions[0], declared, fields, result.notes)
    else:
        draft.answer = [
            declared.get(attr(node, "responseIdentifier") or "", Response()).values for node in interactions
        ]
    if "stem" in fields and same_words(fields["stem"][0], stem):
        draft.stem = fields["stem"][0]  # as the author wrote it: blank marks (____), line breaks and spaces
    feedback = [gather(node)[0] for node in children(root, "modalFeedback")]
    draft.explanation = "\n".join(text for text in feedback if text)
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
) -> None:
    choices = descendants(interaction, "simpleChoice")
    draft.options = [gather(choice, skip=set())[0] for choice in choices]
    ids = [attr(choice, "identifier") or "" for choice in choices]
    response = declared.get(attr(interaction, "responseIdentifier") or "", Response())
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
                problem(
                    draft.where.at("images"),
                    "external_image",
                    f"图片“{source[:100]}”不在文件中（外部链接），未导入",
                    f"image '{source[:100]}' is not in the file (an outside link); not imported",
                    warning=True,
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
    _no_items(parsed, file)
    return parsed


def _no_items(parsed: Parsed, file: str) -> None:
    if not parsed.drafts and all(p.warning for p in parsed.problems):
        parsed.problems.append(no_items(file))


def read_package(file: str, package: SafeZip, manifest_path: str) -> Parsed:
    parsed = Parsed()
    content = package.read(manifest_path)
    root, parsed.problems = parse_xml(f"{file}:{manifest_path}", content or b"")
    if root is None:
        parsed.problems += package.problems
        return parsed
    for bank in root.iter(f"{{{EXAMHALL_NS}}}bank"):
        values = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in bank}
        parsed.code, parsed.name, parsed.description = (
            values.get("code", ""),
            values.get("name", ""),
            values.get("description", ""),
        )
    base = posixpath.dirname(manifest_path)
    for resource in descendants(root, "resource"):
        kind = (resource.get("type") or "").casefold()
        href = resource.get("href") or ""
        if not (kind in ITEM_TYPES or (href.casefold().endswith(".xml") and not kind.startswith(SKIPPED_TYPES))):
            continue
        path = posixpath.normpath(posixpath.join(base, unquote(href)))
        where = f"{file}:{path}"
        if path not in package:
            parsed.problems.append(
                file_problem(
                    where,
                    "missing_member",
                    "清单中列出的试题文件不在压缩包中",
                    "the manifest lists this item file, the archive lacks it",
                )
            )
            continue
        result = read_item(where, package.read(path) or b"", package=package, path=path, meta=metadata(resource))
        if result.draft is not None:
            parsed.add(result.draft, result.notes)
            for name, content in result.images.items():
                if parsed.images.setdefault(name, content) != content:
                    parsed.problems.append(name_clash(Location(where), name))
        elif kind in ITEM_TYPES or not any(p.code == "not_an_item" for p in result.problems):
            parsed.problems += result.problems
    parsed.problems += package.problems
    _no_items(parsed, file)
    return parsed
