"""What a candidate's page receives to sit the exam, in one reply: where the attempt stands, who
is sitting it, the answers given so far and the paper itself. The start returns it too, so that
pressing start costs the server one request; the paper's part is sent as it was stored when the
sitting opened."""

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from examhall.delivery.models import Attempt
from examhall.delivery.schemas import StatusOut
from examhall.delivery.service import answers
from examhall.papers import service as papers
from examhall.papers import sheets
from examhall.papers.models import Paper
from examhall.sittings.models import Candidate, Exam, Registration, Sitting

# Who sits the attempt and its stored paper, in one read.
_SITTER = (
    select(Exam.name, Candidate.name, Registration.seat, Paper.sheet)
    .select_from(Registration)
    .join(Candidate, Candidate.id == Registration.candidate_id)
    .join(Sitting, Sitting.id == Registration.sitting_id)
    .join(Exam, Exam.id == Sitting.exam_id)
    .join(Paper, Paper.id == bindparam("paper"))
    .where(Registration.id == bindparam("registration"))
)


def reply(db: Session, attempt: Attempt, status: StatusOut, *, fresh: bool = False) -> bytes:
    """The JSON reply: `status`'s fields, the attempt, exam, candidate and seat, the last change
    number applied, the answers by item number, and the paper's sections and items. A `fresh`
    start has no answers to read: none are taken before the first start."""
    exam, candidate, seat, sheet = db.execute(
        _SITTER, {"paper": attempt.paper_id, "registration": attempt.registration_id}
    ).one()
    given = {} if fresh else answers(db, attempt)
    head = {
        **status.model_dump(mode="json"),
        "attempt": attempt.id,
        "exam": exam,
        "candidate": candidate,
        "seat": seat,
        "last_seq": attempt.last_seq,
        "answers": {str(n): {"response": a.response, "flagged": a.flagged} for n, a in given.items()},
    }
    return sheets.reply(head, papers.paper_sheet(db, attempt.paper_id, sheet))
