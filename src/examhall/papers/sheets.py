"""A paper as its candidate's page receives it: the sections and the items in JSON. Rendered once,
when the paper is drawn, and stored with it, so that a start (or a reload) sends it as it is:
nothing built, checked or encoded again while a room of candidates presses start at once."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from examhall.banks.items import LABELS
from examhall.papers.blueprint import Blueprint


@dataclass(frozen=True, slots=True)
class ShownItem:
    """An item as the candidate sees it: per-paper position and option labels, never the key,
    never the item's id."""

    position: int
    section: int
    type: str
    stem: str
    options: tuple[str, ...]  # in the paper's order, to be labelled A, B, ...
    blanks: int
    images: tuple[str, ...]  # sha256 of each image, served through the candidate's own paper

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.position,
            "section": self.section,
            "type": self.type,
            "stem": self.stem,
            "options": [{"label": LABELS[i], "text": text} for i, text in enumerate(self.options)],
            "blanks": self.blanks,
            "images": len(self.images),
        }


def sections(blueprint: Blueprint) -> list[dict[str, Any]]:
    return [
        {"index": i, "title": s.title or s.type, "type": s.type, "points": str(s.points), "count": s.count}
        for i, s in enumerate(blueprint.sections)
    ]


def render(blueprint: Blueprint, items: Iterable[ShownItem]) -> str:
    """The paper's part of a reply, a fragment of a JSON object: "sections":[...],"items":[...]."""
    whole = json.dumps(
        {"sections": sections(blueprint), "items": [item.as_dict() for item in items]},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return whole[1:-1]


def reply(head: dict[str, Any], sheet: str) -> bytes:
    """A JSON object of `head`'s fields and the paper's, joined without decoding the paper."""
    return (json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + "," + sheet + "}").encode()
