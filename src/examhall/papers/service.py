"""Blueprints and papers: feasibility on save, seeded drawing of a sitting's papers, preview,
the exact rebuild of any paper, and the paper as a candidate sees it."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.orm import Session, load_only

from examhall import clock
from examhall.banks.models import Bank, Item, ItemVersion
from examhall.db import Kept, kept
from examhall.errors import Invalid, Problem, invalid, not_found
from examhall.papers import sheets
from examhall.papers.assembly import (
    Choice,
    Draw,
    Infeasible,
    Pool,
    PoolItem,
    assemble,
    draw_sitting,
    feasibility,
    overlap,
)
from examhall.papers.blueprint import Blueprint, parse, presets
from examhall.papers.models import BlueprintRecord, Paper, PaperDraw
from examhall.papers.scoring import Marked, mark
from examhall.papers.sheets import ShownItem
from examhall.trace.chain import canonical_json
from examhall.trace.service import Actor, record

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


def pool_item(version: ItemVersion | Row[*tuple[Any, ...]]) -> PoolItem:
    """An item version as a draw sees it (from a whole version, or a row of the same columns)."""
    return PoolItem(
        version_id=version.id,
        type=version.type,
        difficulty=version.difficulty,
        national=version.source == "national",
        category=version.category,
        knowledge_points=tuple(version.knowledge_points),
        option_count=len(version.options),
        fixed_options=tuple(version.fixed_options),
    )


def _in_force(db: Session, what: SelectT, *, bank_codes: list[str], on: date) -> SelectT:
    """`what`, narrowed to the current versions of the banks' items in force on `on`, in a stable order."""
    banks = {bank.code: bank.id for bank in db.scalars(select(Bank).where(Bank.code.in_(bank_codes)))}
    if missing := [code for code in bank_codes if code not in banks]:
        raise not_found(f"题库“{'、'.join(missing)}”", f"bank {', '.join(missing)}")
    return (
        what.join(Item, (ItemVersion.item_id == Item.id) & (ItemVersion.version == Item.current_version))
        .where(
            Item.bank_id.in_(banks.values()),
            Item.retired_at.is_(None),
            or_(ItemVersion.effective_from.is_(None), ItemVersion.effective_from <= on),
            or_(ItemVersion.retire_on.is_(None), ItemVersion.retire_on > on),
        )
        .order_by(ItemVersion.id)
    )


def in_force(db: Session, *, bank_codes: list[str], on: date) -> list[ItemVersion]:
    """The current versions of the banks' items in force on `on`, in a stable order."""
    return list(db.scalars(_in_force(db, select(ItemVersion), bank_codes=bank_codes, on=on)))


def draw_pool(db: Session, *, bank_codes: list[str], on: date) -> Pool:
    """What a draw chooses from: the items in force, read as plain rows (a sitting's draw reads ten
    thousand of them, and whole versions took half of its time)."""
    what = select(
        ItemVersion.id,
        ItemVersion.type,
        ItemVersion.difficulty,
        ItemVersion.source,
        ItemVersion.category,
        ItemVersion.knowledge_points,
        ItemVersion.options,
        ItemVersion.fixed_options,
    )
    return Pool(pool_item(row) for row in db.execute(_in_force(db, what, bank_codes=bank_codes, on=on)))


def versions_by_id(db: Session, ids: list[int]) -> dict[int, ItemVersion]:
    """Item versions never change, so a process keeps the recently used ones."""
    versions: Kept[int, ItemVersion] = kept(db, "item_versions", 20_000)
    found = versions.get_many(ids)
    missing = [i for i in ids if i not in found]
    for start in range(0, len(missing), 1000):
        for version in db.scalars(select(ItemVersion).where(ItemVersion.id.in_(missing[start : start + 1000]))):
            db.expunge(version)
            found[version.id] = versions.put(version.id, version)
    return found


# --- blueprints -------------------------------------------------------------------------------


def get_blueprint(db: Session, name: str) -> Blueprint:
    """The stored blueprint of that name, or the shipped preset when none is stored."""
    stored = db.scalar(select(BlueprintRecord).where(BlueprintRecord.name == name))
    if stored is not None:
        blueprint, problems = parse(stored.document, source=name)
        if blueprint is None:
            raise invalid(problems)
        return blueprint
    preset = presets().get(name)
    if preset is None:
        raise not_found(f"组卷规则“{name}”", f"blueprint '{name}'")
    return preset


def list_blueprints(db: Session) -> list[Blueprint]:
    stored = {r.name: r for r in db.scalars(select(BlueprintRecord))}
    found = {name: get_blueprint(db, name) for name in stored}
    for name, preset in presets().items():
        found.setdefault(name, preset)
    return [found[name] for name in sorted(found)]


def check_feasible(db: Session, *, blueprint: Blueprint, bank_codes: list[str], on: date) -> list[Problem]:
    return feasibility(blueprint, draw_pool(db, bank_codes=bank_codes, on=on))


def save_blueprint(
    db: Session, *, blueprint: Blueprint, actor: Actor, bank_codes: list[str] | None = None, on: date | None = None
) -> BlueprintRecord:
    """Store a blueprint (new or edited). With banks given, it is first checked against them:
    when they cannot fill it, nothing is saved and the report says what is missing."""
    if bank_codes and (
        problems := check_feasible(db, blueprint=blueprint, bank_codes=bank_codes, on=on or clock.now().date())
    ):
        raise Infeasible(
            "infeasible",
            "题库不能满足此组卷规则，未保存",
            "the banks cannot fill this blueprint; nothing was saved",
            problems,
        )
    stored = db.scalar(select(BlueprintRecord).where(BlueprintRecord.name == blueprint.name))
    document = blueprint.document()
    if stored is None:
        stored = BlueprintRecord(name=blueprint.name, document=document, updated_at=clock.now(), updated_by=actor.name)
        db.add(stored)
    elif stored.document == document:
        return stored
    else:
        stored.document, stored.updated_at, stored.updated_by = document, clock.now(), actor.name
    record(
        db,
        chain=stored.chain,
        action="blueprint.saved",
        subject=blueprint.name,
        actor=actor,
        payload={"document": document, "checked_against": bank_codes or []},
    )
    return stored


# --- drawing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A paper to draw: which seats neighbour it, and what its candidate has seen before."""

    neighbours: list[int]
    seen: set[int]


def draw_papers(
    db: Session, *, blueprint: Blueprint, bank_codes: list[str], on: date, seats: list[Seat], seed: int | None = None
) -> tuple[PaperDraw, list[Paper]]:
    """Draw and store a paper per seat, all at once (a sitting's papers, before candidates arrive)."""
    drawn_from = draw_pool(db, bank_codes=bank_codes, on=on)
    base = seed if seed is not None else secrets.randbits(62)
    seeds = [(base + index * 0x9E3779B97F4A7C15) % (1 << 62) for index in range(len(seats))]
    draws = draw_sitting(blueprint, drawn_from, seeds, [s.neighbours for s in seats], [s.seen for s in seats])
    draw = PaperDraw(
        blueprint=blueprint.document(),
        bank_codes=bank_codes,
        exam_date=on,
        pool=list(drawn_from.items),
        neighbours=[s.neighbours for s in seats],
        created_at=clock.now(),
    )
    db.add(draw)
    db.flush()
    versions = versions_by_id(db, sorted({c.version_id for made in draws for c in made.choices}))
    papers = [
        Paper(
            draw_id=draw.id,
            seat_index=index,
            seed=made.seed,
            seen=sorted(seats[index].seen),
            choices=[[c.version_id, c.section, list(c.options)] for c in made.choices],
            created_at=clock.now(),
            sheet=sheets.render(
                blueprint,
                (_shown(n, versions[c.version_id], c.section, list(c.options)) for n, c in enumerate(made.choices, 1)),
            ),
        )
        for index, made in enumerate(draws)
    ]
    db.add_all(papers)
    db.flush()
    return draw, papers


def stored_draw(paper: Paper) -> Draw:
    return Draw(
        seed=paper.seed, choices=tuple(Choice(version_id=v, section=s, options=tuple(o)) for v, s, o in paper.choices)
    )


@dataclass
class Rebuild:
    paper: Paper
    identical: bool
    differences: list[str]


def _redraw(db: Session, draw: PaperDraw, up_to: int | None = None) -> tuple[Blueprint, list[tuple[Paper, Draw]]]:
    """The draw's papers (up to seat `up_to`, or all) drawn again from what was stored: the
    blueprint as it was, the pool, the seeds, the seats and what each candidate had seen."""
    blueprint, problems = parse(draw.blueprint, source=f"draw {draw.id}")
    if blueprint is None:
        raise invalid(problems)
    query = select(Paper).where(Paper.draw_id == draw.id).order_by(Paper.seat_index)
    if up_to is not None:
        query = query.where(Paper.seat_index <= up_to)
    stored = list(db.scalars(query))
    pool = Pool(pool_item(v) for v in versions_by_id(db, draw.pool).values())
    again = draw_sitting(
        blueprint,
        pool,
        [p.seed for p in stored],
        [draw.neighbours[p.seat_index] for p in stored],
        [set(p.seen) for p in stored],
    )
    return blueprint, list(zip(stored, again, strict=True))


def rebuild(db: Session, *, paper_id: int) -> Rebuild:
    """Draw the paper again from what was stored and compare it with the stored paper, choice by
    choice."""
    paper = db.get(Paper, paper_id)
    if paper is None:
        raise not_found(f"试卷 {paper_id}", f"paper {paper_id}")
    draw = db.get(PaperDraw, paper.draw_id)
    assert draw is not None
    again = _redraw(db, draw, up_to=paper.seat_index)[1][-1][1]
    stored = stored_draw(paper)
    differences = [
        f"position {n}: stored {a} rebuilt {b}"
        for n, (a, b) in enumerate(zip(stored.choices, again.choices, strict=False), 1)
        if a != b
    ]
    if len(stored.choices) != len(again.choices):
        differences.append(f"stored {len(stored.choices)} items, rebuilt {len(again.choices)}")
    if paper.sheet is not None and paper.sheet != _render(db, paper.id):
        differences.append("the paper as stored for the candidate's page is not the paper drawn")
    return Rebuild(paper, not differences and stored.seed == again.seed, differences)


# --- what candidates and reports see ------------------------------------------------------------


def _shown(position: int, version: ItemVersion, section: int, permutation: list[int]) -> ShownItem:
    stored = version.options
    options = tuple(stored[i] for i in permutation) if permutation else tuple(stored)
    blanks = len(version.answer) if version.type == "fill_blank" else 0
    images = tuple(image["sha256"] for image in version.images)
    return ShownItem(position, section, version.type, version.stem, options, blanks, images)


@dataclass(frozen=True)
class PaperStats:
    paper_id: int
    seat_index: int
    mean_difficulty: Decimal
    national_share: Decimal
    neighbour_overlap: int


def draw_report(db: Session, *, draw_id: int) -> list[PaperStats]:
    """Each paper's difficulty and national share, and the most items it shares with a neighbour."""
    draw = db.get(PaperDraw, draw_id)
    if draw is None:
        raise not_found("组卷记录", "draw")
    papers = list(db.scalars(select(Paper).where(Paper.draw_id == draw_id).order_by(Paper.seat_index)))
    versions = versions_by_id(db, sorted({v for p in papers for v, _, _ in p.choices}))
    shared = overlap([stored_draw(p) for p in papers], draw.neighbours)
    stats = []
    for paper, most in zip(papers, shared, strict=True):
        chosen = [versions[v] for v, _, _ in paper.choices]
        mean = Decimal(sum(v.difficulty for v in chosen)) / len(chosen)
        national = Decimal(sum(1 for v in chosen if v.source == "national")) / len(chosen)
        stats.append(
            PaperStats(
                paper.id, paper.seat_index, mean.quantize(Decimal("0.01")), national.quantize(Decimal("0.01")), most
            )
        )
    return stats


def refuse_infeasible(problems: list[Problem]) -> Invalid:
    return Infeasible(
        "infeasible",
        "题库不能满足组卷规则，未做任何更改",
        "the banks cannot fill the blueprint; nothing was changed",
        problems,
    )


@dataclass
class PreviewItem:
    position: int
    section: int
    key: str
    version: ItemVersion
    points: Decimal
    options: tuple[int, ...]


@dataclass
class Preview:
    blueprint: Blueprint
    seed: int
    items: list[PreviewItem]

    @property
    def mean_difficulty(self) -> Decimal:
        return (Decimal(sum(i.version.difficulty for i in self.items)) / len(self.items)).quantize(Decimal("0.01"))

    @property
    def national_share(self) -> Decimal:
        national = sum(1 for i in self.items if i.version.source == "national")
        return (Decimal(national) / len(self.items)).quantize(Decimal("0.01"))


def preview(db: Session, *, bank_codes: list[str], blueprint: Blueprint, seed: int, on: date) -> Preview:
    """The paper this seed would draw, without storing anything. Same inputs, same paper."""
    versions = in_force(db, bank_codes=bank_codes, on=on)
    made = assemble(blueprint, Pool(pool_item(v) for v in versions), seed)
    by_id = {v.id: v for v in versions}
    keys = dict(
        db.execute(
            select(ItemVersion.id, Item.key)
            .join(Item, ItemVersion.item_id == Item.id)
            .where(ItemVersion.id.in_([c.version_id for c in made.choices]))
        ).all()
    )
    items = [
        PreviewItem(
            n, c.section, keys[c.version_id], by_id[c.version_id], blueprint.sections[c.section].points, c.options
        )
        for n, c in enumerate(made.choices, 1)
    ]
    return Preview(blueprint, seed, items)


# --- a drawn paper, as delivery uses it ---------------------------------------------------------


@dataclass(frozen=True)
class PaperView:
    """A stored paper with what its candidate sees and how it is scored. Papers never change, so
    a process keeps the recently used ones."""

    paper_id: int
    blueprint: Blueprint
    items: tuple[ShownItem, ...]
    choices: tuple[tuple[ItemVersion, int, tuple[int, ...]], ...]  # version, section, option permutation

    def sections(self) -> list[dict[str, Any]]:
        return sheets.sections(self.blueprint)


def paper_view(db: Session, paper_id: int) -> PaperView:
    views: Kept[int, PaperView] = kept(db, "paper_views", 5000)
    if (view := views.get(paper_id)) is not None:
        return view
    paper = db.get(Paper, paper_id, options=[load_only(Paper.draw_id, Paper.choices)])
    if paper is None:
        raise not_found("试卷", "paper")
    blueprints: Kept[int, Blueprint] = kept(db, "draw_blueprints", 100)  # a sitting's papers share a draw
    blueprint = blueprints.get(paper.draw_id)
    if blueprint is None:
        # Only the blueprint: a draw's pool and neighbour lists are large and not needed here.
        document = db.scalar(select(PaperDraw.blueprint).where(PaperDraw.id == paper.draw_id))
        blueprint, problems = parse(document, source=f"draw {paper.draw_id}")
        if blueprint is None:
            raise invalid(problems)
        blueprints.put(paper.draw_id, blueprint)
    versions = versions_by_id(db, [v for v, _, _ in paper.choices])
    return views.put(
        paper.id,
        PaperView(
            paper.id,
            blueprint,
            tuple(_shown(n, versions[v], section, perm) for n, (v, section, perm) in enumerate(paper.choices, 1)),
            tuple((versions[v], section, tuple(perm)) for v, section, perm in paper.choices),
        ),
    )


def choices_digest(choices: list[list[Any]]) -> str:
    """SHA-256 of what a paper is: its item versions, sections and option orders, in order."""
    return hashlib.sha256(canonical_json(choices).encode()).hexdigest()


def view_digest(view: PaperView) -> str:
    return choices_digest([[version.id, section, list(order)] for version, section, order in view.choices])


def rebuilt_views(db: Session, draw_id: int) -> dict[int, PaperView]:
    """Every paper of a draw drawn again, as views to score by: what `rebuild` does for one
    paper, for a whole sitting in one pass."""
    draw = db.get(PaperDraw, draw_id)
    if draw is None:
        raise not_found("组卷记录", "draw")
    blueprint, redrawn = _redraw(db, draw)
    versions = versions_by_id(db, sorted({c.version_id for _, made in redrawn for c in made.choices}))
    return {
        paper.id: PaperView(
            paper.id,
            blueprint,
            tuple(_shown(n, versions[c.version_id], c.section, list(c.options)) for n, c in enumerate(made.choices, 1)),
            tuple((versions[c.version_id], c.section, tuple(c.options)) for c in made.choices),
        )
        for paper, made in redrawn
    }


ItemShape = tuple[str, int, int]  # type, option count, blank count
Shape = tuple[ItemShape, ...]
_ITEM_SHAPES: dict[ItemShape, ItemShape] = {}  # the few distinct ones, shared by every paper


def _render(db: Session, paper_id: int) -> str:
    view = paper_view(db, paper_id)
    return sheets.render(view.blueprint, view.items)


def paper_sheet(db: Session, paper_id: int, stored: str | None) -> str:
    """The paper as its candidate's page receives it: as stored when drawn, or (a paper drawn
    before sheets were kept) rendered now."""
    return stored if stored is not None else _render(db, paper_id)


def paper_shape(db: Session, paper_id: int) -> Shape:
    """What checking a response needs of each item of a paper: its type, how many options and
    how many blanks. Every answer save asks for it, so a process keeps it for every paper of the
    day: under a kilobyte each, and nothing for the garbage collector to walk."""
    shapes: Kept[int, Shape] = kept(db, "paper_shapes", 50_000)
    if (shape := shapes.get(paper_id)) is not None:
        return shape
    view = paper_view(db, paper_id)
    found = ((i.type, len(i.options), i.blanks) for i in view.items)
    return shapes.put(paper_id, tuple(_ITEM_SHAPES.setdefault(s, s) for s in found))


def mark_paper(view: PaperView, responses: dict[int, Any]) -> tuple[Decimal, list[Marked]]:
    """Score every item of the paper by its section's rule; blank items score nothing."""
    marks = []
    for position, (version, section_index, permutation) in enumerate(view.choices, 1):
        section = view.blueprint.sections[section_index]
        marks.append(
            mark(
                position=position,
                item_type=version.type,
                answer=version.answer,
                permutation=permutation,
                points=section.points,
                scoring=section.scoring,
                partial_share=section.partial_share,
                response=responses.get(position),
            )
        )
    return sum((m.awarded for m in marks), Decimal(0)).quantize(Decimal("0.01")), marks
