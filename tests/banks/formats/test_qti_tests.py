"""QTI content packages whose manifest lists only an assessment test: the test's item references
(qti-assessment-item-ref in 3.0, assessmentItemRef in 2.1) are followed relative to the test
file, inside the package only, and each item is imported once."""

import io
import zipfile
from pathlib import Path

from examhall.banks.formats import read

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "qti"
QTI21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI30 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
PNG = b"\x89PNG\r\n\x1a\n fake"


def item30(identifier: str, stem: str, key: str = "B", image: str = "") -> bytes:
    picture = f'<img src="{image}" alt=""/>' if image else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="{QTI30}" identifier="{identifier}" title="{identifier}" adaptive="false"
    time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>{key}</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-item-body>
    <p>{stem}</p>{picture}
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-simple-choice identifier="A">0.5%</qti-simple-choice>
      <qti-simple-choice identifier="B">0.75%</qti-simple-choice>
      <qti-simple-choice identifier="C">1.0%</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
</qti-assessment-item>""".encode()


def qti_test(*hrefs: str) -> bytes:
    refs = "".join(f'<qti-assessment-item-ref identifier="ref{n}" href="{href}"/>' for n, href in enumerate(hrefs, 1))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-test xmlns="{QTI30}" identifier="T1" title="瓦斯检查">
  <qti-test-part identifier="P1" navigation-mode="linear" submission-mode="individual">
    <qti-assessment-section identifier="S1" title="第一部分" visible="true">{refs}</qti-assessment-section>
  </qti-test-part>
</qti-assessment-test>""".encode()


def manifest(resources: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="M">'
        f"<metadata><schema>QTI Package</schema><schemaversion>3.0.0</schemaversion></metadata>"
        f"<organizations/><resources>{resources}</resources></manifest>"
    )


def zipped(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


TEST_ONLY = manifest(
    '<resource identifier="T1" type="imsqti_test_xmlv3p0" href="tests/test.xml"><file href="tests/test.xml"/>'
    "</resource>"
)


def test_a_qti_3_package_listing_only_its_test_imports_the_items_the_test_refers_to():
    data = zipped(
        {
            "imsmanifest.xml": TEST_ONLY,
            "tests/test.xml": qti_test("../items/q1.xml", "../items/q2.xml"),
            "items/q1.xml": item30("q1", "总回风巷甲烷浓度超过多少时必须查明原因？", image="images/fan.png"),
            "items/images/fan.png": PNG,
            "items/q2.xml": item30("q2", "采区回风巷甲烷浓度超过多少时必须停工？", key="C"),
        }
    )
    bank = read("package.zip", data)
    assert bank.problems == []
    assert [(d.key, d.type, d.answer) for d in bank.drafts] == [
        ("q1", "single_choice", [1]),
        ("q2", "single_choice", [2]),
    ]
    assert bank.drafts[0].images == ["fan.png"] and bank.images == {"fan.png": PNG}


def test_an_item_listed_in_the_manifest_and_referred_to_twice_is_imported_once():
    resources = (
        '<resource identifier="I1" type="imsqti_item_xmlv3p0" href="items/q1.xml"/>'
        '<resource identifier="T1" type="imsqti_test_xmlv3p0" href="tests/test.xml"/>'
    )
    data = zipped(
        {
            "imsmanifest.xml": manifest(resources),
            "tests/test.xml": qti_test("../items/q1.xml", "../items/./q1.xml", "../items/q2.xml"),
            "items/q1.xml": item30("q1", "问题一"),
            "items/q2.xml": item30("q2", "问题二"),
        }
    )
    bank = read("package.zip", data)
    assert bank.problems == []
    assert [d.key for d in bank.drafts] == ["q1", "q2"]


def test_a_reference_leading_out_of_the_package_is_refused_and_nothing_is_read_there():
    data = zipped(
        {
            "imsmanifest.xml": TEST_ONLY,
            "tests/test.xml": qti_test(
                "../items/q1.xml", "../../secret.xml", "/etc/passwd", "http://example.com/q.xml", "../items/gone.xml"
            ),
            "items/q1.xml": item30("q1", "问题一"),
        }
    )
    bank = read("package.zip", data)
    assert [d.key for d in bank.drafts] == ["q1"]
    outside = [p for p in bank.errors if p.code == "outside_package"]
    assert [p.where_en for p in outside] == ["package.zip:tests/test.xml"] * 3
    assert "'../../secret.xml'" in outside[0].en and "outside the package" in outside[0].en
    assert "“/etc/passwd”在内容包之外" in outside[1].zh
    missing = [p for p in bank.errors if p.code == "missing_member"]
    assert [p.where_en for p in missing] == ["package.zip:items/gone.xml"]


def test_a_qti_2_1_test_is_followed_through_its_section_references_too():
    test = (
        f'<assessmentTest xmlns="{QTI21}" identifier="T" title="t"><testPart identifier="P" '
        'navigationMode="linear" submissionMode="individual"><assessmentSection identifier="S" title="s" '
        'visible="true"><assessmentItemRef identifier="a" href="items/choice.xml"/>'
        '<assessmentSectionRef identifier="S2" href="sections/more.xml"/></assessmentSection></testPart>'
        "</assessmentTest>"
    )
    section = (
        f'<assessmentSection xmlns="{QTI21}" identifier="S2" title="more" visible="true">'
        '<assessmentItemRef identifier="b" href="../items/text_entry.xml"/></assessmentSection>'
    )
    data = zipped(
        {
            "imsmanifest.xml": manifest('<resource identifier="T" type="imsqti_test_xmlv2p1" href="test.xml"/>'),
            "test.xml": test,
            "sections/more.xml": section,
            "items/choice.xml": (FIXTURES / "choice.xml").read_bytes(),
            "items/images/sign.png": PNG,
            "items/text_entry.xml": (FIXTURES / "text_entry.xml").read_bytes(),
        }
    )
    bank = read("package.zip", data)
    assert [d.key for d in bank.drafts] == ["choice", "textEntry"]
    assert bank.errors == []


def test_a_test_file_uploaded_alone_says_to_upload_its_package():
    bank = read("test.xml", qti_test("items/q1.xml"))
    assert [p.code for p in bank.errors] == ["lone_test"]
    assert "upload the content package" in bank.errors[0].en and "内容包" in bank.errors[0].zh
