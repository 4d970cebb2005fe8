"""The access matrix's second dimension: every route taking an object's id, called as every role
with the ids of an object that role owns and with someone else's.

tests/test_access_matrix.py checks that each role reaches only the routes it is declared for. This
checks the objects: a world with two of everything (side A and side B), each side with its own
sittings, staff, candidates, appeals, assessment and judge panel, and every route with a path
parameter called as each role with its own side's ids and with the other side's (and, for a
candidate or a judge, with a neighbour's of the same side).

Who owns what (read from the code: delivery.supervision.staffed_sitting, proctoring.service
.watched_sitting, grading.service._chief, assessments.access, assessments.registers):

| role           | may reach                                                                  |
|----------------|----------------------------------------------------------------------------|
| admin          | every object of every route it is declared for                             |
| inspector      | every sitting (read, inspections), every trace chain, every assessment's   |
|                | verification                                                               |
| chief_examiner | the sittings it is assigned to (as chief), their cases, appeals, evidence; |
|                | the assessments it is the chief examiner of, their entries and scores      |
| proctor        | the sittings it is assigned to, their attempts and registrations           |
| judge          | the open or sealed assessments whose panel it sits on; its own scores; its |
|                | own declared conflicts                                                     |
| candidate      | its own attempt (status, paper, answers, images, photo)                    |
| officer        | the spot checks it is one of the two officers of, their workers and        |
|                | quizzes; every enterprise's spot-check report                              |
| trainer        | no route taking an object's id                                             |

A spot-check quiz is public (a worker's own phone has no account): only the session its
one-time link made, or one of its check's officers, gets through; a link's secret is the
capability itself, good for whoever holds it, once.

Expected, for each route, role and object: a role the route is not declared for is refused by
its role (401/403, or a page's redirect to the login); a declared role reaching its own object is
not refused (no 401, 403 or 404: a state refusal, 409 or 422, is fine); a declared role that does
not see everything is refused someone else's object with 403 or 404, never a 2xx, never a 5xx.
A call that mixes an own object in the path with another side's object (in the path or the body)
is never a 2xx and never a 5xx, whoever makes it.

Every route with a path parameter is either in ROUTES (how to call it for a side) or in
NOT_SCOPED (with the reason it has no owner but the admin); a new one in neither fails."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.requests import Request

from examhall import clock
from examhall.accounts.models import User
from examhall.accounts.permissions import ALL_ROLES
from examhall.assessments import panels
from examhall.assessments.models import JudgeScore
from examhall.config import Settings
from examhall.db import Database
from examhall.delivery.models import Attempt
from examhall.grading.models import Appeal
from examhall.papers.models import Paper
from examhall.proctoring.models import MisconductCase
from examhall.sittings import service as sittings
from examhall.sittings import staffing
from examhall.sittings.models import Registration, Sitting
from examhall.spotchecks import checks as spot_checks
from examhall.spotchecks import workers as spot_workers
from examhall.trace.service import Actor
from tests.assessments.conftest import lecture_marks
from tests.conftest import TEST_ACTOR, add_staff, log_in, session_cookie
from tests.sittings.conftest import ZONE, Arranged, arranged, id_number, person, roster_csv
from tests.test_access_matrix import _declared, _routes

__all__ = ["arranged"]  # the sittings' fixture, used here too

TOKEN = "ownership-token"
SEES_ALL = frozenset({"admin", "inspector"})
SCOPED = frozenset({"chief_examiner", "proctor", "judge", "candidate", "officer"})
PEERS = frozenset({"candidate", "judge"})  # a neighbour of the same side is someone else too
ROLES = (*ALL_ROLES, "anonymous")
BORN = date(1990, 5, 1)
PART = "lecture"  # the teacher preset's judged part
SPOT_CATEGORY = "煤矿安全检查作业"  # the arranged exam's bank, which spot quizzes draw from

# Routes whose path parameters name no object anyone but the admin reaches: the exam body's
# registers, shared by every sitting and assessment. The role matrix covers who reaches them.
NOT_SCOPED = {
    "PATCH /api/v1/accounts/users/{user_id}": "staff accounts: the admin's register",
    "POST /api/v1/accounts/users/{user_id}/password": "staff accounts: the admin's register",
    "POST /admin/users/{user_id}": "staff accounts: the admin's register (page)",
    "POST /api/v1/banks/{code}/import": "question banks serve every sitting; admin only",
    "GET /api/v1/banks/{code}/items": "question banks serve every sitting; admin only",
    "GET /api/v1/banks/{code}/items/{key}": "question banks serve every sitting; admin only",
    "PUT /api/v1/banks/{code}/items/{key}": "question banks serve every sitting; admin only",
    "POST /api/v1/banks/{code}/items/{key}/retire": "question banks serve every sitting; admin only",
    "POST /api/v1/banks/{code}/items/{key}/restore": "question banks serve every sitting; admin only",
    "GET /api/v1/banks/{code}/export": "question banks serve every sitting; admin only",
    "GET /api/v1/banks/images/{sha256}": "bank images, addressed by content; admin only",
    "GET /admin/banks/{code}": "question banks serve every sitting; admin only (page)",
    "GET /admin/banks/{code}/items/{key}": "question banks serve every sitting; admin only (page)",
    "POST /admin/banks/{code}/items/{key}": "question banks serve every sitting; admin only (page)",
    "POST /admin/banks/{code}/items/{key}/retire": "question banks serve every sitting; admin only (page)",
    "GET /api/v1/papers/blueprints/{name}": "blueprints serve every exam; admin only",
    "PUT /api/v1/papers/blueprints/{name}": "blueprints serve every exam; admin only",
    "GET /admin/blueprints/{name}": "blueprints serve every exam; admin only (page)",
    "GET /api/v1/assessments/plans/{plan_id}": "assessment plans serve every assessment; admin only",
    "POST /api/v1/assessments/tasks/{task_id}/versions": "the practical task bank; admin only",
    "POST /api/v1/assessments/tasks/{task_id}/retire": "the practical task bank; admin only",
    "GET /api/v1/certificates/{certificate_id}": "certificates: the exam body's register; admin only",
    "POST /api/v1/certificates/sittings/{sitting_id}": "issuing certificates: the exam body's; admin only",
    "GET /admin/certificates/{certificate_id}": "certificates: the exam body's register; admin only (page)",
    "POST /admin/certificates/{certificate_id}": "certificates: the exam body's register; admin only (page)",
    "GET /admin/certificates/{certificate_id}/print": "certificates: the exam body's register; admin only (page)",
    "GET /admin/certificates/{certificate_id}/photo": "certificates: the exam body's register; admin only (page)",
    "GET /admin/sittings/{sitting_id}/certificates": "issuing certificates: the exam body's; admin only (page)",
    "POST /admin/sittings/{sitting_id}/certificates": "issuing certificates: the exam body's; admin only (page)",
    "GET /admin/assessments/{assessment_id}/certificates": "issuing certificates: the exam body's; admin only (page)",
    "POST /admin/assessments/{assessment_id}/certificates": "issuing certificates: the exam body's; admin only (page)",
    "GET /api/v1/oversight/banks/{code}/items": "item analysis shows the keys; admin only",
    "GET /oversight/items/{code}": "item analysis shows the keys; admin only (page)",
    "GET /oversight/items/{code}/{key}": "item analysis shows the keys; admin only (page)",
}


@dataclass(frozen=True)
class Side:
    """One side's objects. `attempt`, `score` and `judge` are its representative candidate's and
    judge's own; a neighbour of the same side is the same Side with those replaced (peer())."""

    name: str
    site: int
    held: int  # a sitting held in the morning: sealed, published, two appeals
    running: int  # a sitting under way in the afternoon
    held_chain: str
    held_draw: int
    running_draw: int
    paper: int
    held_registration: int
    registration: int  # the representative candidate's, in the running sitting
    waiting_registration: int  # logged in, not yet let start
    attempt: int  # the representative candidate's, under way
    peer_attempt: int
    case: int  # a proposed misconduct case in the running sitting
    appeal_filed: int
    appeal_proposed: int
    assessment: int
    entry: int  # scored by two of the panel
    judge: int  # the representative judge's user id
    peer_judge: int
    score: int  # the representative judge's score
    peer_score: int
    chief: int  # the chief examiner's user id
    id_number: str  # of a candidate known from a roster, not on the assessment
    spot_check: int  # opened by the side's officer with a partner, confirmed, one worker added
    spot_worker: int
    spot_enterprise: int
    spot_secret: str  # the worker's one-time link

    def peer(self) -> "Side":
        return replace(self, attempt=self.peer_attempt, judge=self.peer_judge, score=self.peer_score)


@dataclass(frozen=True)
class Call:
    path: dict[str, object]
    json: Any = None
    data: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    # A 404 whose message holds this is about a sub-object the world has none of (an image),
    # not a refusal of the owner.
    missing: str = ""


Calls = Callable[[Side], list[Call]]
Mixed = Callable[[Side, Side], list[Call]]


@dataclass(frozen=True)
class Spec:
    calls: Calls
    mixed: Mixed | None = None
    # Roles that reach every object of this route (beside SEES_ALL); for a public route, the
    # roles that get through to their own side's objects (anyone else is refused or not found).
    open_to: frozenset[str] = frozenset()
    owners: frozenset[str] = frozenset()


def _sittings(**body: Any) -> Spec:
    """A route taking a sitting: called with both the held and the running sitting."""
    return Spec(lambda s: [Call({"sitting_id": s.held}, **body), Call({"sitting_id": s.running}, **body)])


def _running(body: Callable[[Side], dict[str, Any]]) -> Spec:
    """A proctor's action on one attempt of the running sitting, named in the body; mixed: the
    own sitting with the other side's attempt."""
    return Spec(
        lambda s: [Call({"sitting_id": s.running}, json=body(s))],
        lambda own, other: [Call({"sitting_id": own.running}, json=body(other))],
    )


def _attempt(**body: Any) -> Spec:
    return Spec(lambda s: [Call({"attempt_id": s.attempt}, **body)])


def _assessment(**body: Any) -> Spec:
    return Spec(lambda s: [Call({"assessment_id": s.assessment}, **body)])


def _entry(**body: Any) -> Spec:
    """A route taking an assessment, one of its entries and a part; mixed: the own assessment
    with the other side's entry."""
    return Spec(
        lambda s: [Call({"assessment_id": s.assessment, "entry_id": s.entry, "part": PART}, **body)],
        lambda own, other: [Call({"assessment_id": own.assessment, "entry_id": other.entry, "part": PART}, **body)],
    )


OFFICERS = frozenset({"officer"})
ROLES_SET = frozenset(ROLES)
LINK_USED = "此链接已使用或已失效"
UNSUMMARISED = "场次成绩尚未发布"  # oversight has not summarised it yet (the first page to need it does)

# One's own calls that end what the others act on run last.
LAST = frozenset(
    {
        "POST /api/v1/delivery/attempts/{attempt_id}/submit",
        "POST /api/v1/spotchecks/quiz/{worker_id}/submit",
        "POST /spot/q/{secret}",
    }
)
MARKS = lecture_marks(70)
ROSTER_FILE = {"file": ("roster.csv", roster_csv([person(90)]), "text/csv")}

ROUTES: dict[str, Spec] = {
    # delivery: the candidate's own attempt
    "GET /api/v1/delivery/attempts/{attempt_id}/status": _attempt(),
    "POST /api/v1/delivery/attempts/{attempt_id}/start": _attempt(),
    "GET /api/v1/delivery/attempts/{attempt_id}/paper": _attempt(),
    "POST /api/v1/delivery/attempts/{attempt_id}/answers": _attempt(
        json={"entries": [{"seq": 900, "n": 1, "response": True}]}
    ),
    "POST /api/v1/delivery/attempts/{attempt_id}/signals": _attempt(json={"kind": "blur", "detail": ""}),
    "POST /api/v1/delivery/attempts/{attempt_id}/submit": _attempt(),
    "GET /exam/attempts/{attempt_id}": _attempt(),
    "GET /exam/attempts/{attempt_id}/images/{n}/{k}": Spec(
        lambda s: [Call({"attempt_id": s.attempt, "n": 1, "k": 0}, missing="图片不存在")]
    ),
    "GET /exam/attempts/{attempt_id}/photo": Spec(lambda s: [Call({"attempt_id": s.attempt}, missing="照片不存在")]),
    # delivery: the room's staff
    "GET /api/v1/delivery/sittings/{sitting_id}/attempts": _sittings(),
    "POST /api/v1/delivery/sittings/{sitting_id}/authorize": Spec(
        lambda s: [Call({"sitting_id": s.running}, json={"attempt_ids": [s.attempt]})],
        lambda own, other: [Call({"sitting_id": own.running}, json={"attempt_ids": [other.attempt]})],
    ),
    "POST /api/v1/delivery/sittings/{sitting_id}/codes": Spec(
        lambda s: [Call({"sitting_id": s.running}, json={"registration_id": s.waiting_registration})],
        lambda own, other: [Call({"sitting_id": own.running}, json={"registration_id": other.waiting_registration})],
    ),
    "POST /api/v1/delivery/sittings/{sitting_id}/attempts/{attempt_id}/move": Spec(
        lambda s: [Call({"sitting_id": s.running, "attempt_id": s.attempt})],
        lambda own, other: [Call({"sitting_id": own.running, "attempt_id": other.attempt})],
    ),
    # proctoring
    "GET /api/v1/proctoring/sittings/{sitting_id}/state": _sittings(),
    "GET /api/v1/proctoring/sittings/{sitting_id}/attempts/{attempt_id}/signals": Spec(
        lambda s: [Call({"sitting_id": s.running, "attempt_id": s.attempt})],
        lambda own, other: [Call({"sitting_id": own.running, "attempt_id": other.attempt})],
    ),
    "GET /api/v1/proctoring/sittings/{sitting_id}/events": _sittings(),
    "GET /proctor/sittings/{sitting_id}": _sittings(),
    "POST /api/v1/proctoring/sittings/{sitting_id}/pause": _running(lambda s: {"attempt_id": s.attempt}),
    "POST /api/v1/proctoring/sittings/{sitting_id}/resume": _running(lambda s: {"attempt_id": s.attempt}),
    "POST /api/v1/proctoring/sittings/{sitting_id}/time": _running(
        lambda s: {"attempt_id": s.attempt, "minutes": 5, "reason": "停电补时"}
    ),
    "POST /api/v1/proctoring/sittings/{sitting_id}/warnings": _running(
        lambda s: {"attempt_id": s.attempt, "note": "东张西望"}
    ),
    "POST /api/v1/proctoring/sittings/{sitting_id}/irregularities": _running(
        lambda s: {"category": "candidate", "note": "交头接耳", "attempt_id": s.attempt}
    ),
    "POST /api/v1/proctoring/sittings/{sitting_id}/moves": _running(lambda s: {"attempt_id": s.attempt}),
    "POST /api/v1/proctoring/sittings/{sitting_id}/misconduct": _running(
        lambda s: {"attempt_id": s.attempt, "facts": "携带手机并查看"}
    ),
    "POST /api/v1/proctoring/sittings/{sitting_id}/misconduct/{case_id}": Spec(
        lambda s: [Call({"sitting_id": s.running, "case_id": s.case}, json={"confirm": False, "note": "证据不足"})],
        lambda own, other: [
            Call({"sitting_id": own.running, "case_id": other.case}, json={"confirm": False, "note": "证据不足"})
        ],
    ),
    "POST /api/v1/proctoring/sittings/{sitting_id}/inspections": _sittings(json={"note": "秩序良好"}),
    # grading
    "POST /api/v1/grading/sittings/{sitting_id}/record": _sittings(json={"remarks": "考场秩序良好"}),
    "POST /api/v1/grading/sittings/{sitting_id}/seal": _sittings(),
    "GET /api/v1/grading/sittings/{sitting_id}/verify": _sittings(),
    "POST /api/v1/grading/sittings/{sitting_id}/publish": _sittings(),
    "GET /api/v1/grading/sittings/{sitting_id}/results": _sittings(),
    "GET /api/v1/grading/sittings/{sitting_id}/results.xlsx": _sittings(),
    "GET /api/v1/grading/sittings/{sitting_id}/bundle": Spec(lambda s: [Call({"sitting_id": s.held})]),
    "DELETE /api/v1/grading/sittings/{sitting_id}": Spec(lambda s: [Call({"sitting_id": s.held})]),
    "POST /api/v1/grading/appeals/{appeal_id}/regrade": Spec(lambda s: [Call({"appeal_id": s.appeal_filed})]),
    "POST /api/v1/grading/appeals/{appeal_id}/proposal": Spec(
        lambda s: [Call({"appeal_id": s.appeal_filed}, json={"score": None, "note": "维持原成绩"})]
    ),
    "POST /api/v1/grading/appeals/{appeal_id}/decision": Spec(
        lambda s: [Call({"appeal_id": s.appeal_proposed}, json={"confirm": False})]
    ),
    "GET /sittings/{sitting_id}/record": _sittings(),
    "POST /sittings/{sitting_id}/record": _sittings(data={"remarks": "考场秩序良好"}),
    "POST /sittings/{sitting_id}/seal": _sittings(),
    "GET /sittings/{sitting_id}/results": _sittings(),
    "POST /sittings/{sitting_id}/results": Spec(
        lambda s: [
            Call({"sitting_id": s.held}, data={"action": "return", "appeal_id": str(s.appeal_proposed)}),
            Call({"sitting_id": s.held}, data={"action": "publish"}),
        ],
        lambda own, other: [
            Call({"sitting_id": own.held}, data={"action": "return", "appeal_id": str(other.appeal_proposed)}),
            Call({"sitting_id": own.held}, data={"action": "regrade", "appeal_id": str(other.appeal_filed)}),
        ],
    ),
    # papers and the trace
    "GET /api/v1/papers/draws/{draw_id}/report": Spec(
        lambda s: [Call({"draw_id": s.held_draw}), Call({"draw_id": s.running_draw})]
    ),
    "GET /api/v1/papers/{paper_id}/rebuild": Spec(lambda s: [Call({"paper_id": s.paper})]),
    "GET /api/v1/trace/chains/{chain}": Spec(lambda s: [Call({"chain": s.held_chain})]),
    # the admin's arrangements of a sitting
    "POST /api/v1/sittings/sites/{site_id}/rooms": Spec(
        lambda s: [Call({"site_id": s.site}, json={"name": f"备用考场{s.name}", "seats": 10, "columns": 5})]
    ),
    "POST /api/v1/sittings/{sitting_id}/roster": _sittings(files=ROSTER_FILE),
    "GET /api/v1/sittings/{sitting_id}/roster": _sittings(),
    "POST /api/v1/sittings/{sitting_id}/seats": _sittings(json={"mode": "ordered"}),
    "POST /api/v1/sittings/{sitting_id}/staff/draw": _sittings(),
    "POST /api/v1/sittings/{sitting_id}/staff": Spec(
        lambda s: [Call({"sitting_id": s.running}, json={"user_id": s.chief, "role": "chief_examiner"})]
    ),
    "POST /api/v1/sittings/{sitting_id}/open": _sittings(),
    "POST /api/v1/sittings/registrations/{registration_id}/override": Spec(
        lambda s: [Call({"registration_id": s.held_registration}, json={"reason": "资料补齐，准予参考"})]
    ),
    "POST /api/v1/sittings/registrations/{registration_id}/extra-time": Spec(
        lambda s: [Call({"registration_id": s.registration}, json={"minutes": 0, "reason": "无需延时"})]
    ),
    "GET /admin/sittings/{sitting_id}": _sittings(),
    "POST /admin/sittings/{sitting_id}/roster": _sittings(files=ROSTER_FILE),
    "POST /admin/sittings/{sitting_id}/override": Spec(
        lambda s: [
            Call({"sitting_id": s.held}, data={"registration_id": str(s.held_registration), "reason": "资料补齐"})
        ],
        lambda own, other: [
            Call({"sitting_id": own.held}, data={"registration_id": str(other.held_registration), "reason": "资料补齐"})
        ],
    ),
    "POST /admin/sittings/{sitting_id}/seats": _sittings(data={"mode": "ordered"}),
    "POST /admin/sittings/{sitting_id}/staff": _sittings(),
    "POST /admin/sittings/{sitting_id}/open": _sittings(),
    "GET /admin/sittings/{sitting_id}/tickets": _sittings(),
    # assessments: judges
    "POST /api/v1/assessments/judges/{user_id}/conflicts": Spec(
        lambda s: [Call({"user_id": s.judge}, json={"institution": "无关的评估单位", "reason": "曾在该单位任职"})]
    ),
    "GET /api/v1/assessments/judging/{assessment_id}": _assessment(),
    "GET /judge/assessments/{assessment_id}": _assessment(),
    "GET /api/v1/assessments/judging/{assessment_id}/entries/{entry_id}/parts/{part}": _entry(),
    "POST /api/v1/assessments/judging/{assessment_id}/entries/{entry_id}/parts/{part}": _entry(json={"marks": MARKS}),
    "GET /judge/assessments/{assessment_id}/entries/{entry_id}/parts/{part}": _entry(),
    "POST /judge/assessments/{assessment_id}/entries/{entry_id}/parts/{part}": _entry(
        data={"action": "submit", "key": list(MARKS), "mark": list(MARKS.values())}
    ),
    "POST /api/v1/assessments/{assessment_id}/scores/{score_id}/reopen": Spec(
        lambda s: [Call({"assessment_id": s.assessment, "score_id": s.score}, json={"reason": "合计算错，重新评分"})],
        lambda own, other: [
            Call({"assessment_id": own.assessment, "score_id": other.score}, json={"reason": "合计算错，重新评分"})
        ],
    ),
    # assessments: the admin and the chief examiner
    "GET /api/v1/assessments/{assessment_id}": _assessment(),
    "POST /api/v1/assessments/{assessment_id}/chief": Spec(
        lambda s: [Call({"assessment_id": s.assessment}, json={"user_id": s.chief})]
    ),
    "POST /api/v1/assessments/{assessment_id}/candidates": Spec(
        lambda s: [Call({"assessment_id": s.assessment}, json={"id_number": s.id_number, "institution": ""})]
    ),
    "POST /api/v1/assessments/{assessment_id}/panel/draw": _assessment(),
    "POST /api/v1/assessments/{assessment_id}/panel/{user_id}/recusal": Spec(
        lambda s: [Call({"assessment_id": s.assessment, "user_id": s.judge}, json={"reason": "与考生有亲属关系"})],
        lambda own, other: [
            Call({"assessment_id": own.assessment, "user_id": other.judge}, json={"reason": "与考生有亲属关系"})
        ],
    ),
    "POST /api/v1/assessments/{assessment_id}/open": _assessment(),
    "POST /api/v1/assessments/{assessment_id}/entries/{entry_id}/parts/{part}/task": _entry(),
    "POST /api/v1/assessments/{assessment_id}/entries/{entry_id}/absent": Spec(
        lambda s: [Call({"assessment_id": s.assessment, "entry_id": s.entry})],
        lambda own, other: [Call({"assessment_id": own.assessment, "entry_id": other.entry})],
    ),
    "POST /api/v1/assessments/{assessment_id}/entries/{entry_id}/parts/{part}/resolution": _entry(
        json={"action": "accept", "note": "认可评分"}
    ),
    "GET /api/v1/assessments/{assessment_id}/results": _assessment(),
    "POST /api/v1/assessments/{assessment_id}/seal": _assessment(),
    "GET /api/v1/assessments/{assessment_id}/verify": _assessment(),
    "GET /assessments/{assessment_id}": _assessment(),
    "POST /assessments/{assessment_id}": Spec(
        lambda s: [Call({"assessment_id": s.assessment}, data={"action": "absent", "entry_id": str(s.entry)})],
        lambda own, other: [
            Call({"assessment_id": own.assessment}, data={"action": "absent", "entry_id": str(other.entry)}),
            Call({"assessment_id": own.assessment}, data={"action": "reopen", "score_id": str(other.score)}),
        ],
    ),
    "GET /assessments/{assessment_id}/entries/{entry_id}/parts/{part}/task": _entry(),
    # oversight: a published sitting's papers, for admins and inspectors (an unpublished one has none)
    "GET /api/v1/oversight/sittings/{sitting_id}/papers": Spec(
        lambda s: [Call({"sitting_id": s.held}, missing=UNSUMMARISED)]
    ),
    "GET /oversight/sittings/{sitting_id}": Spec(lambda s: [Call({"sitting_id": s.held}, missing=UNSUMMARISED)]),
    # spot checks: the check's two officers
    "GET /spot/checks/{check_id}": Spec(lambda s: [Call({"check_id": s.spot_check})]),
    "POST /spot/checks/{check_id}": Spec(
        lambda s: [Call({"check_id": s.spot_check}, data={"action": "measure", "kind": "interview", "detail": "约谈"})]
    ),
    "GET /spot/checks/{check_id}/record": Spec(lambda s: [Call({"check_id": s.spot_check})]),
    "GET /spot/checks/{check_id}/workers/{worker_id}/link": Spec(
        lambda s: [Call({"check_id": s.spot_check, "worker_id": s.spot_worker})],
        lambda own, other: [Call({"check_id": own.spot_check, "worker_id": other.spot_worker})],
    ),
    "POST /spot/checks/{check_id}/workers/{worker_id}/link": Spec(
        lambda s: [Call({"check_id": s.spot_check, "worker_id": s.spot_worker}, data={})],
        lambda own, other: [Call({"check_id": own.spot_check, "worker_id": other.spot_worker}, data={})],
    ),
    "GET /spot-reports/enterprises/{enterprise_id}": Spec(
        lambda s: [Call({"enterprise_id": s.spot_enterprise})], open_to=frozenset({"officer"})
    ),
    # the worker's quiz: public, reached by its link's session or its check's officers
    "GET /spot/quiz/{worker_id}": Spec(lambda s: [Call({"worker_id": s.spot_worker})], owners=OFFICERS),
    "GET /api/v1/spotchecks/quiz/{worker_id}": Spec(lambda s: [Call({"worker_id": s.spot_worker})], owners=OFFICERS),
    "POST /api/v1/spotchecks/quiz/{worker_id}/start": Spec(
        lambda s: [Call({"worker_id": s.spot_worker})], owners=OFFICERS
    ),
    "POST /api/v1/spotchecks/quiz/{worker_id}/answers": Spec(
        lambda s: [Call({"worker_id": s.spot_worker}, json={"entries": [{"seq": 1, "n": 1, "response": True}]})],
        owners=OFFICERS,
    ),
    "POST /api/v1/spotchecks/quiz/{worker_id}/submit": Spec(
        lambda s: [Call({"worker_id": s.spot_worker})], owners=OFFICERS
    ),
    # a link's secret is the capability: whoever holds it opens the page; the first start spends it
    "GET /spot/q/{secret}": Spec(
        lambda s: [Call({"secret": s.spot_secret}, missing=LINK_USED)], owners=ROLES_SET, open_to=ROLES_SET
    ),
    "POST /spot/q/{secret}": Spec(
        lambda s: [Call({"secret": s.spot_secret}, data={}, missing=LINK_USED)], owners=ROLES_SET, open_to=ROLES_SET
    ),
}


# --- the world -------------------------------------------------------------------------------------


@dataclass
class World:
    app: FastAPI
    database: Database
    sides: dict[str, Side]
    staff: dict[tuple[str, str], str] = field(default_factory=dict)  # (role, side) -> username
    candidates: dict[str, int] = field(default_factory=dict)  # side -> registration id


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(ZONE))


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content and "json" in response.headers.get("content-type", "") else None


class Builder:
    """Arranges the world through the services (the admin's part) and the API (the day)."""

    def __init__(self, arranged: Arranged, app: FastAPI) -> None:
        self.arranged, self.app, self.database = arranged, app, arranged.database
        self.day = arranged.starts_at.date()
        self.clients: dict[str, TestClient] = {}
        self.people = iter(range(1, 200))

    def client(self, username: str) -> TestClient:
        if username not in self.clients:
            self.clients[username] = log_in(TestClient(self.app), username)
        return self.clients[username]

    def anonymous(self) -> TestClient:
        """A browser nobody is logged in on (a candidate looking up a result)."""
        if "" not in self.clients:
            self.clients[""] = TestClient(self.app)
        return self.clients[""]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    def site(self, side: str) -> tuple[int, int]:
        if side == "A":
            return self.arranged.site_id, self.arranged.room_id
        with self.database.transaction() as db:
            site = sittings.add_site(db, area_code="140105", code="02", name="大同考点", actor=TEST_ACTOR)
            room = sittings.add_room(db, site_id=site.id, name="第一考场", seats=30, columns=6, actor=TEST_ACTOR)
            return site.id, room.id

    def sitting(self, room_id: int, starts_at: datetime, staff: list[tuple[int, str]]) -> tuple[int, list[str]]:
        """A sitting with three candidates seated, its staff assigned, opened: its id and the
        candidates' ID numbers in seat order."""
        numbers = [next(self.people) for _ in range(3)]
        with self.database.transaction() as db:
            if starts_at == self.arranged.starts_at and room_id == self.arranged.room_id:
                sitting_id = self.arranged.sitting_id
            else:
                sitting_id = sittings.schedule(
                    db,
                    exam_id=self.arranged.exam_id,
                    room_id=room_id,
                    starts_at=starts_at,
                    actor=TEST_ACTOR,
                    timezone=ZONE,
                ).id
            sittings.import_roster(
                db,
                sitting_id=sitting_id,
                filename="roster.csv",
                data=roster_csv([person(n) for n in numbers]),
                actor=TEST_ACTOR,
                timezone=ZONE,
            )
            sittings.assign_seats(db, sitting_id=sitting_id, mode="ordered", actor=TEST_ACTOR)
            for user_id, role in staff:
                staffing.assign(db, sitting_id=sitting_id, user_id=user_id, role=role, actor=TEST_ACTOR)
            sittings.open_sitting(db, sitting_id=sitting_id, actor=TEST_ACTOR, timezone=ZONE)
        return sitting_id, [id_number(BORN, n) for n in numbers]

    def staff(self, username: str, role: str) -> int:
        user = add_staff(self.database, username, role)
        if role in ("proctor", "chief_examiner"):
            with self.database.transaction() as db:
                staffing.add_to_pool(db, user_id=user.id, institution_id=None, trainer=False, actor=TEST_ACTOR)
        return user.id

    def tickets(self, sitting_id: int) -> list[Registration]:
        with self.database.transaction(write=False) as db:
            return list(
                db.scalars(
                    select(Registration).where(Registration.sitting_id == sitting_id).order_by(Registration.seat)
                )
            )

    def log_in_candidate(self, ticket: str, number: str) -> tuple[TestClient, int]:
        browser = TestClient(self.app)
        self.clients[f"candidate:{ticket}"] = browser
        made = _ok(browser.post("/api/v1/delivery/login", json={"ticket": ticket, "id_number": number}))
        browser.headers["X-CSRF-Token"] = made["csrf_token"]
        return browser, int(made["attempt"])


def _judge(builder: Builder, username: str, n: int) -> int:
    user = add_staff(builder.database, username, "judge")
    with builder.database.transaction() as db:
        panels.add_judge(db, user_id=user.id, institution_name=f"评委单位{n}", actor=TEST_ACTOR)
    return user.id


def build_world(arranged: Arranged, app: FastAPI) -> World:
    b = Builder(arranged, app)
    try:
        return _build(b)
    finally:
        b.close()


def _build(b: Builder) -> World:
    world = World(b.app, b.database, {})
    for role in ("admin", "inspector", "trainer"):
        b.staff(f"{role}_x", role)
        world.staff[(role, "A")] = world.staff[(role, "B")] = f"{role}_x"
    admin = b.client("admin_x")
    morning, afternoon = b.arranged.starts_at, _at(b.day, 14)
    plan = _ok(
        admin.post(
            "/api/v1/assessments/plans/presets",
            json={"preset": "teacher", "name": "师资考核", "category": "煤矿安全培训", "exam_id": b.arranged.exam_id},
        ),
        201,
    )["id"]

    parts: dict[str, dict[str, Any]] = {}
    for side in ("A", "B"):
        low = side.lower()
        chief, proctor = b.staff(f"chief_{low}", "chief_examiner"), b.staff(f"proctor_{low}", "proctor")
        second = b.staff(f"proctor_{low}2", "proctor")
        world.staff[("chief_examiner", side)] = f"chief_{low}"
        world.staff[("proctor", side)] = f"proctor_{low}"
        site, room = b.site(side)
        staff = [(chief, "chief_examiner"), (proctor, "proctor"), (second, "proctor")]
        held, held_ids = b.sitting(room, morning, staff)
        running, running_ids = b.sitting(room, afternoon, staff)
        parts[side] = {
            "site": site,
            "chief": chief,
            "held": held,
            "running": running,
            "held_ids": held_ids,
            "running_ids": running_ids,
        }

    # The morning: everyone sits and submits; the chief examiner seals; results are published;
    # two candidates appeal, one appeal regraded and proposed.
    clock.freeze(morning)
    for side, p in parts.items():
        low = side.lower()
        seated = b.tickets(p["held"])
        browsers = [b.log_in_candidate(r.ticket or "", n) for r, n in zip(seated, p["held_ids"], strict=True)]
        _ok(b.client(f"proctor_{low}").post(f"/api/v1/delivery/sittings/{p['held']}/authorize", json={"all": True}))
        for browser, attempt in browsers:
            _ok(browser.post(f"/api/v1/delivery/attempts/{attempt}/start"))
            entries = [{"seq": n, "n": n, "response": n % 2 == 0} for n in range(1, 11)]
            _ok(browser.post(f"/api/v1/delivery/attempts/{attempt}/answers", json={"entries": entries}))
            _ok(browser.post(f"/api/v1/delivery/attempts/{attempt}/submit"))
        p["held_registration"] = seated[0].id
        p["held_seated"] = [(r.ticket or "", n) for r, n in zip(seated, p["held_ids"], strict=True)]
    clock.freeze(morning + timedelta(hours=1))
    for side, p in parts.items():
        _ok(b.client(f"chief_{side.lower()}").post(f"/api/v1/grading/sittings/{p['held']}/seal"))
        _ok(admin.post(f"/api/v1/grading/sittings/{p['held']}/publish"), 204)
        appeals = [
            _ok(
                b.anonymous().post(
                    "/api/v1/grading/results/appeals",
                    json={"ticket": t, "id_number": n, "reason": "成绩有误，申请复核"},
                ),
                201,
            )["id"]
            for t, n in p["held_seated"][:2]
        ]
        _ok(admin.post(f"/api/v1/grading/appeals/{appeals[0]}/regrade"))
        _ok(admin.post(f"/api/v1/grading/appeals/{appeals[0]}/proposal", json={"score": None, "note": "维持原成绩"}))
        p["appeal_proposed"], p["appeal_filed"] = appeals

    # The afternoon: two candidates under way (one warned, one with a misconduct proposal), one
    # logged in and waiting.
    clock.freeze(afternoon)
    for side, p in parts.items():
        low = side.lower()
        seated = b.tickets(p["running"])
        browsers = [b.log_in_candidate(r.ticket or "", n) for r, n in zip(seated, p["running_ids"], strict=True)]
        proctor = b.client(f"proctor_{low}")
        started = [attempt for _, attempt in browsers[:2]]
        _ok(proctor.post(f"/api/v1/delivery/sittings/{p['running']}/authorize", json={"attempt_ids": started}))
        for browser, attempt in browsers[:2]:
            _ok(browser.post(f"/api/v1/delivery/attempts/{attempt}/start"))
        first, second = started
        entries = [{"seq": 1, "n": 1, "response": True}]
        _ok(browsers[0][0].post(f"/api/v1/delivery/attempts/{first}/answers", json={"entries": entries}))
        base = f"/api/v1/proctoring/sittings/{p['running']}"
        _ok(proctor.post(f"{base}/warnings", json={"attempt_id": first, "note": "东张西望"}), 201)
        p["case"] = _ok(proctor.post(f"{base}/misconduct", json={"attempt_id": second, "facts": "夹带纸条"}), 201)["id"]
        p["attempt"], p["peer_attempt"] = first, second
        p["registration"], p["waiting_registration"] = seated[0].id, seated[2].id
        world.candidates[side] = seated[0].id
    clock.freeze(afternoon + timedelta(minutes=10))

    # Two assessments, each with its own chief examiner and a panel of three, the panels apart:
    # side A's judges declare a conflict with side B's candidates, so they are never drawn there.
    judges: dict[str, list[int]] = {}
    for side, p in parts.items():
        low = side.lower()
        judges[side] = [_judge(b, f"judge_{low}{n}", n + (0 if side == "A" else 3)) for n in range(1, 4)]
        world.staff[("judge", side)] = f"judge_{low}1"
        if side == "B":
            with b.database.transaction() as db:
                for user_id in judges["A"]:
                    for number in p["held_ids"][:2]:
                        panels.declare_conflict(
                            db,
                            user_id=user_id,
                            institution_name="",
                            id_number=number,
                            reason="亲属关系",
                            actor=TEST_ACTOR,
                        )
        aid = _ok(
            admin.post(
                "/api/v1/assessments",
                json={"plan_id": plan, "name": f"师资考核{side}", "held_on": b.day.isoformat(), "panel_size": 3},
            ),
            201,
        )["id"]
        for number in p["held_ids"][:2]:
            _ok(admin.post(f"/api/v1/assessments/{aid}/candidates", json={"id_number": number, "institution": ""}), 201)
        _ok(admin.post(f"/api/v1/assessments/{aid}/chief", json={"user_id": p["chief"]}), 204)
        drawn = _ok(admin.post(f"/api/v1/assessments/{aid}/panel/draw"))["drawn"]
        assert sorted(drawn) == sorted(judges[side])
        _ok(admin.post(f"/api/v1/assessments/{aid}/open"), 204)
        entry = min(e["id"] for e in _ok(admin.get(f"/api/v1/assessments/{aid}"))["entries"])
        for n, total in ((1, 75), (2, 80)):
            _ok(
                b.client(f"judge_{low}{n}").post(
                    f"/api/v1/assessments/judging/{aid}/entries/{entry}/parts/{PART}",
                    json={"marks": lecture_marks(total)},
                )
            )
        p["assessment"], p["entry"] = aid, entry

    # Two spot checks, each opened by its side's officer with a partner and confirmed, a worker
    # added and a one-time link made for the worker's phone.
    for side, p in parts.items():
        low = side.lower()
        officer, partner = b.staff(f"officer_{low}", "officer"), b.staff(f"officer_{low}2", "officer")
        world.staff[("officer", side)] = f"officer_{low}"
        mine, theirs = Actor(f"officer_{low}", "officer", "test"), Actor(f"officer_{low}2", "officer", "test")
        with b.database.transaction() as db:
            check = spot_checks.open_check(
                db,
                enterprise=f"{side}煤业",
                place="主井口",
                held_on=b.day,
                partner_id=partner,
                user_id=officer,
                actor=mine,
            )
            p["spot_check"], p["spot_enterprise"] = check.id, check.enterprise_id
        with b.database.transaction() as db:
            spot_checks.confirm_open(db, check_id=p["spot_check"], user_id=partner, actor=theirs)
        with b.database.transaction() as db:
            form = spot_workers.WorkerForm(
                "", id_number(BORN, 190 if side == "A" else 191), f"工人{side}", "special_operations", SPOT_CATEGORY
            )
            worker = spot_workers.add_worker(
                db, check_id=p["spot_check"], form=form, user_id=officer, actor=mine, timezone=ZONE
            )
            p["spot_worker"] = worker.id
            p["spot_secret"] = spot_workers.make_link(db, worker_id=worker.id, user_id=officer, actor=mine)

    with b.database.transaction(write=False) as db:
        for side, p in parts.items():
            scores = {
                s.judge_id: s.id
                for s in db.scalars(select(JudgeScore).where(JudgeScore.assessment_id == p["assessment"]))
            }
            morning_sitting = db.get(Sitting, p["held"])
            afternoon_sitting = db.get(Sitting, p["running"])
            assert morning_sitting is not None and afternoon_sitting is not None
            assert morning_sitting.draw_id is not None and afternoon_sitting.draw_id is not None
            paper = db.scalar(select(Paper.id).where(Paper.draw_id == afternoon_sitting.draw_id).order_by(Paper.id))
            assert paper is not None
            world.sides[side] = Side(
                name=side,
                site=p["site"],
                held=p["held"],
                running=p["running"],
                held_chain=morning_sitting.chain,
                held_draw=morning_sitting.draw_id,
                running_draw=afternoon_sitting.draw_id,
                paper=paper,
                held_registration=p["held_registration"],
                registration=p["registration"],
                waiting_registration=p["waiting_registration"],
                attempt=p["attempt"],
                peer_attempt=p["peer_attempt"],
                case=p["case"],
                appeal_filed=p["appeal_filed"],
                appeal_proposed=p["appeal_proposed"],
                assessment=p["assessment"],
                entry=p["entry"],
                judge=judges[side][0],
                peer_judge=judges[side][1],
                score=scores[judges[side][0]],
                peer_score=scores[judges[side][1]],
                chief=p["chief"],
                id_number=p["held_ids"][2],
                spot_check=p["spot_check"],
                spot_worker=p["spot_worker"],
                spot_enterprise=p["spot_enterprise"],
                spot_secret=p["spot_secret"],
            )
            # The world is what the table says it is.
            assert db.get(MisconductCase, p["case"]) is not None
            assert {
                a.state
                for a in db.scalars(select(Appeal).where(Appeal.id.in_([p["appeal_filed"], p["appeal_proposed"]])))
            } == {"filed", "proposed"}
            under_way = db.get(Attempt, p["attempt"])
            assert under_way is not None and under_way.state == "in_progress"
    return world


# --- calling ---------------------------------------------------------------------------------------


def _cookies(settings: Settings, world: World, role: str, side: str) -> dict[str, str]:
    """The session cookie of the role's member on this side, made from the account as it is now."""
    session: dict[str, Any] = {"csrf": TOKEN}
    if role == "candidate":
        with world.database.transaction(write=False) as db:
            registration = db.get(Registration, world.candidates[side])
            attempt = db.scalar(select(Attempt).where(Attempt.registration_id == world.candidates[side]))
            assert registration is not None and attempt is not None
            session["who"] = {
                "k": "candidate",
                "i": registration.id,
                "n": registration.ticket,
                "r": "candidate",
                "g": attempt.generation,
            }
    elif role != "anonymous":
        with world.database.transaction(write=False) as db:
            user = db.scalar(select(User).where(User.username == world.staff[(role, side)]))
            assert user is not None
            session["who"] = {"k": "staff", "i": user.id, "n": user.username, "r": role, "g": user.session_generation}
    return {"examhall_session": session_cookie(settings, session)}


def _send(client: TestClient, method: str, template: str, call: Call, cookies: dict[str, str]) -> httpx.Response:
    url = re.sub(r"\{(\w+)\}", lambda m: str(call.path[m.group(1)]), template)
    client.cookies.clear()
    client.cookies.update(cookies)
    kwargs: dict[str, Any] = {"headers": {"X-CSRF-Token": TOKEN}, "follow_redirects": False}
    if call.json is not None:
        kwargs["json"] = call.json
    if call.data is not None:
        kwargs["data"] = call.data
    if call.files is not None:
        kwargs["files"] = call.files
    response: httpx.Response = client.request(method, url, **kwargs)
    return response


def _refused_by_role(response: httpx.Response) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("location", "")
    return response.status_code == 303 and (location.startswith("/login") or location == "/exam")


def _refused(response: httpx.Response, call: Call) -> bool:
    """Refused by who is asking: a refusal of the role, or the object not found for them."""
    if response.status_code == 404:
        return not (call.missing and call.missing in response.text)
    return _refused_by_role(response)


@dataclass(frozen=True)
class Cell:
    key: str
    role: str
    side: str
    whose: str  # "own", "other", "peer", "mixed"
    call: Call


def _effective(spec: Spec, declared: frozenset[str]) -> frozenset[str]:
    """The roles a route lets through to their own side's objects: those it declares, or for a
    public route the owners its spec names."""
    return spec.owners if "public" in declared else declared


def _cells(spec: Spec, key: str, roles: frozenset[str], world: World) -> Iterator[Cell]:
    """Every role, on each side: its own objects and the other side's; for a declared role also a
    neighbour's (a candidate's, a judge's) and the mixed calls."""
    for role in ROLES:
        for side, other in (("A", "B"), ("B", "A")):
            own, theirs = world.sides[side], world.sides[other]
            own_calls = spec.calls(own)
            yield from (Cell(key, role, side, "own", call) for call in own_calls)
            yield from (Cell(key, role, side, "other", call) for call in spec.calls(theirs))
            if role not in roles:
                continue
            if role in PEERS:
                peer = [call for call in spec.calls(own.peer()) if call not in own_calls]
                yield from (Cell(key, role, side, "peer", call) for call in peer)
            if spec.mixed is not None:
                yield from (Cell(key, role, side, "mixed", call) for call in spec.mixed(own, theirs))


def _judge_cell(cell: Cell, roles: frozenset[str], response: httpx.Response, spec: Spec) -> str | None:
    """What is wrong with the answer to this cell, or None. `roles` are the effective ones."""
    status = response.status_code
    if status >= 500:
        return f"{status} (server error)"
    if cell.role not in roles:
        # a public route refuses someone who is not its owner by not finding the object for them
        refused = _refused(response, cell.call) if spec.owners else _refused_by_role(response)
        return None if refused else f"{status} but the role is not declared"
    if cell.whose == "mixed":
        return f"{status}: mixed objects went through" if status < 300 else None
    if cell.whose == "own" or cell.role in SEES_ALL | spec.open_to:
        return f"{status}: refused its own object" if _refused(response, cell.call) else None
    if status in (403, 404) and not (status == 404 and cell.call.missing and cell.call.missing in response.text):
        return None
    return f"{status}: someone else's object was not refused"


@pytest.fixture
def world(arranged: Arranged, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> World:
    async def gone(_request: Request) -> bool:
        return True  # a live room's event stream sends its first state and ends

    monkeypatch.setattr(Request, "is_disconnected", gone)
    return build_world(arranged, app)


def _key(method: str, path: str) -> str:
    return f"{method} {path}"


def _with_parameters(app: FastAPI) -> dict[str, frozenset[str]]:
    """Every route with a path parameter, by "METHOD path", with its declared roles."""
    found = {}
    for route in _routes(app):
        if "{" not in route.path:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            found[_key(method, route.path)] = _declared(route.dependant) or frozenset()
    return found


def test_every_route_with_a_path_parameter_is_mapped_or_said_to_be_unscoped(app: FastAPI) -> None:
    routes = _with_parameters(app)
    unmapped = sorted(k for k in routes if k not in ROUTES and k not in NOT_SCOPED)
    assert unmapped == [], f"routes with path parameters neither in ROUTES nor in NOT_SCOPED: {unmapped}"
    stale = sorted(k for k in [*ROUTES, *NOT_SCOPED] if k not in routes)
    assert stale == [], f"entries for routes that do not exist: {stale}"
    assert not set(ROUTES) & set(NOT_SCOPED)
    scoped = sorted(k for k in NOT_SCOPED if routes[k] - {"admin"})
    assert scoped == [], f"listed as the admin's alone but declared for more roles: {scoped}"
    # Every role a mapped route is declared for is one the table above says what it owns.
    unplaced = sorted(
        f"{k}: {r}" for k in ROUTES for r in _effective(ROUTES[k], routes[k]) if r not in SEES_ALL | SCOPED | ROLES_SET
    )
    assert all(ROUTES[k].owners for k in ROUTES if "public" in routes[k]), "a public route in ROUTES names its owners"
    assert unplaced == [], f"roles whose objects the table does not place: {unplaced}"


def test_someone_elses_object_is_refused_and_ones_own_is_not(app: FastAPI, settings: Settings, world: World) -> None:
    routes = _with_parameters(app)
    client = TestClient(app, raise_server_exceptions=False)
    cells = [
        (cell, _effective(spec, routes[key]))
        for key, spec in ROUTES.items()
        for cell in _cells(spec, key, _effective(spec, routes[key]), world)
    ]
    cookies = {(role, side): _cookies(settings, world, role, side) for role in ROLES for side in ("A", "B")}
    wrong: list[str] = []
    # Someone else's objects first, while every object is as the world made it (a refusal
    # changes nothing); then the mixed calls; then one's own, which may change what they act on.
    for phase in (("other", "peer"), ("mixed",), ("own",)):
        for cell, roles in sorted(cells, key=lambda c: c[0].key in LAST):
            if cell.whose not in phase:
                continue
            method, template = cell.key.split(" ", 1)
            response = _send(client, method, template, cell.call, cookies[(cell.role, cell.side)])
            problem = _judge_cell(cell, roles, response, ROUTES[cell.key])
            if problem is not None:
                wrong.append(f"{cell.key} as {cell.role} of {cell.side}, {cell.whose} {cell.call.path}: {problem}")
    client.close()
    counted = {whose: sum(1 for c, _ in cells if c.whose == whose) for whose in ("own", "other", "peer", "mixed")}
    assert counted["own"] > 1000 and counted["other"] > 1000, counted
    assert wrong == [], "\n".join(wrong)
