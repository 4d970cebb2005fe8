"""Question banks: importing files all or nothing, versioning edits, retiring, searching and
exporting. Every import, edit and retirement is an event on the bank's trace chain."""

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, or_, select, text
from sqlalchemy.orm import Session

from examhall import clock
from examhall.banks import formats
from examhall.banks.items import ItemDraft, Location, problem, stem_fingerprint, validate
from examhall.banks.models import Bank, Image, Item, ItemVersion
from examhall.banks.report import ImportReport as ImportReport
from examhall.banks.report import cannot_import as cannot_import
from examhall.banks.report import refusal, settle
from examhall.errors import Conflict, Problem, invalid, not_found
from examhall.trace.chain import canonical_json
from examhall.trace.service import Actor, record


def shipped_dir() -> Path:
    """The banks shipped with examhall (and the import template): inside an installed wheel, or
    at the top of a checkout."""
    packaged = Path(__file__).resolve().parent.parent / "question_banks"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[3] / "question_banks"


CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")
IMAGE_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif", b"RIFF": "image/webp"}


def searchable(draft: ItemDraft) -> dict[str, Any]:
    """The fields an item keeps of its current version for searching."""
    return {
        "type": draft.type,
        "stem": draft.stem,
        "category": draft.category,
        "difficulty": draft.difficulty,
        "knowledge_points": "|" + "|".join(draft.knowledge_points) + "|",
        "fingerprint": fingerprint(draft.stem),
    }


def _copy_searchable(item: Item, draft: ItemDraft) -> None:
    for name, value in searchable(draft).items():
        setattr(item, name, value)


def fingerprint(stem: str) -> str:
    return hashlib.sha1(stem_fingerprint(stem).encode(), usedforsecurity=False).hexdigest()


def content_type(data: bytes) -> str | None:
    return next((kind for magic, kind in IMAGE_TYPES.items() if data.startswith(magic)), None)


def _content_hash(draft: ItemDraft, shas: list[str]) -> str:
    return hashlib.sha256(canonical_json({**draft.content(), "image_sha256": shas}).encode()).hexdigest()


def get_bank(db: Session, code: str) -> Bank:
    bank = db.scalar(select(Bank).where(Bank.code == code))
    if bank is None:
        raise not_found(f"题库“{code}”", f"bank '{code}'")
    return bank


def list_banks(db: Session, *, on: date | None = None) -> list[tuple[Bank, int]]:
    """Every bank with the number of its items in force (on `on`, default today)."""
    counts = dict(
        db.execute(
            select(Item.bank_id, func.count())
            .join(ItemVersion, (ItemVersion.item_id == Item.id) & (ItemVersion.version == Item.current_version))
            .where(*_in_force(on or clock.now().date()))
            .group_by(Item.bank_id)
        ).all()
    )
    return [(bank, counts.get(bank.id, 0)) for bank in db.scalars(select(Bank).order_by(Bank.code))]


def _in_force(on: date) -> list[Any]:
    return [
        Item.retired_at.is_(None),
        or_(ItemVersion.effective_from.is_(None), ItemVersion.effective_from <= on),
        or_(ItemVersion.retire_on.is_(None), ItemVersion.retire_on > on),
    ]


def version_to_draft(version: ItemVersion, key: str) -> ItemDraft:
    return ItemDraft(
        type=version.type,
        stem=version.stem,
        answer=version.answer,
        options=list(version.options),
        explanation=version.explanation,
        category=version.category,
        knowledge_points=list(version.knowledge_points),
        difficulty=version.difficulty,
        source=version.source,
        reference=version.reference,
        effective_from=version.effective_from,
        retire_on=version.retire_on,
        images=[image["name"] for image in version.images],
        fixed_options=list(version.fixed_options),
        key=key,
        where=Location(identifier=key),
    )


def _new_version(item_id: int, number: int, draft: ItemDraft, shas: dict[str, str], actor: Actor) -> dict[str, Any]:
    names = draft.images
    return {
        "item_id": item_id,
        "version": number,
        "type": draft.type,
        "stem": draft.stem,
        "options": draft.options,
        "answer": draft.answer,
        "fixed_options": draft.fixed_options,
        "explanation": draft.explanation,
        "category": draft.category,
        "knowledge_points": draft.knowledge_points,
        "difficulty": draft.difficulty,
        "source": draft.source,
        "reference": draft.reference,
        "effective_from": draft.effective_from,
        "retire_on": draft.retire_on,
        "images": [{"name": name, "sha256": shas[name]} for name in names],
        "content_hash": _content_hash(draft, [shas[name] for name in names]),
        "created_at": clock.now(),
        "created_by": actor.name,
    }


def _store_images(db: Session, images: dict[str, bytes], *, save: bool) -> tuple[dict[str, str], list[Problem]]:
    """Map each image name to its SHA-256, and save the images (once per content)."""
    shas, problems = {}, []
    for name, data in images.items():
        kind = content_type(data)
        if kind is None:
            problems.append(
                problem(
                    Location(name), "bad_image", "图片不是 PNG、JPEG、GIF 或 WebP", "not a PNG, JPEG, GIF or WebP image"
                )
            )
            continue
        sha = hashlib.sha256(data).hexdigest()
        shas[name] = sha
        if save and db.get(Image, sha) is None:
            db.add(Image(sha256=sha, content_type=kind, data=data))
    return shas, problems


def import_file(
    db: Session,
    *,
    code: str,
    filename: str,
    data: bytes,
    actor: Actor,
    name: str = "",
    dry_run: bool = False,
    skip_unsupported: bool = False,
    limits: formats.Limits = formats.Limits(),
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a file into bank `code`, all or nothing: any error and nothing is saved, and the
    refusal lists every problem. What the file holds that examhall cannot import (a question
    kind, partial credit, an outside image) is an error too, unless `skip_unsupported`: then it
    is left out and reported. An item is matched by its key, or, in a file without keys, by its
    stem; a changed item gets a new version, an unchanged one is left as it is."""
    if not CODE.match(code):
        raise invalid(
            [
                Problem(
                    "bad_code",
                    "题库代码须为2-64位字母、数字、- 或 _",
                    "a bank code is 2-64 letters, digits, - or _",
                    "bank",
                )
            ]
        )
    parsed = formats.read(filename, data, limits=limits, progress=progress)
    bank = db.scalar(select(Bank).where(Bank.code == code))
    items_by_key: dict[str, Item] = {}
    hashes: dict[int, str] = {}
    if bank is not None:
        rows = db.execute(
            select(Item, ItemVersion.content_hash)
            .join(ItemVersion, (ItemVersion.item_id == Item.id) & (ItemVersion.version == Item.current_version))
            .where(Item.bank_id == bank.id)
        ).all()
        items_by_key = {item.key: item for item, _ in rows}
        hashes = {item.id: content_hash for item, content_hash in rows}
    by_fingerprint = {item.fingerprint: item for item in items_by_key.values()}

    report = ImportReport(
        bank=code, items=len(parsed.drafts), dry_run=dry_run, problems=settle(parsed.problems, skip=skip_unsupported)
    )
    seen_keys: dict[str, Location] = {}
    for draft in parsed.drafts:
        if draft.key and draft.key in seen_keys:
            report.problems.append(
                problem(
                    draft.where.at("key"),
                    "duplicate_key",
                    f"编号“{draft.key}”与{seen_keys[draft.key].zh()}重复",
                    f"key '{draft.key}' repeats {seen_keys[draft.key].en()}",
                )
            )
        seen_keys.setdefault(draft.key, draft.where)
    report.problems += _repeats_in_bank(parsed.drafts, by_fingerprint)
    if any(not p.warning for p in report.problems):
        raise refusal(report)

    shas, image_problems = _store_images(db, parsed.images, save=not dry_run)
    if image_problems:
        report.problems += image_problems
        raise refusal(report)
    if bank is None:
        bank = Bank(code=code, name=name or parsed.name or code, description=parsed.description, created_at=clock.now())
        if not dry_run:
            db.add(bank)
            db.flush()
    elif name and name != bank.name and not dry_run:
        bank.name = name

    plan: list[tuple[ItemDraft, Item | None]] = []
    for draft in parsed.drafts:
        item = items_by_key.get(draft.key) if draft.key else by_fingerprint.get(fingerprint(draft.stem))
        plan.append((draft, item))
    for draft, item in plan:
        if item is None:
            report.added += 1
        elif hashes[item.id] != _content_hash(draft, [shas.get(n, "") for n in draft.images]):
            report.versioned += 1
        else:
            report.unchanged += 1
    if dry_run:
        return report
    changes = _apply(db, bank, plan, shas, hashes, actor)
    if db.get_bind().dialect.name == "sqlite":
        # SQLite plans searches from table statistics, which only ANALYZE keeps (PostgreSQL's
        # autovacuum does it there): without them it reads 50,000 items through an index.
        db.execute(text("ANALYZE items"))
    record(
        db,
        chain=bank.chain,
        action="bank.imported",
        subject=bank.code,
        actor=actor,
        payload={
            "file": filename,
            "file_sha256": hashlib.sha256(data).hexdigest(),
            "added": report.added,
            "versioned": report.versioned,
            "unchanged": report.unchanged,
            "warnings": len(report.warnings),
            "skipped": len(report.skipped),
            "versions": changes,
        },
    )
    return report


def _repeats_in_bank(drafts: list[ItemDraft], by_fingerprint: dict[str, Item]) -> list[Problem]:
    """Warnings for items whose stem repeats a different item of the bank."""
    found = []
    for draft in drafts:
        item = by_fingerprint.get(fingerprint(draft.stem))
        if draft.key and item is not None and item.key != draft.key:
            found.append(
                problem(
                    draft.where.at("stem"),
                    "near_duplicate_in_bank",
                    f"题干与题库中的试题“{item.key}”相近",
                    f"the stem nearly repeats item '{item.key}' of the bank",
                    warning=True,
                )
            )
    return found


def _apply(
    db: Session,
    bank: Bank,
    plan: list[tuple[ItemDraft, Item | None]],
    shas: dict[str, str],
    hashes: dict[int, str],
    actor: Actor,
) -> list[list[Any]]:
    """Write the planned items and versions in bulk; return [key, version, content hash] of each change."""
    now = clock.now()
    taken = {key for key in db.scalars(select(Item.key).where(Item.bank_id == bank.id))}
    taken |= {draft.key for draft, _ in plan if draft.key}
    number = len(taken)
    new_rows = []
    for draft, item in plan:
        if item is None:
            if not draft.key:
                while (candidate := f"Q{number:05d}") in taken:
                    number += 1
                draft.key = candidate
                taken.add(candidate)
            new_rows.append(
                {"bank_id": bank.id, "key": draft.key, "current_version": 1, "retired_at": None, "created_at": now}
                | searchable(draft)
            )
    ids = {}
    if new_rows:
        ids = {key: id_ for id_, key in db.execute(insert(Item).returning(Item.id, Item.key), new_rows)}
    versions, changes = [], []
    for draft, item in plan:
        if item is None:
            versions.append(_new_version(ids[draft.key], 1, draft, shas, actor))
        else:
            row = _new_version(item.id, item.current_version + 1, draft, shas, actor)
            if row["content_hash"] == hashes[item.id]:
                continue
            item.current_version += 1
            _copy_searchable(item, draft)
            versions.append(row)
        changes.append([draft.key, versions[-1]["version"], versions[-1]["content_hash"][:16]])
    if versions:
        db.execute(insert(ItemVersion), versions)
    db.flush()
    return changes


def get_item(db: Session, *, code: str, key: str) -> tuple[Bank, Item, ItemVersion]:
    bank = get_bank(db, code)
    row = db.execute(
        select(Item, ItemVersion)
        .join(ItemVersion, (ItemVersion.item_id == Item.id) & (ItemVersion.version == Item.current_version))
        .where(Item.bank_id == bank.id, Item.key == key)
    ).first()
    if row is None:
        raise not_found(f"试题“{key}”", f"item '{key}'")
    return bank, row[0], row[1]


def versions_of(db: Session, item: Item) -> list[ItemVersion]:
    return list(db.scalars(select(ItemVersion).where(ItemVersion.item_id == item.id).order_by(ItemVersion.version)))


def edit_item(db: Session, *, code: str, key: str, draft: ItemDraft, actor: Actor) -> ItemVersion:
    """Save an edit as a new version; an edit that changes nothing makes none."""
    bank, item, current = get_item(db, code=code, key=key)
    shas = {image["name"]: image["sha256"] for image in current.images}
    draft.key = key
    if problems := validate(draft, image_names=set(shas)):
        raise invalid(problems)
    row = _new_version(item.id, item.current_version + 1, draft, shas, actor)
    if row["content_hash"] == current.content_hash:
        return current
    version = ItemVersion(**row)
    db.add(version)
    item.current_version = version.version
    _copy_searchable(item, draft)
    db.flush()
    record(
        db,
        chain=bank.chain,
        action="item.edited",
        subject=f"{bank.code}/{key}",
        actor=actor,
        payload={"key": key, "version": version.version, "content_hash": version.content_hash},
    )
    return version


def set_retired(db: Session, *, code: str, key: str, retired: bool, actor: Actor) -> Item:
    """Retire an item (new papers stop drawing it; its versions stay) or bring it back."""
    bank, item, _ = get_item(db, code=code, key=key)
    if (item.retired_at is not None) == retired:
        raise Conflict("already", "试题已是该状态", "the item is already in that state")
    item.retired_at = clock.now() if retired else None
    record(
        db,
        chain=bank.chain,
        action="item.retired" if retired else "item.restored",
        subject=f"{bank.code}/{key}",
        actor=actor,
        payload={"key": key, "version": item.current_version},
    )
    return item


@dataclass
class ItemFilter:
    q: str = ""
    type: str = ""
    category: str = ""
    knowledge_point: str = ""
    difficulty: int | None = None
    status: str = "active"  # active, retired or all

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> "ItemFilter":
        """The search as a filter form or an API call sends it: an empty choice (全部) means any,
        and so does a difficulty or status that is none of the known ones."""
        difficulty = query.get("difficulty", "").strip()
        status = query.get("status", "").strip()
        return cls(
            q=query.get("q", "").strip(),
            type=query.get("type", "").strip(),
            category=query.get("category", "").strip(),
            knowledge_point=query.get("knowledge_point", "").strip(),
            difficulty=int(difficulty) if difficulty in ("1", "2", "3", "4", "5") else None,
            status=status if status in ("active", "retired", "all") else "active",
        )


def search_items(
    db: Session, *, code: str, where: ItemFilter, offset: int = 0, limit: int = 50
) -> tuple[Bank, list[tuple[Item, ItemVersion]], int]:
    """A page of the bank's items matching the filter, in key order, and how many match."""
    bank = get_bank(db, code)
    conditions: list[Any] = [Item.bank_id == bank.id]
    if where.q:
        conditions.append(or_(Item.stem.contains(where.q, autoescape=True), Item.key == where.q))
    if where.type:
        conditions.append(Item.type == where.type)
    if where.category:
        conditions.append(Item.category == where.category)
    if where.knowledge_point:
        conditions.append(Item.knowledge_points.contains(f"|{where.knowledge_point}|", autoescape=True))
    if where.difficulty:
        conditions.append(Item.difficulty == where.difficulty)
    if where.status == "active":
        conditions.append(Item.retired_at.is_(None))
    elif where.status == "retired":
        conditions.append(Item.retired_at.is_not(None))
    total = db.scalar(select(func.count()).select_from(Item).where(*conditions)) or 0
    page = select(Item.id).where(*conditions).order_by(Item.key).offset(offset).limit(limit).subquery()
    rows = db.execute(
        select(Item, ItemVersion)
        .join(page, page.c.id == Item.id)
        .join(ItemVersion, (ItemVersion.item_id == Item.id) & (ItemVersion.version == Item.current_version))
        .order_by(Item.key)
    ).all()
    return bank, [(item, version) for item, version in rows], total


def facets(db: Session, bank: Bank) -> dict[str, list[str]]:
    """The categories and knowledge points a bank's items use, for filter menus."""
    rows = db.execute(select(Item.category, Item.knowledge_points).where(Item.bank_id == bank.id).distinct()).all()
    return {
        "categories": sorted({c for c, _ in rows if c}),
        "knowledge_points": sorted({k for _, kps in rows for k in kps.split("|") if k}),
    }


def export_bank(db: Session, *, code: str, fmt: str) -> tuple[bytes, str]:
    """The bank's items in force (their current versions) in `fmt`: xlsx, qti, json or yaml."""
    bank = get_bank(db, code)
    rows = db.execute(
        select(Item, ItemVersion)
        .join(ItemVersion, (ItemVersion.item_id == Item.id) & (ItemVersion.version == Item.current_version))
        .where(Item.bank_id == bank.id, Item.retired_at.is_(None))
        .order_by(Item.id)
    ).all()
    drafts = [version_to_draft(version, item.key) for item, version in rows]
    wanted = {image["sha256"]: image["name"] for _, version in rows for image in version.images}
    images = {wanted[image.sha256]: image.data for image in db.scalars(select(Image).where(Image.sha256.in_(wanted)))}
    return formats.write(
        fmt, code=bank.code, name=bank.name, description=bank.description, drafts=drafts, images=images
    )


def image(db: Session, sha256: str) -> Image:
    found = db.get(Image, sha256)
    if found is None:
        raise not_found("图片", "image")
    return found
