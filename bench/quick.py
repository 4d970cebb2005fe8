"""A quick run for measuring one change at a time: a few hundred candidates seeded, a start storm,
then 64 clients saving as fast as answered after a warm-up. Prints the server's CPU per start and
per save, and the saves a second, for each round. SQLite, or PostgreSQL with --postgres URL.
Run: PYTHONPATH=. python -m bench.quick [--candidates 300] [--rounds 2] [--postgres URL]"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import loadgen
from bench.run import KEYS, Spent, Watch, emit, free_port, postgres_database, serving


async def play(base: str, seeded: dict[str, Any], args: argparse.Namespace, watch: Watch) -> None:
    async with loadgen.shared_session() as session:
        people = [loadgen.Candidate(base, login, session) for login in seeded["candidates"][: args.candidates]]
        await loadgen.gather_limited([c.log_in() for c in people], 100)
        await loadgen.authorize_all(base, seeded["admin"], seeded["sittings"])
        await asyncio.sleep(4)  # the sittings start a few seconds after seeding
        spent = Spent(watch)
        storm = await loadgen.start_storm(people)
        server, _ = spent()
        cost = round(server * 1000 / len(people), 2)
        emit({"scenario": "start_storm", "p99_s": storm["p99_s"], "server_cpu_ms_per_op": cost})
        await loadgen.saturate(people[: args.clients], seconds=4)  # warm-up
        for _ in range(args.rounds):
            spent = Spent(watch)
            most = await loadgen.saturate(people[: args.clients], seconds=args.seconds)
            server, _ = spent()
            emit(
                {
                    "scenario": "saturation",
                    "per_second": most["per_second"],
                    "p99_ms": most["p99_ms"],
                    "errors": most["errors"],
                    "server_cpu_ms_per_op": round(server * 1000 / most["requests"], 2),
                }
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", help="a PostgreSQL server's URL: a fresh database is made on it")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="examhall-quick-"))
    url = postgres_database(args.postgres) if args.postgres else f"sqlite:///{folder / 'quick.db'}"
    subprocess.run(
        [sys.executable, "-m", "bench.seed", url, str(args.candidates), str(folder / "seed.json"), "3"],
        check=True,
        env={**os.environ, **KEYS, "PYTHONPATH": os.getcwd()},
    )
    seeded = json.loads((folder / "seed.json").read_text(encoding="utf-8"))
    port = free_port()
    command = [sys.executable, "-m", "examhall", "serve", "--port", str(port)]
    with serving(command, {**os.environ, **KEYS, "EXAMHALL_DATABASE_URL": url}, port, folder / "server.log") as watch:
        asyncio.run(play(f"http://127.0.0.1:{port}", seeded, args, watch))


if __name__ == "__main__":
    main()
