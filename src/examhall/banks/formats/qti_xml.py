"""QTI's XML, read safely and in either version's spelling. QTI 3.0 names its elements and
attributes in kebab case with a qti- prefix (qti-choice-interaction, response-identifier);
local() and attr() read them as QTI 2.1 names them, so both go through the same code.

All XML goes through defusedxml with DTDs forbidden, so entity tricks (XXE, billion laughs)
are refused before anything is expanded, and nothing is ever fetched."""

import re
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from examhall.banks.formats.common import file_problem, not_a
from examhall.errors import Problem


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
