"""MathML in QTI items reads as a formula typed on one line (E = mc^2, not "E = m c 2"), and the
item it was flattened in is named in a warning."""

import pytest
from defusedxml import ElementTree

from examhall.banks.formats import read
from examhall.banks.formats.mathml import formula

MATHML = "http://www.w3.org/1998/Math/MathML"
QTI30 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"


def math(inner: str) -> str:
    return f'<math xmlns="{MATHML}">{inner}</math>'


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<mi>E</mi>\n  <mo>=</mo>\n  <mi>m</mi>\n  <msup><mi>c</mi><mn>2</mn></msup>", "E = mc^2"),
        ("<msub><mi>x</mi><mn>1</mn></msub><mo>+</mo><msub><mi>x</mi><mrow><mi>n</mi><mo>+</mo><mn>1</mn></mrow></msub>",
         "x_1 + x_(n + 1)"),
        ("<mfrac><mrow><mi>a</mi><mo>+</mo><mi>b</mi></mrow><mi>c</mi></mfrac>", "(a + b)/c"),
        ("<msqrt><msup><mi>x</mi><mn>2</mn></msup><mo>+</mo><mn>1</mn></msqrt>", "√(x^2 + 1)"),
        ("<msup><mi>x</mi><mrow><mo>-</mo><mn>1</mn></mrow></msup>", "x^(-1)"),
        ("<mi>f</mi><mo>(</mo><mi>x</mi><mo>,</mo><mi>y</mi><mo>)</mo>", "f(x, y)"),
        ("<mn>0.75</mn><mo>%</mo>", "0.75%"),
        ('<semantics><mrow><mi>a</mi><mo>≤</mo><mi>b</mi></mrow><annotation encoding="TeX">a\\le b</annotation>'
         "</semantics>", "a ≤ b"),
    ],
)  # fmt: skip
def test_a_formula_reads_as_it_is_typed(markup: str, text: str):
    assert formula(ElementTree.fromstring(math(markup))) == text


def test_an_item_with_mathml_keeps_its_formulas_readable_and_warns_naming_the_item():
    energy = math("<mi>E</mi> <mo>=</mo> <mi>m</mi> <msup><mi>c</mi><mn>2</mn></msup>")
    half = math("<mfrac><mn>1</mn><mn>2</mn></mfrac><mi>m</mi><msup><mi>v</mi><mn>2</mn></msup>")
    item = f"""<qti-assessment-item xmlns="{QTI30}" identifier="energy" title="Energy">
  <qti-response-declaration identifier="R" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>A</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-item-body>
    <p>质能方程 {energy} 中，c 表示什么？</p>
    <qti-choice-interaction response-identifier="R" max-choices="1">
      <qti-simple-choice identifier="A">光速</qti-simple-choice>
      <qti-simple-choice identifier="B">动能 {half}</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
</qti-assessment-item>"""
    bank = read("energy.xml", item.encode())
    (draft,) = bank.drafts
    assert draft.stem == "质能方程 E = mc^2 中，c 表示什么？"
    assert draft.options == ["光速", "动能 1/2mv^2"]
    (flattened,) = bank.problems
    assert (flattened.code, flattened.warning) == ("mathml_flattened", True)
    assert flattened.where_en == "energy.xml, item 'energy'" and flattened.where == "energy.xml，试题“energy”"
    assert "E = mc^2; 1/2mv^2" in flattened.en and "2 MathML formulas" in flattened.en
    assert "E = mc^2" in flattened.zh


def test_an_item_without_mathml_has_no_such_warning():
    item = (
        f'<qti-assessment-item xmlns="{QTI30}" identifier="plain"><qti-response-declaration identifier="R" '
        'cardinality="single" base-type="string"><qti-correct-response><qti-value>20%</qti-value>'
        "</qti-correct-response></qti-response-declaration><qti-item-body><p>氧气不低于"
        '<qti-text-entry-interaction response-identifier="R"/></p></qti-item-body></qti-assessment-item>'
    )
    bank = read("plain.xml", item.encode())
    assert bank.problems == [] and bank.drafts[0].stem == "氧气不低于（  ）"
