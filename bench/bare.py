"""The bare limit: the same HTTP stack as examhall (FastAPI on uvicorn, a JSON body, SQLite in
WAL mode, each commit synced to disk as examhall's are) saving one row per request with no
business logic, no session, no trace. The answer save's throughput is reported as a share of
this, which holds on a noisy machine.
Run: python -m bench.bare DB_PATH PORT"""

import sqlite3
import sys
import threading
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel


class Entry(BaseModel):
    seq: int
    n: int
    response: Any = None


class Entries(BaseModel):
    entries: list[Entry]


def make_app(path: str) -> FastAPI:
    app = FastAPI()
    local = threading.local()
    lock = threading.Lock()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "db"):
            local.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            local.db.execute("PRAGMA journal_mode=WAL")
            local.db.execute("PRAGMA synchronous=FULL")
            local.db.execute(
                "CREATE TABLE IF NOT EXISTS saves (attempt INTEGER, n INTEGER, response TEXT, seq INTEGER)"
            )
        db: sqlite3.Connection = local.db
        return db

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.post("/api/v1/delivery/login")
    def login(body: dict[str, Any]) -> dict[str, Any]:
        return {"attempt": int(str(body.get("ticket", "0"))[-6:] or 0), "csrf_token": "x"}

    @app.post("/api/v1/delivery/attempts/{attempt}/answers")
    def save(attempt: int, body: Entries) -> dict[str, Any]:
        entry = body.entries[0]
        with lock:
            db = connection()
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO saves VALUES (?, ?, ?, ?)", (attempt, entry.n, str(entry.response), entry.seq))
            db.execute("COMMIT")
        return {"applied": [entry.seq], "ignored": []}

    return app


if __name__ == "__main__":
    uvicorn.run(make_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
