"""Every page of every role, walked in a real browser: each role logs in on a fresh demo (a sitting
waiting to be opened, one running, one sealed and published with an appeal, an assessment being
scored), follows every link reachable from its home page and submits every GET form with its
defaults, at 1366×768 and 390×844. A page fails on a 4xx or 5xx answer, a failed request, a
console error, a horizontal overflow, or visible text that is a raw code, an English field name
or a UTC time. Screenshots of every kind of page each role reaches land in tests/e2e/artifacts/crawl/."""

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, Server, serve_demo

pytestmark = pytest.mark.e2e

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
STAFF = {
    "admin": ("admin", "admin-demo"),
    "chief": ("chief", "chief-demo"),
    "proctor": ("proctor1", "proctor1-demo"),
    "inspector": ("inspector", "inspector-demo"),
    "judge": ("judge1", "judge1-demo"),
    "trainer": ("trainer", "trainer-demo"),
    "officer": ("officer1", "officer1-demo"),
}
PER_KIND = 4  # pages of one kind (the same path but for its ids) visited per role and size: every demo sitting
MAX_PAGES = 160  # per role and size: a loop in the links fails the test instead of running forever

# Visible text that no person should have to read.
UTC_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\bUTC\b|[+-]00:00\b|\d{2}:\d{2}(?::\d{2})?Z\b")
FIELD_NAME = re.compile(r"\b(?:body|query|path|form)\.[a-z_]+|\b[a-z]+_[a-z_]+\b")
RAW_CODE = re.compile(
    r"\b(?:sitting|attempt|account|bank|assessment|user|entry):\d+\b"  # chain names
    r"|\bcli:\w+"  # the command line as an actor
    r"|\b[0-9a-f]{24,}\b"  # a hash
    r"|\b[a-z]+(?:-[a-z]+)+\b"  # a kebab-case code (a bank's, a blueprint's)
)

# What the page's own text is, visible to the eye: text nodes whose element is displayed. Codes
# shown on purpose for someone to type (`.mono`: tickets, ID numbers, a command) are not prose.
VISIBLE_TEXT_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    if (el.closest('script, style, noscript, template, [hidden], dialog:not([open])')) continue;
    if (!el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    out.push([el.closest('.mono, .code, code, kbd, pre, textarea') ? 'code' : 'text', node.textContent.trim()]);
  }
  return out;
}"""
OVERFLOW_JS = "() => document.documentElement.scrollWidth - window.innerWidth"
LINKS_JS = """() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => a.getClientRects().length || a.closest('nav, .topbar'))
  .map(a => a.getAttribute('href'))"""
GET_FORMS_JS = """() => Array.from(document.forms)
  .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'get')
  .map(f => {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(f)) if (typeof v === 'string') params.append(k, v);
    return (f.getAttribute('action') || location.pathname) + '?' + params.toString();
  })"""


@pytest.fixture(scope="module")
def demo(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A demo of its own: the other browser tests change theirs as they go."""
    with serve_demo(tmp_path_factory.mktemp("e2e-crawl")) as served:
        yield served


def kind_of(path: str) -> str:
    """The page a path is, whichever object it shows: /sittings/3/record -> /sittings/{}/record."""
    return "/".join("{}" if re.search(r"\d", part) else part for part in path.split("/"))


def downloads(url: str) -> bool:
    path = urlsplit(url).path
    return path.startswith("/api/") or path.endswith((".xlsx", ".zip", ".pem", ".csv", ".yaml", ".json"))


@dataclass
class Walk:
    role: str
    size: str
    base: str
    shots: Path
    problems: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    kinds: dict[str, int] = field(default_factory=dict)
    pages: int = 0

    def wanted(self, url: str) -> bool:
        split = urlsplit(url)
        if split.scheme not in ("http", "https") or not url.startswith(self.base):
            return False
        if split.path in ("/logout",) or url in self.seen:
            return False
        kind = kind_of(split.path) + ("?" if split.query else "")
        return self.kinds.get(kind, 0) < PER_KIND

    def visit(self, page: Any, url: str, failures: list[str]) -> list[str]:
        """Open `url`, check it, and return the links and GET forms it offers."""
        self.seen.add(url)
        split = urlsplit(url)
        kind = kind_of(split.path) + ("?" if split.query else "")
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.pages += 1
        where = f"{self.role} {self.size} {split.path}{'?' + split.query if split.query else ''}"
        if downloads(url):
            response = page.context.request.get(url)
            if response.status >= 400:
                self.problems.append(f"{where}: answered {response.status}")
            return []
        del failures[:]
        response = page.goto(url, wait_until="load")
        page.wait_for_timeout(150)  # what the page's scripts do on load
        if response is None or response.status >= 400:
            self.problems.append(f"{where}: answered {response.status if response else 'nothing'}")
        self.problems += [f"{where}: {failure}" for failure in failures]
        overflow = page.evaluate(OVERFLOW_JS)
        if overflow > 1:
            self.problems.append(f"{where}: {overflow}px wider than the screen")
        for kind_of_text, text in page.evaluate(VISIBLE_TEXT_JS):
            checks = [("a UTC time", UTC_TIME)]
            if kind_of_text == "text":  # a code shown on purpose (.code, .mono, pre) may be one
                checks += [("an English field name", FIELD_NAME), ("a raw code", RAW_CODE)]
            for name, pattern in checks:
                if found := pattern.search(text):
                    self.problems.append(f"{where}: {name} in the text: {found.group(0)!r} in {text[:80]!r}")
        if self.kinds[kind] == 1:
            name = re.sub(r"[^\w]+", "_", kind.strip("/")) or "home"
            page.screenshot(path=str(self.shots / f"{self.role}-{self.size}-{name}.png"))
        offered = page.evaluate(LINKS_JS) + page.evaluate(GET_FORMS_JS)
        return [urljoin(page.url, href.split("#")[0]) for href in offered if href and not href.startswith("#")]


def watch(page: Any) -> list[str]:
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(f"script error: {error}"))
    page.on("console", lambda m: failures.append(f"console error: {m.text}") if m.type == "error" else None)
    page.on(
        "requestfailed",
        lambda r: None if "ERR_ABORTED" in (r.failure or "") else failures.append(f"failed: {r.url} {r.failure}"),
    )
    page.on("response", lambda r: failures.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    return failures


def crawl(page: Any, walk: Walk, start: str) -> None:
    failures = watch(page)
    queue = deque([start])
    while queue and walk.pages < MAX_PAGES:
        url = queue.popleft()
        if not walk.wanted(url):
            continue
        for found in walk.visit(page, url, failures):
            if walk.wanted(found):
                queue.append(found)
    assert walk.pages < MAX_PAGES, f"{walk.role} {walk.size}: more than {MAX_PAGES} pages: {sorted(walk.kinds)}"


def staff_log_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
@pytest.mark.parametrize("role", [*STAFF, "candidate", "visitor"])
def test_every_page_a_role_reaches_works(
    demo: Server, playwright: Any, chromium_path: Path, artifacts: Path, role: str, size: str
) -> None:
    shots = artifacts / "crawl"
    shots.mkdir(exist_ok=True)
    browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
    try:
        context = browser.new_context(viewport=VIEWPORTS[size], locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        page.set_default_timeout(20_000)
        walk = Walk(role, size, demo.base_url, shots)
        if role in STAFF:
            staff_log_in(page, demo.base_url, *STAFF[role])
            crawl(page, walk, f"{demo.base_url}/")
        elif role == "candidate":
            # A candidate at the login page (and the result lookup it links), then logged in, waiting.
            crawl(page, walk, f"{demo.base_url}/exam")
            candidate = demo.candidates[0 if size == "desktop" else 1]
            page.goto(f"{demo.base_url}/exam")
            page.get_by_label("准考证号").fill(candidate.ticket)
            page.get_by_label("身份证号").fill(candidate.id_number)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(re.compile(r"/exam/attempts/\d+$"))
            crawl(page, walk, page.url)
        else:  # no login: what anyone reaches
            for start in ("/exam", "/results", "/login"):
                crawl(page, walk, f"{demo.base_url}{start}")
        (shots / f"{role}-{size}-pages.txt").write_text("\n".join(sorted(walk.seen)) + "\n")
        assert walk.pages >= 2, sorted(walk.seen)  # a trainer has only the home page and their password
        assert walk.problems == [], "\n".join(walk.problems)
    finally:
        browser.close()
