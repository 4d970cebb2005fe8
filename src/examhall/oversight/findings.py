"""The flags as a reader sees them: what was seen, in which sitting, by whom, the numbers it
rests on and links to the trace that holds the evidence; and sittings whose pass rate is far
from their site's history, found by one GROUP BY over the summaries."""

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from examhall.delivery.models import Attempt
from examhall.oversight import anomalies
from examhall.oversight.models import AttemptFact, Flag
from examhall.sittings.models import Candidate, Exam, Registration, Site, Sitting

OUTLYING = "pass_rate"
KIND_NAMES = {
    anomalies.FAST_HIGH: "用时很短而得分很高",
    anomalies.SIGNALS: "诚信提示信号多",
    anomalies.SHARED_WRONG: "相邻考生有相同的少见错误答案",
    OUTLYING: "场次合格率偏离考点以往水平",
}
OUTLIER_Z = 3.0  # standard errors from the site's other sittings
OUTLIER_MIN_SAT = 5  # candidates in the sitting
OUTLIER_MIN_HISTORY = 30  # candidates in the site's other sittings
PAGE_SIZE = 50


@dataclass(frozen=True)
class SittingLabel:
    id: int
    exam: str
    site: str
    starts_at: datetime


@dataclass
class Finding:
    kind: str
    sitting: SittingLabel
    people: list[str]
    lines: list[str]
    links: list[tuple[str, str]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return KIND_NAMES[self.kind]


def sitting_labels(db: Session, ids: list[int]) -> dict[int, SittingLabel]:
    rows = db.execute(
        select(Sitting.id, Exam.name, Site.name, Sitting.starts_at)
        .join(Exam, Exam.id == Sitting.exam_id)
        .join(Site, Site.id == Sitting.site_id)
        .where(Sitting.id.in_(ids))
    ).all()
    return {i: SittingLabel(i, exam, site, at) for i, exam, site, at in rows}


def _people(db: Session, attempt_ids: list[int]) -> dict[int, str]:
    rows = db.execute(
        select(Attempt.id, Registration.ticket, Registration.seat, Candidate.name)
        .join(Registration, Registration.id == Attempt.registration_id)
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .where(Attempt.id.in_(attempt_ids))
    ).all()
    return {i: f"{name}（{seat}号座，准考证号 {ticket}）" for i, ticket, seat, name in rows}


def _minutes(seconds: int | None) -> str:
    return "—" if seconds is None else f"{seconds // 60}分{seconds % 60:02d}秒"


def _lines(flag: Flag) -> list[str]:
    e = flag.evidence
    if flag.kind == anomalies.FAST_HIGH:
        return [
            f"得分为满分的{e['share'] * 100:.0f}%，用时{_minutes(e['seconds'])}，限时{_minutes(e['allowed'])}",
            f"提示条件：得分不低于满分的{anomalies.HIGH_SHARE:.0%}且用时不超过限时的{anomalies.FAST_SHARE:.0%}",
        ]
    if flag.kind == anomalies.SIGNALS:
        return [f"诚信提示信号{e['signals']}次（离开考试窗口等），提示条件：不少于{anomalies.MANY_SIGNALS}次"]
    items = "；".join(f"试题版本{v}均答“{r}”（全部考生中{s * 100:.0f}%这样答）" for v, r, s in e["items"])
    return [
        f"两人共有{len(e['items'])}道题给出相同的错误答案：{items}",
        f"提示条件：相邻座位，至少{anomalies.SHARED_RARE}道题相同错误，且该答案不超过{anomalies.RARE_SHARE:.0%}的考生选择",
    ]


def flags(
    db: Session, *, kind: str = "", sitting_ids: list[int] | None = None, page: int = 1
) -> tuple[list[Finding], int]:
    query = select(Flag)
    if kind:
        query = query.where(Flag.kind == kind)
    if sitting_ids is not None:
        query = query.where(Flag.sitting_id.in_(sitting_ids))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = list(
        db.scalars(query.order_by(Flag.sitting_id.desc(), Flag.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    )
    labels = sitting_labels(db, sorted({f.sitting_id for f in found}))
    people = _people(db, [a for f in found for a in (f.attempt_id, f.other_attempt_id) if a is not None])
    findings = []
    for flag in found:
        who = [a for a in (flag.attempt_id, flag.other_attempt_id) if a is not None]
        links = [(f"留痕：{people.get(a, a)}的作答", f"/trace?chain=attempt:{a}") for a in who]
        links.append(("留痕：场次", f"/trace?chain=sitting:{flag.sitting_id}"))
        findings.append(
            Finding(flag.kind, labels[flag.sitting_id], [people.get(a, str(a)) for a in who], _lines(flag), links)
        )
    return findings, total


@dataclass(frozen=True)
class Outlier:
    sitting: SittingLabel
    sat: int
    passed: int
    history_sat: int
    history_passed: int
    z: float

    @property
    def rate(self) -> float:
        return self.passed / self.sat

    @property
    def history_rate(self) -> float:
        return self.history_passed / self.history_sat


def outliers(db: Session, *, sitting_ids: list[int] | None = None) -> list[Outlier]:
    """Sittings whose pass rate lies OUTLIER_Z standard errors or more from the pass rate of the
    same site's other candidates."""
    passed = func.sum(case((AttemptFact.passed, 1), else_=0))
    sites = {
        site: (int(n), int(p or 0))
        for site, n, p in db.execute(
            select(AttemptFact.site_id, func.count(), passed).group_by(AttemptFact.site_id)
        ).all()
    }
    query = select(AttemptFact.sitting_id, AttemptFact.site_id, func.count(), passed).where(
        AttemptFact.sitting_id.is_not(None)
    )
    if sitting_ids is not None:
        query = query.where(AttemptFact.sitting_id.in_(sitting_ids))
    found = []
    for sitting_id, site, n, p in db.execute(query.group_by(AttemptFact.sitting_id, AttemptFact.site_id)):
        sat, ok = int(n), int(p or 0)
        history_sat, history_passed = sites[site][0] - sat, sites[site][1] - ok
        if sat < OUTLIER_MIN_SAT or history_sat < OUTLIER_MIN_HISTORY or sitting_id is None:
            continue
        rate = history_passed / history_sat
        spread = math.sqrt(max(rate * (1 - rate), 1e-6) / sat)
        z = (ok / sat - rate) / spread
        if abs(z) >= OUTLIER_Z:
            found.append((sitting_id, sat, ok, history_sat, history_passed, z))
    labels = sitting_labels(db, [f[0] for f in found])
    return sorted(
        (Outlier(labels[i], sat, ok, hs, hp, z) for i, sat, ok, hs, hp, z in found),
        key=lambda o: o.sitting.starts_at,
        reverse=True,
    )
