"""JSON API for blueprints, previews, draw reports and rebuilds. Admins only."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter

from examhall import clock
from examhall.accounts.permissions import Principal, allow
from examhall.db import DbSession, Id
from examhall.errors import invalid
from examhall.papers import service
from examhall.papers.blueprint import Blueprint, parse
from examhall.papers.schemas import BlueprintIn, BlueprintOut, PreviewItem, PreviewOut

router = APIRouter(prefix="/api/v1/papers", tags=["papers"])
Admin = Annotated[Principal, allow("admin")]


def blueprint_out(blueprint: Blueprint) -> BlueprintOut:
    return BlueprintOut(
        name=blueprint.name,
        title=blueprint.title,
        total_points=blueprint.total_points,
        pass_mark=blueprint.pass_mark,
        duration_minutes=blueprint.duration_minutes,
        document=blueprint.document(),
    )


@router.get("/blueprints", response_model=list[BlueprintOut])
def list_blueprints(db: DbSession, _: Admin) -> list[BlueprintOut]:
    return [blueprint_out(b) for b in service.list_blueprints(db)]


@router.get("/blueprints/{name}", response_model=BlueprintOut)
def get_blueprint(name: str, db: DbSession, _: Admin) -> BlueprintOut:
    return blueprint_out(service.get_blueprint(db, name))


@router.put("/blueprints/{name}", response_model=BlueprintOut)
def save_blueprint(name: str, body: BlueprintIn, db: DbSession, admin: Admin) -> BlueprintOut:
    blueprint, problems = parse({**body.document, "name": name}, source=name)
    if blueprint is None:
        raise invalid(problems)
    service.save_blueprint(db, blueprint=blueprint, actor=admin.actor, bank_codes=body.check_banks)
    return blueprint_out(blueprint)


@router.get("/preview", response_model=PreviewOut)
def preview(
    db: DbSession, _: Admin, blueprint: str, bank: list[str], seed: int = 1, on: date | None = None
) -> PreviewOut:
    made = service.preview(
        db, bank_codes=bank, blueprint=service.get_blueprint(db, blueprint), seed=seed, on=on or clock.now().date()
    )
    return PreviewOut(
        blueprint=made.blueprint.name,
        seed=made.seed,
        total_points=made.blueprint.total_points,
        duration_minutes=made.blueprint.duration_minutes,
        pass_mark=made.blueprint.pass_mark,
        mean_difficulty=made.mean_difficulty,
        national_share=made.national_share,
        items=[
            PreviewItem(
                type=i.version.type,
                points=i.points,
                item_id=i.key,
                version=i.version.version,
                difficulty=i.version.difficulty,
                source=i.version.source,
            )
            for i in made.items
        ],
    )


# Administrators only: a draw does not know whose sitting it is, so a chief examiner's access could
# not be limited to their own sittings. The administrators' sitting page shows it.
@router.get("/draws/{draw_id}/report")
def draw_report(draw_id: Id, db: DbSession, _: Admin) -> list[dict[str, object]]:
    return [vars(stats) for stats in service.draw_report(db, draw_id=draw_id)]


@router.get("/{paper_id}/rebuild")
def rebuild(paper_id: Id, db: DbSession, _: Admin) -> dict[str, object]:
    result = service.rebuild(db, paper_id=paper_id)
    return {"paper": paper_id, "identical": result.identical, "differences": result.differences}
