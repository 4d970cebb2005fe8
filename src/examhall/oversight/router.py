"""The oversight API under /api/v1/oversight: pass rates, a bank's item analysis, a sitting's
papers and the flags, as JSON. Reads only; it summarises newly published sittings first."""

from typing import Annotated, Any

from fastapi import APIRouter, Request

from examhall.accounts.permissions import Principal, allow
from examhall.db import DbSession, Id
from examhall.oversight import findings, items, rates, sittings, summary
from examhall.oversight.rates import RateFilter, RateRow

router = APIRouter(prefix="/api/v1/oversight", tags=["oversight"])
Reader = Annotated[Principal, allow("admin", "inspector")]
Admin = Annotated[Principal, allow("admin")]


def _fresh(request: Request) -> int:
    return summary.catch_up(request.app.state.database, timezone=request.app.state.settings.timezone)


def _row(row: RateRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        **{
            part: {"sat": count.sat, "passed": count.passed, "rate": count.rate}
            for part, count in (("first", row.first), ("resit", row.resit), ("total", row.total))
        },
    }


@router.get("/pass-rates")
def pass_rates(request: Request, db: DbSession, _: Reader) -> dict[str, Any]:
    """Pass rates grouped by `by` (institution, enterprise, site, category, month), first attempts
    and re-sits apart; filters: category, site, enterprise, institution, from, to (YYYY-MM)."""
    waiting = _fresh(request)
    where = RateFilter.from_query(request.query_params)
    return {
        "by": where.by,
        "rows": [_row(r) for r in rates.grouped(db, where, where.by)],
        "months": [_row(r) for r in rates.grouped(db, where, "month")],
        "sittings_waiting": waiting,
    }


@router.get("/banks/{code}/items")
def bank_items(request: Request, code: str, db: DbSession, _: Admin) -> list[dict[str, Any]]:
    _fresh(request)
    _bank, analysed = items.bank_analysis(db, code)
    return [
        {
            "item": a.item.key,
            "version": a.version.version,
            "item_version_id": a.version.id,
            "responses": a.sums.n,
            "exposure": a.sums.papers,
            "facility": a.facility,
            "point_biserial": a.r,
            "upper_lower": a.d,
            "options": [{"label": o.label, "count": o.count, "key": o.key} for o in a.options],
            "flags": a.flags,
        }
        for a in analysed
    ]


@router.get("/sittings/{sitting_id}/papers")
def sitting_papers(request: Request, sitting_id: Id, db: DbSession, _: Reader) -> list[dict[str, Any]]:
    _fresh(request)
    _label, seats = sittings.seats(db, sitting_id)
    return [
        {
            "seat": s.seat,
            "ticket": s.ticket,
            "seed": s.seed,
            "expected": str(s.expected) if s.expected is not None else None,
            "score": str(s.score) if s.score is not None else None,
            "harder": s.harder,
        }
        for s in seats
    ]


@router.get("/flags")
def flags(request: Request, db: DbSession, _: Reader, kind: str = "", page: int = 1) -> dict[str, Any]:
    _fresh(request)
    found, total = findings.flags(db, kind=kind, page=max(1, min(page, 10**6)))
    return {
        "total": total,
        "flags": [
            {
                "kind": f.kind,
                "title": f.title,
                "sitting_id": f.sitting.id,
                "people": f.people,
                "evidence": f.lines,
                "links": [href for _, href in f.links],
            }
            for f in found
        ],
    }
