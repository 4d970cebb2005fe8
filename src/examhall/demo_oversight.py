"""The demo's past year as oversight keeps it, so that its pages show trends, institutions and
items worth a look: results carried over from before examhall (summaries without sittings of
their own: one published sitting through every step would take seconds each) at two sites, for
three training institutions and three enterprises, and item statistics for the demo bank drawn
from simulated candidates through the same sums a published sitting adds. Idempotent."""

import math
import random

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from examhall import clock
from examhall.banks.items import LABELS
from examhall.banks.models import Bank, Item, ItemVersion
from examhall.oversight.measures import Mark, Sheet, Sums, accumulate
from examhall.oversight.models import AttemptFact, ItemStats
from examhall.oversight.report import months_back
from examhall.oversight.summary import CHOICE, FALSE, TRUE, correct_key
from examhall.sittings import service as sittings
from examhall.sittings.models import Enterprise, Site
from examhall.trace.service import Actor

CATEGORIES = ["煤矿安全检查作业", "煤矿瓦斯检查作业"]
INSTITUTIONS = [("晋安安全培训学校", 0.84), ("大同煤炭职业培训中心", 0.78), ("阳泉安全技术培训学校", 0.58)]
ENTERPRISES = ["晋能控股煤业集团", "潞安化工集团", "大同煤矿集团"]
BANK = "coal-safety-check"


def _enterprise(db: Session, name: str) -> Enterprise:
    found = db.scalar(select(Enterprise).where(Enterprise.name == name))
    if found is None:
        found = Enterprise(name=name)
        db.add(found)
        db.flush()
    return found


def load(db: Session, *, site_id: int, actor: Actor, timezone: str) -> None:
    if db.scalar(select(AttemptFact.id).where(AttemptFact.sitting_id.is_(None)).limit(1)) is not None:
        return
    other = db.scalar(select(Site).where(Site.area_code == "140200", Site.code == "01")) or sittings.add_site(
        db, area_code="140200", code="01", name="大同市安全培训考试中心", address="大同市平城区", actor=actor
    )
    institutions = [(sittings.institution(db, name, actor=actor).id, rate) for name, rate in INSTITUTIONS]
    enterprises = [_enterprise(db, name).id for name in ENTERPRISES]
    chance = random.Random(18)  # noqa: S311 (made-up demo data, the same every time)
    today = clock.local_date(clock.now(), timezone)
    rows = []
    for back in range(12, 0, -1):
        month = months_back(f"{today:%Y-%m}", back)
        for place in (site_id, other.id):
            for category in CATEGORIES:
                for _ in range(chance.randint(18, 34)):
                    institution, rate = chance.choice(institutions)
                    resit = chance.random() < 0.18
                    share = rate * (0.8 if resit else 1.0) + 0.04 * math.sin(back)  # a gentle seasonal drift
                    passed = chance.random() < share
                    score = chance.randint(80, 98) if passed else chance.randint(45, 79)
                    rows.append(
                        {
                            "category": category,
                            "site_id": place,
                            "enterprise_id": chance.choice(enterprises),
                            "institution_id": institution,
                            "month": month,
                            "resit": resit,
                            "passed": passed,
                            "voided": False,
                            "score": score,
                            "seconds": chance.randint(2400, 7000),
                            "harder": False,
                        }
                    )
    db.execute(insert(AttemptFact), rows)
    _item_stats(db, chance)


def _item_stats(db: Session, chance: random.Random) -> None:
    """Simulated candidates answer the bank's current items: a logistic model of ability and
    difficulty, with a few items planted to be flagged (too easy, too hard, discriminating the
    wrong way, a distractor nobody picks)."""
    bank = db.scalar(select(Bank).where(Bank.code == BANK))
    if bank is None:
        return
    versions = list(
        db.scalars(
            select(ItemVersion)
            .join(Item, Item.id == ItemVersion.item_id)
            .where(Item.bank_id == bank.id, ItemVersion.version == Item.current_version)
            .order_by(Item.key)
        )
    )
    if not versions:
        return
    shape = {}
    for index, version in enumerate(versions):
        difficulty, slope = chance.uniform(-1.6, 0.8), chance.uniform(0.6, 1.8)
        planted = index % 17
        if planted == 1:
            difficulty = -4.5  # too easy
        elif planted == 5:
            difficulty = 2.6  # too hard
        elif planted == 9:
            slope = -0.9  # the better candidates answer it wrong more often
        shape[version.id] = (difficulty, slope, planted == 13)
    totals: dict[int, Sums] = {}
    for sitting in range(10):
        sheets = []
        for seat in range(30):
            ability = chance.gauss(0.4, 1.0)
            carried = chance.sample(versions, min(len(versions), 60))
            marks = []
            for version in carried:
                difficulty, slope, dead = shape[version.id]
                right = chance.random() < 1 / (1 + math.exp(-slope * (ability - difficulty)))
                marks.append(Mark(version.id, 1.0 if right else 0.0, 1.0, _response(version, right, dead, chance)))
            y = sum(m.x for m in marks) / len(marks)
            sheets.append(Sheet(sitting * 100 + seat, seat, y, tuple(marks)))
        for version_id, sums in accumulate(sheets).items():
            totals.setdefault(version_id, Sums()).add(sums)
    for version_id, sums in totals.items():
        db.add(
            ItemStats(
                item_version_id=version_id,
                bank_id=bank.id,
                papers=sums.papers,
                n=sums.n,
                sum_x=sums.sum_x,
                sum_xx=sums.sum_xx,
                sum_y=sums.sum_y,
                sum_yy=sums.sum_yy,
                sum_xy=sums.sum_xy,
                upper_n=sums.upper_n,
                upper_x=sums.upper_x,
                lower_n=sums.lower_n,
                lower_x=sums.lower_x,
                responses=dict(sums.responses),
            )
        )
    db.flush()


def _response(version: ItemVersion, right: bool, dead: bool, chance: random.Random) -> str | None:
    key = correct_key(version)
    if key is None:
        return None
    if right:
        return key
    if chance.random() < 0.03:
        return ""
    if version.type == "true_false":
        return FALSE if key == TRUE else TRUE
    if version.type in CHOICE:
        wrong = [LABELS[i] for i in range(len(version.options)) if LABELS[i] not in key]
        if dead and len(wrong) > 1:
            wrong = wrong[:-1]  # the last distractor convinces nobody
        if version.type == "multiple_choice" and len(key) > 1 and chance.random() < 0.5:
            return key[:-1]  # a partial choice
        return chance.choice(wrong) if wrong else ""
    return None
