"""What a QTI item's response declarations make of its answers: the values worth full marks (the
correct response, and mapped values as good as the best), and those worth only part of them,
which examhall, giving an answer all the marks or none, leaves out and reports."""

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from examhall.banks.formats.common import skippable
from examhall.banks.formats.qti_xml import attr, children
from examhall.banks.items import Location, normalize_text, problem
from examhall.errors import Problem


@dataclass
class Response:
    cardinality: str = "single"
    values: list[str] = field(default_factory=list)  # correctResponse, then mapKeys worth full marks
    # mapKeys worth part of the marks, with their share (0.5 for half): where a response is one
    # value, a mapped value below the highest one is partial credit
    partial: dict[str, float] = field(default_factory=dict)


def responses(item: Element) -> dict[str, Response]:
    found: dict[str, Response] = {}
    for declaration in children(item, "responseDeclaration"):
        response = Response(cardinality=attr(declaration, "cardinality") or "single")
        for correct in children(declaration, "correctResponse"):
            response.values += [(value.text or "").strip() for value in children(correct, "value")]
        mapped: dict[str, float] = {}
        for mapping in children(declaration, "mapping"):
            for entry in children(mapping, "mapEntry"):
                try:
                    worth = float(attr(entry, "mappedValue") or "0")
                except ValueError:
                    worth = 0
                key = (attr(entry, "mapKey") or "").strip()
                if worth > 0 and key:
                    mapped.setdefault(key, worth)
        top = max(mapped.values(), default=0)
        for key, worth in mapped.items():
            if response.cardinality != "single" or worth >= top or key in response.values:
                response.values.append(key)
            else:
                response.partial[key] = worth / top
        response.values = list(dict.fromkeys(v for v in response.values if v))
        found[attr(declaration, "identifier") or ""] = response
    return found


def partial_answers(where: Location, response: Response, notes: list[Problem]) -> None:
    """A fill-in answer worth part of the marks is left out (and reported): examhall gives all or none."""
    full = {normalize_text(value) for value in response.values}
    for value, share in response.partial.items():
        if normalize_text(value) in full:
            notes.append(
                problem(
                    where.at("answer"),
                    "partial_credit_same",
                    f"答案“{value}”只得{share:.0%}的分，但本系统比较答案时不分大小写和全半角，它与满分答案相同，按满分计",
                    f"answer '{value}' earns {share:.0%} of the marks, but examhall compares answers without case "
                    "or width, so it scores as the full-credit answer it equals",
                    warning=True,
                )
            )
        else:
            notes.append(
                skippable(
                    where.at("answer"),
                    "partial_credit",
                    f"答案“{value}”只得{share:.0%}的分，而本系统的填空答案只有全对或全错",
                    f"answer '{value}' earns {share:.0%} of the marks; examhall gives a fill-in answer all the "
                    "marks or none",
                )
            )
