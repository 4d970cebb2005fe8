"""A bank written as an IMS QTI 2.1 content package: imsmanifest.xml, one assessmentItem file
per item under items/, and the images under images/. What QTI has no place for (key,
category, knowledge points, difficulty, source, reference, dates, the author's exact stem)
is kept in each resource's metadata under examhall's namespace, so reading the package back
gives the same items; the explanation is also a modalFeedback for other systems to show."""

import io
import re
import zipfile
from urllib.parse import quote
from xml.etree.ElementTree import Element, SubElement, tostring

from examhall.banks.formats.common import BLANK_MARK
from examhall.banks.formats.qti_package import EXAMHALL_NS
from examhall.banks.items import LABELS, ItemDraft

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TRUE_FALSE = (["正确", "错误"], ["T", "F"])


def _xml(text: str) -> str:
    return NOT_XML.sub("", text)


def _inline(parent: Element, text: str) -> None:
    """Text into an element, its line breaks as <br/>."""
    first, *rest = _xml(text).split("\n")
    parent.text = first
    for line in rest:
        SubElement(parent, "br").tail = line


def _stem(body: Element, draft: ItemDraft) -> None:
    lines = _xml(draft.stem).split("\n")
    blanks = len(draft.answer) if draft.type == "fill_blank" and isinstance(draft.answer, list) else 0
    inline = blanks and sum(len(BLANK_MARK.findall(line)) for line in lines) == blanks
    response = 0
    for line in lines:
        paragraph = SubElement(body, "p")
        if not inline:
            paragraph.text = line
            continue
        pieces = BLANK_MARK.split(line)
        paragraph.text = pieces[0]
        for piece in pieces[1:]:
            response += 1
            SubElement(paragraph, "textEntryInteraction", responseIdentifier=f"RESPONSE_{response}").tail = piece
    if blanks and not inline:  # the stem marks no blanks (or not as many): the answer boxes follow it
        paragraph = SubElement(body, "p")
        for number in range(1, blanks + 1):
            SubElement(paragraph, "textEntryInteraction", responseIdentifier=f"RESPONSE_{number}")


def _score(processing: Element, condition: Element) -> None:
    """SCORE is 1 when `condition` holds, else 0."""
    rule = SubElement(processing, "responseCondition")
    when = SubElement(rule, "responseIf")
    when.append(condition)
    SubElement(SubElement(when, "setOutcomeValue", identifier="SCORE"), "baseValue", baseType="float").text = "1"
    otherwise = SubElement(rule, "responseElse")
    SubElement(SubElement(otherwise, "setOutcomeValue", identifier="SCORE"), "baseValue", baseType="float").text = "0"


def item_xml(draft: ItemDraft, identifier: str) -> bytes:
    first_line = draft.stem.split("\n", 1)[0]
    root = Element(
        "assessmentItem",
        {
            "xmlns": QTI_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": f"{QTI_NS} {QTI_XSD}",
            "identifier": identifier,
            "title": _xml(first_line[:80]),
            "adaptive": "false",
            "timeDependent": "false",
        },
    )
    processing = Element("responseProcessing")
    if draft.type == "fill_blank":
        blanks = [blank for blank in draft.answer if isinstance(blank, list)] if isinstance(draft.answer, list) else []
        total = Element("sum")
        for number, blank in enumerate(blanks, 1):
            declaration = SubElement(
                root, "responseDeclaration", identifier=f"RESPONSE_{number}", cardinality="single", baseType="string"
            )
            SubElement(SubElement(declaration, "correctResponse"), "value").text = _xml(blank[0]) if blank else ""
            mapping = SubElement(declaration, "mapping", defaultValue="0", upperBound="1")
            for accepted in blank:
                SubElement(mapping, "mapEntry", mapKey=_xml(accepted), mappedValue="1", caseSensitive="false")
            SubElement(total, "mapResponse", identifier=f"RESPONSE_{number}")
        match = Element("gte")
        match.append(total)
        SubElement(match, "baseValue", baseType="float").text = str(len(blanks))
        _score(processing, match)
    else:
        if draft.type == "true_false":
            options, ids = TRUE_FALSE
            keys = [0 if draft.answer is True else 1]
        else:
            options, ids = draft.options, list(LABELS)
            keys = [k for k in draft.answer if isinstance(k, int)] if isinstance(draft.answer, list) else []
        cardinality = "multiple" if draft.type == "multiple_choice" else "single"
        declaration = SubElement(
            root, "responseDeclaration", identifier="RESPONSE", cardinality=cardinality, baseType="identifier"
        )
        correct = SubElement(declaration, "correctResponse")
        for key in keys:
            SubElement(correct, "value").text = ids[key] if 0 <= key < len(ids) else "?"
        match = Element("match")
        SubElement(match, "variable", identifier="RESPONSE")
        SubElement(match, "correct", identifier="RESPONSE")
        _score(processing, match)
    outcome = SubElement(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    SubElement(SubElement(outcome, "defaultValue"), "value").text = "0"
    if draft.explanation:
        SubElement(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality="single", baseType="identifier")
        shown = SubElement(processing, "setOutcomeValue", identifier="FEEDBACK")
        SubElement(shown, "baseValue", baseType="identifier").text = "EXPLANATION"
    body = SubElement(root, "itemBody")
    _stem(body, draft)
    for name in draft.images:
        SubElement(SubElement(body, "p"), "img", src=f"../images/{quote(name)}", alt=_xml(name))
    if draft.type != "fill_blank":
        interaction = SubElement(
            body,
            "choiceInteraction",
            responseIdentifier="RESPONSE",
            shuffle="true",
            maxChoices="1" if cardinality == "single" else "0",
        )
        for index, option in enumerate(options):
            fixed = "true" if index in draft.fixed_options else "false"
            _inline(SubElement(interaction, "simpleChoice", identifier=ids[index], fixed=fixed), option)
    root.append(processing)
    if draft.explanation:
        feedback = SubElement(
            root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier="EXPLANATION", showHide="show"
        )
        _inline(feedback, draft.explanation)
    data: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _field(parent: Element, name: str, value: str | None) -> None:
    if value:
        SubElement(parent, f"eh:{name}").text = _xml(value)


def _resource(resources: Element, draft: ItemDraft, identifier: str, href: str) -> None:
    resource = SubElement(resources, "resource", identifier=f"RES-{identifier}", type="imsqti_item_xmlv2p1", href=href)
    fields = SubElement(SubElement(resource, "metadata"), "eh:item")
    _field(fields, "key", draft.key)
    _field(fields, "type", draft.type)
    _field(fields, "stem", draft.stem)
    _field(fields, "category", draft.category)
    for point in draft.knowledge_points:
        _field(fields, "knowledgePoint", point)
    _field(fields, "difficulty", str(draft.difficulty))
    _field(fields, "source", draft.source)
    _field(fields, "reference", draft.reference)
    _field(fields, "effectiveFrom", draft.effective_from.isoformat() if draft.effective_from else None)
    _field(fields, "retireOn", draft.retire_on.isoformat() if draft.retire_on else None)
    _field(fields, "explanation", draft.explanation)
    SubElement(resource, "file", href=href)
    for name in draft.images:
        SubElement(resource, "file", href=f"images/{quote(name)}")


def write_qti(code: str, name: str, description: str, drafts: list[ItemDraft], images: dict[str, bytes]) -> bytes:
    manifest = Element(
        "manifest", {"xmlns": CP_NS, "xmlns:eh": EXAMHALL_NS, "identifier": f"MANIFEST-{code or 'bank'}"}
    )
    about = SubElement(manifest, "metadata")
    SubElement(about, "schema").text = "QTIv2.1 Package"
    SubElement(about, "schemaversion").text = "1.0.0"
    bank = SubElement(about, "eh:bank")
    for field_name, value in (("code", code), ("name", name), ("description", description)):
        _field(bank, field_name, value)
    SubElement(manifest, "organizations")
    resources = SubElement(manifest, "resources")
    out = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(out, "w") as archive:
        for number, draft in enumerate(drafts, 1):
            identifier = draft.key if IDENTIFIER.fullmatch(draft.key) and draft.key not in used else f"item-{number}"
            while identifier in used:
                identifier += "_"
            used.add(identifier)
            href = f"items/{identifier}.xml"
            _resource(resources, draft, identifier, href)
            archive.writestr(href, item_xml(draft, identifier), zipfile.ZIP_DEFLATED)
        for image, content in images.items():
            archive.writestr(f"images/{image}", content)  # stored: images are compressed already
        archive.writestr(
            "imsmanifest.xml", tostring(manifest, encoding="utf-8", xml_declaration=True), zipfile.ZIP_DEFLATED
        )
    return out.getvalue()
