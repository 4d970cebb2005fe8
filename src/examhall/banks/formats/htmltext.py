"""HTML text (a GIFT question marked [html]) as the plain text a reader of the page would see:
tags dropped, entities read, line breaks where the page breaks lines, scripts and styles left
out, and the images it shows listed, since a text file cannot carry them. Nothing is fetched or
run; the parser only reads."""

import re
from html.parser import HTMLParser

BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "table", "ul", "ol"}
SILENT = {"script", "style", "head", "title"}
BREAK = "\x00"  # not whitespace, and never in a decoded text file


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images: list[str] = []
        self.silent = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SILENT:
            self.silent += 1
        elif tag in BREAKS:
            self.parts.append(BREAK)
        elif tag == "img":
            self.images.append(dict(attrs).get("src") or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SILENT:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in SILENT:
            self.silent = max(self.silent - 1, 0)
        elif tag in BREAKS:
            self.parts.append(BREAK)

    def handle_data(self, data: str) -> None:
        if not self.silent:
            self.parts.append(data)


def html_text(html: str) -> tuple[str, list[str]]:
    """The text of `html`, whitespace collapsed as a browser does, and the sources of its images."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    text = re.sub(r"\s+", " ", "".join(reader.parts).replace("\xa0", " "))
    lines = [line.strip() for line in text.split(BREAK)]
    return "\n".join(line for line in lines if line), reader.images
