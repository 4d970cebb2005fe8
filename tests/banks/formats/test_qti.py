"""QTI 2.1 and 3.0 items, lone or in a content package, read as the samples' README says; XML
with a DTD or entities refused before anything is expanded or fetched."""

import io
import zipfile
from pathlib import Path

from examhall.banks.formats import read

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "qti"
QTI21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI30 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
PNG = b"\x89PNG\r\n\x1a\n fake"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def package(items: dict[str, bytes], extra: dict[str, bytes] | None = None, kind: str = "imsqti_item_xmlv2p1") -> bytes:
    resources = "".join(
        f'<resource identifier="R{n}" type="{kind}" href="{href}"><file href="{href}"/></resource>'
        for n, href in enumerate(items)
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M">'
        f"<organizations/><resources>{resources}</resources></manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest)
        for href, data in {**items, **(extra or {})}.items():
            archive.writestr(href, data)
    return out.getvalue()


def test_choice_imports_as_a_single_choice_and_reports_its_missing_image_by_file_name():
    bank = read("choice.xml", fixture("choice.xml"))
    (draft,) = bank.drafts
    assert (draft.type, draft.answer, draft.key) == ("single_choice", [0], "choice")
    assert draft.options[0] == "You must stay with your luggage at all times."
    assert "What does it say?" in draft.stem and "Look at the text in the picture." in draft.stem
    assert draft.images == ["sign.png"]
    (missing,) = bank.errors
    assert missing.code == "missing_image" and "images/sign.png" in missing.en and "images/sign.png" in missing.zh
    assert missing.where_en == "choice.xml, column 'image', item 'choice'"


def test_choice_imports_with_its_image_from_a_package_that_carries_it():
    bank = read("choice.zip", package({"items/choice.xml": fixture("choice.xml")}, {"items/images/sign.png": PNG}))
    assert bank.problems == []
    assert bank.images == {"sign.png": PNG} and bank.drafts[0].images == ["sign.png"]


def test_choice_multiple_keys_are_hydrogen_and_oxygen():
    bank = read("choice_multiple.xml", fixture("choice_multiple.xml"))
    assert bank.problems == []
    (draft,) = bank.drafts
    assert draft.type == "multiple_choice"
    assert [draft.options[k] for k in draft.answer] == ["Hydrogen", "Oxygen"]
    assert draft.answer == [0, 3] and draft.fixed_options == []


def test_text_entry_is_a_fill_in_accepting_york_with_the_blank_in_place():
    bank = read("text_entry.xml", fixture("text_entry.xml"))
    (draft,) = bank.drafts
    assert draft.type == "fill_blank" and draft.answer == [["York"]]
    # york is mapped to half the marks; examhall reads answers without case, so it scores as York
    (same,) = bank.problems
    assert (same.code, same.warning) == ("partial_credit_same", True) and "'york' earns 50%" in same.en
    assert "this sun of （  ）;" in draft.stem
    assert "\t" not in draft.stem and "  of" not in draft.stem


def test_order_is_an_unsupported_interaction_reported_by_file_and_identifier():
    bank = read("order.xml", fixture("order.xml"))
    assert bank.drafts == []
    unsupported = next(p for p in bank.problems if p.code == "unsupported_interaction")
    assert unsupported.warning and unsupported.where_en == "order.xml, item 'order'"
    assert "orderInteraction" in unsupported.en
    assert [p.code for p in bank.errors] == ["no_items"]


def test_a_package_imports_every_supported_item_and_skips_the_others():
    items = {f"items/{name}": fixture(name) for name in ("choice_multiple.xml", "text_entry.xml", "order.xml")}
    bank = read("bank.zip", package(items))
    assert [d.key for d in bank.drafts] == ["choiceMultiple", "textEntry"]
    assert bank.errors == []
    assert sorted((p.code, p.where_en) for p in bank.problems) == [
        ("partial_credit_same", "bank.zip:items/text_entry.xml, column 'answer', item 'textEntry'"),
        ("unsupported_interaction", "bank.zip:items/order.xml, item 'order'"),
    ]


def test_a_package_whose_manifest_names_a_missing_item_file_says_so():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "imsmanifest.xml",
            '<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><resources>'
            '<resource identifier="R" type="imsqti_item_xmlv2p1" href="items/gone.xml"/></resources></manifest>',
        )
    bank = read("bank.zip", out.getvalue())
    assert [p.code for p in bank.errors] == ["missing_member"]
    assert bank.errors[0].where_en == "bank.zip:items/gone.xml"


def item21(body: str, declarations: str = "") -> bytes:
    return (
        f'<assessmentItem xmlns="{QTI21}" identifier="I1" title="t" adaptive="false" timeDependent="false">'
        f"{declarations}<itemBody>{body}</itemBody></assessmentItem>"
    ).encode()


def test_a_two_choice_item_reading_true_and_false_is_a_true_false_item():
    declaration = (
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">'
        "<correctResponse><value>F</value></correctResponse></responseDeclaration>"
    )
    body = (
        '<choiceInteraction responseIdentifier="RESPONSE" maxChoices="1"><prompt>井下可以吸烟。</prompt>'
        '<simpleChoice identifier="T">正确</simpleChoice><simpleChoice identifier="F">错误</simpleChoice>'
        "</choiceInteraction>"
    )
    (draft,) = read("tf.xml", item21(body, declaration)).drafts
    assert (draft.type, draft.answer, draft.options, draft.stem) == ("true_false", False, [], "井下可以吸烟。")


def test_fixed_choices_stay_in_place_and_without_any_the_text_decides():
    declaration = (
        '<responseDeclaration identifier="R" cardinality="single" baseType="identifier">'
        "<correctResponse><value>a</value></correctResponse></responseDeclaration>"
    )
    choices = '<simpleChoice identifier="a"{}>甲</simpleChoice><simpleChoice identifier="b"{}>以上都不对</simpleChoice>'
    marked = choices.format(' fixed="true"', "")
    fixed = item21(f'<choiceInteraction responseIdentifier="R">{marked}</choiceInteraction>', declaration)
    plain = item21(
        f'<choiceInteraction responseIdentifier="R">{choices.format("", "")}</choiceInteraction>', declaration
    )
    assert read("a.xml", fixed).drafts[0].fixed_options == [0]
    assert read("b.xml", plain).drafts[0].fixed_options == [1]


def test_several_text_entries_make_several_blanks_accepting_their_mapped_answers():
    declarations = "".join(
        f'<responseDeclaration identifier="R{n}" cardinality="single" baseType="string">'
        f"<correctResponse><value>{right}</value></correctResponse>"
        f'<mapping defaultValue="0"><mapEntry mapKey="{other}" mappedValue="1"/>'
        f'<mapEntry mapKey="wrong" mappedValue="0"/></mapping></responseDeclaration>'
        for n, right, other in ((1, "0.75%", "百分之零点七五"), (2, "20%", "百分之二十"))
    )
    body = (
        '<p>甲烷<textEntryInteraction responseIdentifier="R1"/>，'
        '氧气<textEntryInteraction responseIdentifier="R2"/>。</p>'
    )
    (draft,) = read("fill.xml", item21(body, declarations)).drafts
    assert draft.stem == "甲烷（  ），氧气（  ）。"
    assert draft.answer == [["0.75%", "百分之零点七五"], ["20%", "百分之二十"]]


def test_a_qti_3_item_reads_like_its_2_1_twin():
    item = f"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="{QTI30}" identifier="q3" title="Water" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="identifier">
    <qti-correct-response><qti-value>H</qti-value><qti-value>O</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-item-body>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="0">
      <qti-prompt>Which elements form water?</qti-prompt>
      <qti-simple-choice identifier="H">Hydrogen</qti-simple-choice>
      <qti-simple-choice identifier="He">Helium</qti-simple-choice>
      <qti-simple-choice identifier="O" fixed="true">Oxygen</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
</qti-assessment-item>"""
    bank = read("water.xml", item.encode())
    assert bank.problems == []
    (draft,) = bank.drafts
    assert (draft.type, draft.stem, draft.options, draft.answer) == (
        "multiple_choice",
        "Which elements form water?",
        ["Hydrogen", "Helium", "Oxygen"],
        [0, 2],
    )
    assert (draft.fixed_options, draft.key) == ([2], "q3")


def test_a_qti_3_package_is_followed_by_its_resource_type():
    item = (
        f'<qti-assessment-item xmlns="{QTI30}" identifier="e1"><qti-response-declaration identifier="R" '
        'cardinality="single" base-type="string"><qti-correct-response><qti-value>York</qti-value>'
        "</qti-correct-response></qti-response-declaration><qti-item-body><p>House of "
        '<qti-text-entry-interaction response-identifier="R"/></p></qti-item-body></qti-assessment-item>'
    )
    bank = read("bank.zip", package({"e1.xml": item.encode()}, kind="imsqti_item_xmlv3p0"))
    assert bank.problems == [] and bank.drafts[0].answer == [["York"]]


def test_an_external_entity_is_refused_and_never_read():
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE assessmentItem [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<assessmentItem xmlns="{QTI21}" identifier="x"><itemBody><p>&xxe;</p></itemBody></assessmentItem>'
    )
    bank = read("xxe.xml", xxe.encode())
    assert [p.code for p in bank.problems] == ["unsafe_xml"] and bank.drafts == []
    assert "root:" not in repr(bank)


def test_billion_laughs_is_refused_without_expansion():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>'
        f'<assessmentItem xmlns="{QTI21}"><p>&lol9;</p></assessmentItem>'
    )
    bank = read("bomb.xml", bomb.encode())
    assert [p.code for p in bank.problems] == ["unsafe_xml"]


def test_an_unsafe_item_inside_a_package_is_refused_by_its_file_name():
    xxe = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>'
    bank = read("bank.zip", package({"items/evil.xml": xxe}))
    assert "unsafe_xml" in [p.code for p in bank.problems]
    assert any(p.where_en == "bank.zip:items/evil.xml" for p in bank.problems)


def test_broken_xml_is_named_as_not_valid_xml():
    bank = read("broken.xml", b"<assessmentItem><itemBody>")
    assert [p.code for p in bank.problems] == ["bad_file"] and "XML" in bank.problems[0].en


def test_xml_that_is_no_item_yields_no_items():
    bank = read("other.xml", b"<note>hello</note>")
    assert "not_an_item" in [p.code for p in bank.errors]
