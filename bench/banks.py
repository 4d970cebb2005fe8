"""Bank benchmarks: import a 10,000-item Excel file into a fresh database, then search a bank of
50,000 items. Prints one JSON object. Run: .venv/bin/python bench/banks.py [--items 10000]"""

import argparse
import io
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import openpyxl
from alembic import command

from examhall.banks import service
from examhall.banks.formats import Limits, write
from examhall.banks.items import ItemDraft
from examhall.config import Settings
from examhall.db import Database, alembic_config
from examhall.trace.service import Actor

ACTOR = Actor("bench", "system", "bench")
WORDS = "瓦斯 通风 顶板 爆破 电气 排水 火灾 粉尘 运输 提升 监控 自救 检修 支护 探放水 局部通风机 风电闭锁".split()  # noqa: SIM905


def drafts(count: int, seed: int, prefix: str) -> list[ItemDraft]:
    rng = random.Random(seed)
    made = []
    for n in range(count):
        kind = rng.choice(["true_false", "single_choice", "multiple_choice", "fill_blank"])
        stem = f"{prefix}{n}：" + "、".join(rng.sample(WORDS, 4)) + "的安全要求（  ）。"
        options, answer = [], None
        if kind == "true_false":
            answer = rng.random() < 0.5
        elif kind == "fill_blank":
            answer = [[rng.choice(WORDS)]]
        else:
            options = [f"选项{i}{rng.choice(WORDS)}{n}" for i in range(4)]
            answer = [rng.randrange(4)] if kind == "single_choice" else sorted(rng.sample(range(4), 2))
        made.append(
            ItemDraft(
                type=kind,
                stem=stem,
                answer=answer,
                options=options,
                explanation="解析",
                category=rng.choice(["煤矿安全检查作业", "煤矿井下电气作业"]),
                knowledge_points=[rng.choice(WORDS)],
                difficulty=rng.randint(1, 5),
                source="national" if rng.random() < 0.85 else "provincial",
                key=f"{prefix}-{n:06d}",
            )
        )
    return made


def excel(items: list[ItemDraft]) -> bytes:
    data, _ = write("xlsx", code="bench", name="bench", description="", drafts=items, images={})
    book = openpyxl.load_workbook(io.BytesIO(data))  # check it is a plain workbook, as an exam body would upload
    assert book.sheetnames[0] == "题库"
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--bank-size", type=int, default=50_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'bench.db'}"
    command.upgrade(alembic_config(url), "head")
    database = Database(Settings(database_url=url, _env_file=None))  # type: ignore[call-arg]

    data = excel(drafts(args.items, 1, "A"))
    started = time.perf_counter()
    with database.transaction() as db:
        report = service.import_file(db, code="bench", filename="bench.xlsx", data=data, actor=ACTOR, name="bench")
    import_seconds = time.perf_counter() - started
    assert report.added == args.items

    limits = Limits(max_items=args.bank_size)
    for batch in range(1, args.bank_size // args.items):
        batch_data, _ = write(
            "json",
            code="bench",
            name="bench",
            description="",
            drafts=drafts(args.items, batch + 1, f"B{batch}"),
            images={},
        )
        with database.transaction() as db:
            service.import_file(db, code="bench", filename="more.json", data=batch_data, actor=ACTOR, limits=limits)

    searches = [
        service.ItemFilter(q="局部通风机"),
        service.ItemFilter(type="multiple_choice"),
        service.ItemFilter(category="煤矿井下电气作业", difficulty=3),
        service.ItemFilter(knowledge_point="瓦斯"),
        service.ItemFilter(q="A1234"),
        service.ItemFilter(),
    ]
    timings = []
    for _ in range(5):
        for where in searches:
            with database.transaction(write=False) as db:
                started = time.perf_counter()
                service.search_items(db, code="bench", where=where, limit=50)
                timings.append((time.perf_counter() - started) * 1000)
    with database.transaction(write=False) as db:
        size = service.list_banks(db)[0][1]
    print(
        json.dumps(
            {
                "benchmark": "banks",
                "xlsx_items": args.items,
                "xlsx_bytes": len(data),
                "import_seconds": round(import_seconds, 2),
                "import_target_seconds": 10,
                "import_met": import_seconds < 10,
                "bank_items": size,
                "search_ms_median": round(statistics.median(timings), 1),
                "search_ms_max": round(max(timings), 1),
                "search_target_ms": 50,
                "search_met": max(timings) < 50,
            }
        )
    )
    database.dispose()


if __name__ == "__main__":
    main()
