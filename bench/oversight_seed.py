"""A year of published sittings written straight into the tables (no trace, no seal: oversight
reads neither), as bench/oversight.py measures it: sites, banks, candidates, and for each sitting
its papers, registrations, submitted attempts with their score details, every answer, the exam
records publication writes, and the publication."""

import math
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection

from examhall.banks.items import LABELS
from examhall.banks.models import Bank, Item, ItemVersion
from examhall.delivery.models import Answer, Attempt
from examhall.grading.models import Publication
from examhall.papers.models import Paper, PaperDraw
from examhall.sittings.models import (
    Candidate,
    Enterprise,
    Exam,
    ExamRecord,
    Institution,
    Registration,
    Room,
    Site,
    Sitting,
)
from examhall.sittings.service import neighbours

SEATS, COLUMNS, ITEMS, BANK_ITEMS = 30, 6, 100, 600
CATEGORIES = ["煤矿安全检查作业", "煤矿瓦斯检查作业"]
SITES, ENTERPRISES, INSTITUTIONS = 40, 60, 20
START = datetime(2025, 1, 1, 1, 0, tzinfo=UTC)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _bulk(conn: Connection, model: Any, rows: list[dict[str, Any]], chunk: int = 20_000) -> None:
    for start in range(0, len(rows), chunk):
        conn.execute(insert(_table(model)), rows[start : start + chunk])


def _banks(conn: Connection, chance: random.Random) -> dict[str, list[tuple[int, str, list[int], float]]]:
    """Per category: (version id, type, answer, difficulty) of a bank of BANK_ITEMS items."""
    found: dict[str, list[tuple[int, str, list[int], float]]] = {}
    version_id = 0
    for b, category in enumerate(CATEGORIES, 1):
        conn.execute(
            insert(_table(Bank)),
            [{"id": b, "code": f"bench-{b}", "name": category, "description": "", "created_at": START}],
        )
        items, versions, pool = [], [], []
        for k in range(BANK_ITEMS):
            version_id += 1
            kind = "true_false" if k % 5 < 2 else "single_choice"
            answer: Any = bool(k % 2) if kind == "true_false" else [k % 4]
            options = [] if kind == "true_false" else [f"选项{x}" for x in "ABCD"]
            common = {"type": kind, "stem": f"{category}试题{k}", "category": category, "difficulty": 3}
            items.append(
                {
                    "id": version_id,
                    "bank_id": b,
                    "key": f"Q{k:04d}",
                    "current_version": 1,
                    "fingerprint": f"{version_id:040d}",
                    "retired_at": None,
                    "created_at": START,
                    "knowledge_points": "||",
                    **common,
                }
            )
            versions.append(
                {
                    "id": version_id,
                    "item_id": version_id,
                    "version": 1,
                    "options": options,
                    "answer": answer,
                    "fixed_options": [],
                    "explanation": "",
                    "knowledge_points": [],
                    "source": "national",
                    "reference": "",
                    "effective_from": None,
                    "retire_on": None,
                    "images": [],
                    "content_hash": f"{version_id:064d}",
                    "created_at": START,
                    "created_by": "bench",
                    **common,
                }
            )
            pool.append((version_id, kind, [int(answer)] if kind == "true_false" else answer, chance.gauss(-1.2, 1.0)))
        _bulk(conn, Item, items)
        _bulk(conn, ItemVersion, versions)
        found[category] = pool
    return found


def seed(conn: Connection, *, attempts: int, seed_value: int = 18) -> int:
    """Writes about `attempts` attempts (whole sittings of SEATS) over a year; returns the sittings."""
    chance = random.Random(seed_value)
    pools = _banks(conn, chance)
    _bulk(
        conn,
        Site,
        [
            {"id": s, "area_code": "140105", "code": f"{s:02d}", "name": f"考点{s}", "address": ""}
            for s in range(1, SITES + 1)
        ],
    )
    _bulk(
        conn,
        Room,
        [{"id": s, "site_id": s, "name": "第一考场", "seats": SEATS, "columns": COLUMNS} for s in range(1, SITES + 1)],
    )
    _bulk(conn, Enterprise, [{"id": e, "name": f"企业{e}"} for e in range(1, ENTERPRISES + 1)])
    _bulk(conn, Institution, [{"id": i, "name": f"培训机构{i}"} for i in range(1, INSTITUTIONS + 1)])
    skill = {i: chance.gauss(0, 0.5) for i in range(1, INSTITUTIONS + 1)}
    exams = []
    for e, category in enumerate(CATEGORIES, 1):
        exams.append(
            {
                "id": e,
                "name": f"{category}考试",
                "category": category,
                "blueprint_name": "bench",
                "bank_codes": [f"bench-{e}"],
                "duration_minutes": 120,
                "pass_mark": Decimal(80),
                "required_hours": Decimal(72),
                "requires_code": False,
                "show_score": True,
                "created_at": START,
            }
        )
    _bulk(conn, Exam, exams)
    layout = neighbours(list(range(1, SEATS + 1)), COLUMNS)
    sittings = attempts // SEATS
    failed: dict[str, list[int]] = {c: [] for c in CATEGORIES}
    person = registration = 0
    for s in range(1, sittings + 1):
        exam = 1 + s % len(CATEGORIES)
        category = CATEGORIES[exam - 1]
        site = 1 + s % SITES
        starts = START + timedelta(days=s * 365 // sittings, hours=s % 3)
        pool = pools[category]
        conn.execute(
            insert(_table(PaperDraw)),
            [
                {
                    "id": s,
                    "blueprint": {},
                    "bank_codes": [f"bench-{exam}"],
                    "exam_date": starts.date(),
                    "pool": [],
                    "neighbours": layout,
                    "created_at": starts,
                }
            ],
        )
        conn.execute(
            insert(_table(Sitting)),
            [
                {
                    "id": s,
                    "exam_id": exam,
                    "room_id": site,
                    "site_id": site,
                    "year": starts.year,
                    "ticket_room": f"{(s // SITES) % 99 + 1:02d}",
                    "starts_at": starts,
                    "state": "sealed",
                    "draw_id": s,
                    "created_at": starts,
                }
            ],
        )
        candidates, papers, registrations, tries, answers, records = [], [], [], [], [], []
        failing = []
        for seat in range(1, SEATS + 1):
            registration += 1
            if failed[category] and chance.random() < 0.15:
                candidate = failed[category].pop(chance.randrange(len(failed[category])))
            else:
                person += 1
                candidate = person
                candidates.append(
                    {
                        "id": person,
                        "id_number": f"{person:018d}",
                        "name": f"考生{person}",
                        "gender": "男",
                        "birth_date": date(1985, 1, 1),
                        "phone": "",
                        "enterprise_id": 1 + person % ENTERPRISES,
                    }
                )
            institution = 1 + candidate % INSTITUTIONS
            ability = chance.gauss(1.6, 1.0) + skill[institution]
            chosen = chance.sample(pool, ITEMS)
            choices = [[v, 0, [] if kind == "true_false" else [0, 1, 2, 3]] for v, kind, _, _ in chosen]
            papers.append(
                {
                    "id": registration,
                    "draw_id": s,
                    "seat_index": seat - 1,
                    "seed": chance.getrandbits(62),
                    "seen": [],
                    "choices": choices,
                    "created_at": starts,
                }
            )
            registrations.append(
                {
                    "id": registration,
                    "sitting_id": s,
                    "candidate_id": candidate,
                    "institution_id": institution,
                    "row": seat,
                    "eligible": True,
                    "refusals": [],
                    "override_reason": "",
                    "seat": seat,
                    "ticket": f"{registration:014d}",
                    "paper_id": registration,
                    "extra_minutes": 0,
                    "created_at": starts,
                }
            )
            detail, right = [], 0
            for n, (_, kind, answer, difficulty) in enumerate(chosen, 1):
                correct = chance.random() < 1 / (1 + math.exp(difficulty - ability))
                right += correct
                if kind == "true_false":
                    response: Any = bool(answer[0]) if correct else not answer[0]
                else:
                    response = LABELS[answer[0]] if correct else LABELS[(answer[0] + chance.randint(1, 3)) % 4]
                answers.append(
                    {
                        "attempt_id": registration,
                        "position": n,
                        "response": response,
                        "flagged": False,
                        "seq": n,
                        "flag_seq": 0,
                        "saved_at": starts,
                    }
                )
                detail.append(
                    {
                        "n": n,
                        "awarded": "1.00" if correct else "0.00",
                        "points": "1.00",
                        "rule": "all",
                        "outcome": "correct" if correct else "wrong",
                    }
                )
            used = chance.randint(1800, 7000)
            tries.append(
                {
                    "id": registration,
                    "registration_id": registration,
                    "sitting_id": s,
                    "paper_id": registration,
                    "state": "submitted",
                    "generation": 1,
                    "move_approved": False,
                    "code_hash": "",
                    "logged_in_at": starts,
                    "authorized_at": starts,
                    "started_at": starts,
                    "duration_seconds": 7200,
                    "added_seconds": 0,
                    "paused_seconds": 0,
                    "paused_at": None,
                    "deadline": starts + timedelta(hours=2),
                    "submitted_at": starts + timedelta(seconds=used),
                    "submitted_by": "candidate",
                    "last_seen_at": starts,
                    "last_seq": ITEMS,
                    "signals": chance.choice([0, 0, 0, 1, 2, 6]) if chance.random() < 0.05 else 0,
                    "last_signal": "",
                    "last_signal_at": None,
                    "score": Decimal(right),
                    "score_detail": detail,
                    "voided": False,
                }
            )
            passed = right >= 80
            records.append(
                {
                    "candidate_id": candidate,
                    "category": category,
                    "sat_on": starts.date(),
                    "passed": passed,
                    "sitting_id": s,
                }
            )
            if not passed:
                failing.append(candidate)  # may re-sit from the next sitting on
        failed[category] += failing
        _bulk(conn, Candidate, candidates)
        _bulk(conn, Paper, papers)
        _bulk(conn, Registration, registrations)
        _bulk(conn, Attempt, tries)
        _bulk(conn, Answer, answers)
        _bulk(conn, ExamRecord, records)
        conn.execute(
            insert(_table(Publication)),
            [{"sitting_id": s, "published_by": "bench", "published_at": starts + timedelta(days=1)}],
        )
    return sittings
