"""QTI content packages (a zip with imsmanifest.xml), read: the items the manifest lists as
resources, and the items its assessment tests refer to (assessmentItemRef in QTI 2.1,
qti-assessment-item-ref in 3.0, through section references too), each item once however often
it is listed or referred to. Tools often list only the test in the manifest. A reference is
followed only to a member of the package: one that climbs out of it (../), is absolute or is a
link elsewhere is refused."""

import posixpath
import re
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from examhall.banks.formats.archive import SafeZip
from examhall.banks.formats.common import Parsed, file_problem, name_clash
from examhall.banks.formats.qti import no_items_left, read_item
from examhall.banks.formats.qti_xml import attr, descendants, local, parse_xml
from examhall.banks.items import Location
from examhall.errors import Problem

EXAMHALL_NS = "urn:examhall:bank:1"  # examhall's fields that QTI has no place for, in the manifest
ITEM_TYPES = ("imsqti_item_xmlv2p1", "imsqti_item_xmlv2p2", "imsqti_item_xmlv3p0")
TEST_TYPES = ("imsqti_test", "imsqti_assessment")
SKIPPED_TYPES = ("imsqti_section", "associatedcontent", "webcontent", "imsqti_stimulus", "imsqti_outcomes")
MAX_SECTION_DEPTH = 10  # section files referring to section files


def metadata(resource: Element | None) -> dict[str, list[str]]:
    """examhall's fields kept in a manifest resource's metadata, by name."""
    fields: dict[str, list[str]] = {}
    if resource is None:
        return fields
    for holder in resource.iter(f"{{{EXAMHALL_NS}}}item"):
        for child in holder:
            fields.setdefault(child.tag.rsplit("}", 1)[-1], []).append(child.text or "")
    return fields


def member(base: str, href: str) -> str | None:
    """The package member `href` names, relative to the folder `base`; None when it leads outside
    the package."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", href) or href.startswith(("/", "\\")):
        return None
    path = posixpath.normpath(posixpath.join(base, unquote(href).replace("\\", "/")))
    return None if path == ".." or path.startswith(("../", "/")) else path


class _Package:
    def __init__(self, file: str, package: SafeZip) -> None:
        self.file = file
        self.package = package
        self.parsed = Parsed()
        self.seen: set[str] = set()  # item files read, so that none is imported twice
        self.resources: dict[str, Element] = {}  # item file: its manifest resource, for metadata

    def outside(self, where: str, href: str, by: str) -> Problem:
        return file_problem(
            where,
            "outside_package",
            f"{by}引用的文件“{href[:200]}”在内容包之外（绝对路径、外部链接或含 ..），拒绝读取",
            f"refers to '{href[:200]}', which is outside the package (absolute, a link, or with ..); refused",
        )

    def missing(self, path: str, by_zh: str, by_en: str) -> Problem:
        return file_problem(
            f"{self.file}:{path}",
            "missing_member",
            f"{by_zh}列出的试题文件不在压缩包中",
            f"the {by_en} lists this item file, the archive lacks it",
        )

    def item(self, path: str, *, declared: bool) -> None:
        """Read one item file, once; an undeclared one (a .xml resource of no QTI type) that is no
        item is passed over, and a test among them followed."""
        if path in self.seen:
            return
        self.seen.add(path)
        where = f"{self.file}:{path}"
        result = read_item(
            where,
            self.package.read(path) or b"",
            package=self.package,
            path=path,
            meta=metadata(self.resources.get(path)),
        )
        if result.draft is not None:
            self.parsed.add(result.draft, result.notes)
            for name, content in result.images.items():
                if self.parsed.images.setdefault(name, content) != content:
                    self.parsed.problems.append(name_clash(Location(where), name))
        elif not declared and any(p.code == "lone_test" for p in result.problems):
            self.test(path)
        elif declared or not any(p.code == "not_an_item" for p in result.problems):
            self.parsed.problems += result.problems

    def test(self, path: str, depth: int = 0) -> None:
        """Follow a test's (or a section file's) references to its items, in order."""
        where = f"{self.file}:{path}"
        root, problems = parse_xml(where, self.package.read(path) or b"")
        self.parsed.problems += problems
        if root is None:
            return
        for node in root.iter():
            kind = local(node)
            if kind not in ("assessmentItemRef", "assessmentSectionRef"):
                continue
            href = attr(node, "href") or ""
            target = member(posixpath.dirname(path), href)
            if target is None:
                self.parsed.problems.append(self.outside(where, href, "试卷"))
            elif target not in self.package:
                self.parsed.problems.append(self.missing(target, "试卷", "test"))
            elif kind == "assessmentItemRef":
                self.item(target, declared=True)
            elif depth < MAX_SECTION_DEPTH and target not in self.seen:
                self.seen.add(target)
                self.test(target, depth + 1)


def read_package(file: str, package: SafeZip, manifest_path: str) -> Parsed:
    reader = _Package(file, package)
    parsed = reader.parsed
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
    items: list[tuple[str, bool]] = []
    tests: list[str] = []
    for resource in descendants(root, "resource"):
        kind = (resource.get("type") or "").casefold()
        href = resource.get("href") or ""
        is_test = kind.startswith(TEST_TYPES)
        is_item = kind in ITEM_TYPES or (href.casefold().endswith(".xml") and not kind.startswith(SKIPPED_TYPES))
        if not href or not (is_test or is_item):
            continue
        path = member(base, href)
        if path is None:
            parsed.problems.append(reader.outside(f"{file}:{manifest_path}", href, "清单"))
        elif path not in package:
            parsed.problems.append(reader.missing(path, "清单中", "manifest"))
        elif is_test:
            tests.append(path)
        else:
            reader.resources.setdefault(path, resource)
            items.append((path, kind in ITEM_TYPES))
    for path, declared in items:
        reader.item(path, declared=declared)
    for path in tests:
        reader.test(path)
    parsed.problems += package.problems
    no_items_left(parsed, file)
    return parsed
