"""How a response is scored: the blueprint's rule for its section, applied to the item version
as the candidate saw it (options in the paper's order). Pure: no database."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from examhall.banks.items import LABELS, normalize_text
from examhall.errors import Invalid

MAX_TEXT = 200  # characters in one fill-in blank


@dataclass(frozen=True)
class Marked:
    """One item's mark and how it was reached, kept with the score for appeals."""

    position: int
    awarded: Decimal
    points: Decimal
    rule: str
    outcome: str  # correct, partial, wrong, blank

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.position,
            "awarded": str(self.awarded),
            "points": str(self.points),
            "rule": self.rule,
            "outcome": self.outcome,
        }


def shown_key(answer: Any, permutation: tuple[int, ...] | list[int]) -> set[int]:
    """The displayed positions of the correct options, given the paper's option order."""
    return {shown for shown, original in enumerate(permutation) if original in set(answer)}


def normalize_response(item_type: str, option_count: int, blanks: int, raw: Any) -> Any:
    """A candidate's response in canonical form, or Invalid (422) when it cannot fit the item:
    a label the item does not have, two answers to a single choice, oversized text."""

    def refuse(zh: str, en: str) -> Invalid:
        return Invalid("bad_response", zh, en)

    if raw is None:
        return None
    if item_type == "true_false":
        if not isinstance(raw, bool):
            raise refuse("判断题的回答应为“对”或“错”", "a true/false response is true or false")
        return raw
    if item_type in ("single_choice", "multiple_choice"):
        labels = list(raw) if isinstance(raw, str) else raw
        if not isinstance(labels, list) or not all(isinstance(x, str) and len(x) == 1 for x in labels):
            raise refuse("选择题的回答应为选项字母", "a choice response is option letters")
        valid = LABELS[:option_count]
        if len(labels) > option_count:
            raise refuse(f"回答过长（本题有{option_count}个选项）", f"too long a response ({option_count} options)")
        if any(x not in valid for x in labels):
            raise refuse(f"没有这个选项（可选 {valid}）", f"no such option (the item has {valid})")
        chosen = sorted(set(labels))
        if item_type == "single_choice" and len(chosen) > 1:
            raise refuse("单选题只能选一个答案", "a single-choice item takes one answer")
        return "".join(chosen) or None
    if item_type == "fill_blank":
        if not isinstance(raw, list) or len(raw) != blanks or not all(isinstance(x, str) for x in raw):
            raise refuse(f"填空题应有{blanks}个空的回答", f"a fill-in response has {blanks} blanks")
        if any(len(x) > MAX_TEXT for x in raw):
            raise refuse(f"每空最多{MAX_TEXT}字", f"at most {MAX_TEXT} characters per blank")
        return [x.strip() for x in raw] if any(x.strip() for x in raw) else None
    raise refuse("未知题型", "unknown item type")


def mark(
    *,
    position: int,
    item_type: str,
    answer: Any,
    permutation: tuple[int, ...] | list[int],
    points: Decimal,
    scoring: str,
    partial_share: Decimal,
    response: Any,
) -> Marked:
    """Score one canonical response (see normalize_response) against the version's answer."""

    def result(awarded: Decimal, outcome: str) -> Marked:
        return Marked(position, awarded, points, scoring, outcome)

    if response is None:
        return result(Decimal(0), "blank")
    if item_type == "true_false":
        return result(points, "correct") if response == answer else result(Decimal(0), "wrong")
    if item_type in ("single_choice", "multiple_choice"):
        key = shown_key(answer, permutation)
        chosen = {LABELS.index(label) for label in response}
        if chosen == key:
            return result(points, "correct")
        if scoring == "partial" and chosen and chosen < key:
            return result((points * partial_share).quantize(Decimal("0.01")), "partial")
        return result(Decimal(0), "wrong")
    blanks = [normalize_text(text) for text in response]
    right = sum(
        1
        for given, accepted in zip(blanks, answer, strict=True)
        if given and given in {normalize_text(a) for a in accepted}
    )
    if right == len(answer):
        return result(points, "correct")
    if scoring == "per_blank" and right:
        return result((points * right / len(answer)).quantize(Decimal("0.01")), "partial")
    return result(Decimal(0), "wrong")
