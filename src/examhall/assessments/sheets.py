"""What a judge on the panel sees: their panels, and for each candidate's part their own score,
how many have submitted, the task drawn, and the others' scores only once every judge of that
part has submitted (blind until then)."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examhall.assessments import access
from examhall.assessments.board import Board, Cell, board
from examhall.assessments.models import Assessment, JudgeScore, PanelMember, PracticalTask, PracticalTaskVersion
from examhall.assessments.plans import Part


@dataclass(frozen=True)
class JudgeCell:
    """One part of one candidate as a judge on the panel may see it: their own score, how many
    have submitted, and the others' scores only once every judge of it has submitted."""

    entry_id: int
    candidate: str
    part: Part
    task: tuple[PracticalTask, PracticalTaskVersion] | None
    mine: JudgeScore | None
    may_judge: bool
    absent: bool
    submitted: int
    judges: int
    complete: bool
    panel: list[tuple[str, Decimal]]  # only when complete
    score: Decimal | None  # only when complete
    flag: str  # "", "open", "accepted": only when complete


def _judge_cell(db: Session, state: Board, cell: Cell, user_id: int, names: dict[int, str]) -> JudgeCell:
    mine = db.scalar(
        select(JudgeScore).where(
            JudgeScore.entry_id == cell.entry.id, JudgeScore.part == cell.part.key, JudgeScore.judge_id == user_id
        )
    )
    complete = cell.complete
    _, candidate = state.entry(cell.entry.id)
    return JudgeCell(
        entry_id=cell.entry.id,
        candidate=candidate.name,
        part=cell.part,
        task=cell.task,
        mine=mine,
        may_judge=user_id in cell.judges,
        absent=cell.entry.absent,
        submitted=len(cell.submitted),
        judges=len(cell.judges),
        complete=complete,
        panel=[(names.get(j, ""), t) for j, t in cell.totals.items()] if complete else [],
        score=cell.score if complete else None,
        flag=("open" if cell.needs_resolution else "accepted" if cell.flagged else "") if complete else "",
    )


def judge_cells(db: Session, *, assessment_id: int, user_id: int) -> tuple[Board, list[JudgeCell]]:
    assessment = access.judged_assessment(db, assessment_id, user_id)
    state = board(db, assessment)
    names = {u.id: u.display_name for _, u in state.panel}
    return state, [_judge_cell(db, state, cell, user_id, names) for cell in state.cells.values()]


def judge_cell(
    db: Session, *, assessment_id: int, entry_id: int, part_key: str, user_id: int
) -> tuple[Board, JudgeCell]:
    assessment = access.judged_assessment(db, assessment_id, user_id)
    state = board(db, assessment)
    names = {u.id: u.display_name for _, u in state.panel}
    return state, _judge_cell(db, state, state.cell(entry_id, part_key), user_id, names)


def my_panels(db: Session, user_id: int) -> list[Assessment]:
    """The open and sealed assessments whose panel the judge sits on."""
    return list(
        db.scalars(
            select(Assessment)
            .join(PanelMember, PanelMember.assessment_id == Assessment.id)
            .where(PanelMember.user_id == user_id, PanelMember.removed_at.is_(None), Assessment.state != "scheduled")
            .order_by(Assessment.held_on.desc(), Assessment.id.desc())
        )
    )
