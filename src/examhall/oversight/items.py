"""Item analysis per bank from the running sums: facility, point-biserial, upper-lower
difference, how often each option was chosen, exposure, and flags for items too easy, too hard,
discriminating the wrong way, or with a distractor nobody picks."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.banks.items import LABELS
from examhall.banks.models import Bank, Item, ItemVersion
from examhall.errors import NotFound
from examhall.oversight.measures import Sums, facility, option_counts, point_biserial, upper_lower
from examhall.oversight.models import ItemStats
from examhall.oversight.summary import CHOICE, FALSE, TRUE, correct_key, stored_sums

MIN_N = 20  # responses before an item is flagged at all
TOO_EASY = 0.95
TOO_HARD = 0.20
FLAG_NAMES = {
    "too_easy": "过易",
    "too_hard": "过难",
    "negative": "区分度为负",
    "dead_distractor": "干扰项无人选",
}
FLAG_RULES = {
    "too_easy": f"答对率不低于{TOO_EASY:.0%}",
    "too_hard": f"答对率不高于{TOO_HARD:.0%}",
    "negative": "点二列相关系数小于0：高分考生反而更常答错",
    "dead_distractor": "有错误选项没有任何考生选择",
}


@dataclass(frozen=True)
class Option:
    label: str
    text: str
    count: int
    share: float | None
    key: bool


@dataclass(frozen=True)
class Analysis:
    bank: Bank
    item: Item
    version: ItemVersion
    sums: Sums
    facility: float | None
    r: float | None
    d: float | None
    options: list[Option]
    flags: list[str]


def analyse(bank: Bank, item: Item, version: ItemVersion, sums: Sums) -> Analysis:
    answered = sum(sums.responses.values())
    options: list[Option] = []
    if version.type in CHOICE:
        counts = option_counts(sums, len(version.options))
        key = correct_key(version) or ""
        options = [
            Option(LABELS[i], text, counts[i], counts[i] / answered if answered else None, LABELS[i] in key)
            for i, text in enumerate(version.options)
        ]
    elif version.type == "true_false":
        options = [
            Option(
                word,
                word,
                sums.responses.get(word, 0),
                sums.responses.get(word, 0) / answered if answered else None,
                word == correct_key(version),
            )
            for word in (TRUE, FALSE)
        ]
    blank = sums.responses.get("", 0)
    if blank:
        options.append(Option("", "未作答", blank, blank / answered if answered else None, False))
    share, r = facility(sums), point_biserial(sums)
    flags = []
    if sums.n >= MIN_N and share is not None:
        if share >= TOO_EASY:
            flags.append("too_easy")
        if share <= TOO_HARD:
            flags.append("too_hard")
        if r is not None and r < 0:
            flags.append("negative")
        if version.type in CHOICE and any(o.label and not o.key and o.count == 0 for o in options):
            flags.append("dead_distractor")
    return Analysis(bank, item, version, sums, share, r, upper_lower(sums), options, flags)


def banks_analysed(db: Session) -> list[tuple[Bank, int]]:
    """Banks with item statistics, and how many item versions each has them for."""
    counts = dict(db.execute(select(ItemStats.bank_id, ItemStats.item_version_id)).all())
    per_bank: dict[int, int] = {}
    for bank_id in counts.values():
        per_bank[bank_id] = per_bank.get(bank_id, 0) + 1
    banks = db.scalars(select(Bank).order_by(Bank.code)).all()
    return [(b, per_bank.get(b.id, 0)) for b in banks]


def bank_analysis(db: Session, code: str) -> tuple[Bank, list[Analysis]]:
    bank = db.scalar(select(Bank).where(Bank.code == code))
    if bank is None:
        raise NotFound("no_bank", "没有这个题库", "no such bank")
    rows = db.execute(
        select(ItemStats, ItemVersion, Item)
        .join(ItemVersion, ItemVersion.id == ItemStats.item_version_id)
        .join(Item, Item.id == ItemVersion.item_id)
        .where(ItemStats.bank_id == bank.id)
        .order_by(Item.key, ItemVersion.version)
    ).all()
    return bank, [analyse(bank, item, version, stored_sums(stats)) for stats, version, item in rows]


def version_analysis(db: Session, version_id: int) -> Analysis:
    row = db.execute(
        select(ItemStats, ItemVersion, Item, Bank)
        .join(ItemVersion, ItemVersion.id == ItemStats.item_version_id)
        .join(Item, Item.id == ItemVersion.item_id)
        .join(Bank, Bank.id == Item.bank_id)
        .where(ItemStats.item_version_id == version_id)
    ).first()
    if row is None:
        raise NotFound("no_analysis", "这道试题还没有已发布场次的作答数据", "no published responses to this item")
    stats, version, item, bank = row
    return analyse(bank, item, version, stored_sums(stats))


def versions_of_item(db: Session, code: str, key: str) -> list[int]:
    """The version ids of an item that have statistics, newest first."""
    return list(
        db.scalars(
            select(ItemStats.item_version_id)
            .join(ItemVersion, ItemVersion.id == ItemStats.item_version_id)
            .join(Item, Item.id == ItemVersion.item_id)
            .join(Bank, Bank.id == Item.bank_id)
            .where(Bank.code == code, Item.key == key)
            .order_by(ItemVersion.version.desc())
        )
    )
