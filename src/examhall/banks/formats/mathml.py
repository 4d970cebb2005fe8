"""MathML (presentation markup, as QTI items carry formulas) as one line of readable text:
E = mc^2, x_1, (a + b)/(c), √(x). examhall shows items as text, so a formula is flattened; the
reader says where it did so."""

from xml.etree.ElementTree import Element

from examhall.banks.items import Location, problem
from examhall.errors import Problem

# Operators read with a space either side, as a formula is typed: E = mc^2, a + b.
SPACED = set("=+-−±∓×÷·<>≤≥≠≈≡∼≅∝→←↔⇒⇔∈∉⊂⊃⊆⊇∪∩∧∨") | {"<=", ">=", "!=", "&lt;", "&gt;"}
SCRIPTS = {"msup", "msub", "msubsup", "mover", "munder", "munderover", "mmultiscripts"}
IGNORED = {"annotation", "annotation-xml", "mphantom", "none", "mprescripts", "maligngroup", "malignmark"}


def name(node: Element) -> str:
    tag = node.tag if isinstance(node.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def formula(math: Element) -> str:
    """The text of a <math> element."""
    return " ".join(_text(math).split())


def _atomic(text: str) -> bool:
    """Text that needs no brackets as a script or a fraction's part: x, 2, 10, xy, π."""
    return len(text) <= 1 or text.isalnum()


def _group(text: str) -> str:
    return text if _atomic(text) else f"({text})"


def _token(node: Element) -> str:
    text = " ".join("".join(node.itertext()).split())
    if name(node) == "mo":
        if text in SPACED:
            return f" {text} "
        if text in (",", ";"):
            return f"{text} "
    return text


def _join(nodes: list[Element]) -> str:
    out = ""
    for node in nodes:
        text = _text(node)
        before = out.rstrip()
        # a sign with nothing before it to act on is unary: -1, x = -y, (-a)
        if name(node) == "mo" and text.strip() in SPACED and (not before or before[-1] in "([{," or _spaced_end(out)):
            text = text.strip()
        out += text
    return out


def _spaced_end(text: str) -> bool:
    return text.endswith(" ") and text.rstrip().rsplit(" ", 1)[-1] in SPACED


def _text(node: Element) -> str:
    kind = name(node)
    parts = [child for child in node if name(child) not in IGNORED]
    if kind in ("mi", "mn", "mo", "mtext", "ms"):
        return _token(node)
    if kind == "mspace":
        return " "
    if kind == "semantics":
        return _text(parts[0]) if parts else ""
    if kind == "mfrac" and len(parts) == 2:
        top, bottom = (_text(part).strip() for part in parts)
        return f"{_group(top)}/{_group(bottom)}"
    if kind == "msqrt":
        return f"√({_join(parts).strip()})"
    if kind == "mroot" and len(parts) == 2:
        base, index = (_text(part).strip() for part in parts)
        return f"{_group(index)}√({base})"
    if kind in SCRIPTS and parts:
        return _scripts(kind, [_text(part).strip() for part in parts])
    if kind == "mfenced":
        opening, closing = node.get("open", "("), node.get("close", ")")
        separator = (node.get("separators", ",") or ",")[:1]
        return opening + f"{separator} ".join(_text(part).strip() for part in parts) + closing
    if kind == "mtable":
        return "; ".join(_text(row).strip() for row in parts)
    if kind in ("mtr", "mlabeledtr"):
        return ", ".join(_text(cell).strip() for cell in parts)
    # math, mrow, mstyle, mpadded, menclose, merror, mtd and anything unknown: the children in order
    return _join(parts) if parts else " ".join("".join(node.itertext()).split())


def _scripts(kind: str, texts: list[str]) -> str:
    base = _group(texts[0])
    rest = texts[1:]
    if kind in ("msup", "mover") and rest:
        return f"{base}^{_group(rest[0])}"
    if kind in ("msub", "munder") and rest:
        return f"{base}_{_group(rest[0])}"
    if kind in ("msubsup", "munderover") and len(rest) >= 2:
        return f"{base}_{_group(rest[0])}^{_group(rest[1])}"
    return base + "".join(rest)


def flattened(where: Location, formulas: list[str]) -> Problem:
    shown = list(dict.fromkeys(formulas))
    listed = "；".join(shown[:5]) + ("…" if len(shown) > 5 else "")
    return problem(
        where,
        "mathml_flattened",
        f"试题中的{len(formulas)}个 MathML 公式已转为文本（如 mc^2 表示 mc²），请核对：{listed}",
        f"{len(formulas)} MathML formulas of the item are flattened to text (mc^2 for mc²); check them: "
        + "; ".join(shown[:5])
        + ("…" if len(shown) > 5 else ""),
        warning=True,
    )
