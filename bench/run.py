"""`make bench`: the load benchmark end to end. Seeds a database, starts examhall, plays
candidates against it (a start storm, steady answering, saturation, submission), measures the
bare limit of the same HTTP stack beside it, runs the micro-benchmarks, and prints one JSON
object per scenario and a summary with each target met or not. SQLite by default; PostgreSQL
too when EXAMHALL_BENCH_POSTGRES_URL is set.

Run: PYTHONPATH=. python -m bench.run [--candidates 10000] [--storm 5000] [--seconds 60]"""

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, make_url, text

from bench import loadgen

KEYS = {"EXAMHALL_SECRET_KEY": "b" * 40, "EXAMHALL_TRACE_KEY": "c" * 40}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Watch:
    """CPU seconds and the most memory of a server process and its children."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[psutil.Process]:
        try:
            return [self.process, *self.process.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            rss = 0
            for p in self._tree():
                with suppress(psutil.NoSuchProcess):
                    rss += p.memory_info().rss
            self.peak_mb = max(self.peak_mb, rss / 1e6)

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in self._tree():
            try:
                times = p.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        self._stop.set()


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[Watch]:
    """The server, its output going to `log` (a pipe nobody reads would stop it once full)."""
    output = log.open("ab")
    process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"the server did not start; see {log}")
        watch = Watch(process.pid)
        yield watch
        watch.stop()
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


def emit(result: dict[str, Any]) -> dict[str, Any]:
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def generator_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def candidates_run(
    base: str, seeded: dict[str, Any], args: argparse.Namespace, database: str, watch: Watch
) -> list[dict[str, Any]]:
    results = []
    async with loadgen.shared_session() as session:
        people = [loadgen.Candidate(base, login, session) for login in seeded["candidates"][: args.candidates]]
        await loadgen.gather_limited([c.log_in() for c in people], 200)
        await loadgen.authorize_all(base, seeded["admin"], seeded["sittings"])
        cpu_server, cpu_self = watch.cpu_seconds(), generator_cpu()
        storm = await loadgen.start_storm(people[: args.storm])
        results.append(
            emit(
                {
                    "scenario": "start_storm",
                    "database": database,
                    **storm,
                    "server_cpu_s": round(watch.cpu_seconds() - cpu_server, 1),
                    "generator_cpu_s": round(generator_cpu() - cpu_self, 1),
                }
            )
        )
        await loadgen.gather_limited([c.start_and_fetch() for c in people[args.storm :]], 100)
        cpu_server, cpu_self = watch.cpu_seconds(), generator_cpu()
        answering = await loadgen.steady(people, every=args.every, seconds=args.seconds)
        results.append(
            emit(
                {
                    "scenario": "steady_answering",
                    "database": database,
                    **answering,
                    "server_cpu_s": round(watch.cpu_seconds() - cpu_server, 1),
                    "generator_cpu_s": round(generator_cpu() - cpu_self, 1),
                }
            )
        )
        cpu_server, cpu_self = watch.cpu_seconds(), generator_cpu()
        most = await loadgen.saturate(people[: args.clients], seconds=args.saturate)
        results.append(
            emit(
                {
                    "scenario": "saturation",
                    "database": database,
                    **most,
                    "server_cpu_s": round(watch.cpu_seconds() - cpu_server, 1),
                    "generator_cpu_s": round(generator_cpu() - cpu_self, 1),
                }
            )
        )
        done = await loadgen.submit_all(people)
        results.append(emit({"scenario": "submit_all", "database": database, **done}))
    results.append(emit({"scenario": "server_memory", "database": database, "peak_mb": round(watch.peak_mb)}))
    return results


async def bare_run(base: str, seeded: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    async with loadgen.shared_session() as session:
        people = [loadgen.Candidate(base, login, session) for login in seeded["candidates"][: args.clients]]
        for person in people:
            await person.log_in()
            person.items = [{"n": 1, "type": "true_false", "options": [], "blanks": 0}]
        return await loadgen.saturate(people, seconds=args.saturate)


def postgres_database(server_url: str) -> str:
    """A fresh database on the server EXAMHALL_BENCH_POSTGRES_URL points at."""
    url = make_url(server_url)
    name = f"examhall_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def run_database(label: str, url: str, args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    seeded_file = folder / f"seed-{label}.json"
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bench.seed", url, str(args.candidates), str(seeded_file), "5"],
        check=True,
        env={**os.environ, **KEYS, "PYTHONPATH": os.getcwd()},
    )
    seeded = json.loads(seeded_file.read_text(encoding="utf-8"))
    emit(
        {
            "scenario": "seed",
            "database": label,
            "candidates": args.candidates,
            "sittings": len(seeded["sittings"]),
            "seconds": round(time.perf_counter() - began),
        }
    )
    port = free_port()
    env = {**os.environ, **KEYS, "EXAMHALL_DATABASE_URL": url}
    command = [sys.executable, "-m", "examhall", "serve", "--port", str(port), "--workers", str(args.workers)]
    with serving(command, env, port, folder / f"server-{label}.log") as watch:
        results = asyncio.run(candidates_run(f"http://127.0.0.1:{port}", seeded, args, label, watch))
    if label == "sqlite":
        port = free_port()
        with serving(
            [sys.executable, "-m", "bench.bare", str(folder / "bare.db"), str(port)],
            {**os.environ, "PYTHONPATH": os.getcwd()},
            port,
            folder / "bare.log",
        ):
            bare = asyncio.run(bare_run(f"http://127.0.0.1:{port}", seeded, args))
        results.append(emit({"scenario": "bare_limit", "database": "sqlite", **bare}))
        micro = subprocess.run(
            [sys.executable, "-m", "bench.micro", url],
            capture_output=True,
            text=True,
            env={**env, "PYTHONPATH": os.getcwd()},
            check=True,
        )
        results.append(emit({**json.loads(micro.stdout), "database": label}))
    return results


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    def find(scenario: str, database: str = "sqlite") -> dict[str, Any]:
        return next((r for r in results if r["scenario"] == scenario and r.get("database") == database), {})

    storm, steady, most, bare = find("start_storm"), find("steady_answering"), find("saturation"), find("bare_limit")
    memory, micro = find("server_memory"), find("micro")
    share = most.get("per_second", 0) / bare["per_second"] if bare.get("per_second") else 0
    targets = {
        "saves_share_of_bare_limit >= 0.5": round(share, 2),
        "steady_saves_per_second >= 1000": steady.get("per_second"),
        "steady_p99_ms <= 100": steady.get("p99_ms"),
        "steady_errors == 0": steady.get("errors"),
        "start_storm_p99_s <= 10": storm.get("p99_s"),
        "start_storm_errors == 0": storm.get("errors"),
        "server_peak_mb < 500": memory.get("peak_mb"),
    }
    met = {
        "saves_share_of_bare_limit >= 0.5": share >= 0.5,
        "steady_saves_per_second >= 1000": (steady.get("per_second") or 0) >= 1000,
        "steady_p99_ms <= 100": (steady.get("p99_ms") or 1e9) <= 100,
        "steady_errors == 0": steady.get("errors") == 0,
        "start_storm_p99_s <= 10": (storm.get("p99_s") or 1e9) <= 10
        and storm.get("holding_paper") == storm.get("candidates"),
        "start_storm_errors == 0": storm.get("errors") == 0,
        "server_peak_mb < 500": (memory.get("peak_mb") or 1e9) < 500,
    }
    return {
        "scenario": "summary",
        "machine": f"{os.cpu_count()} cores",
        "targets": {name: {"value": targets[name], "met": met[name]} for name in targets},
        "micro": micro,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--storm", type=int, default=5_000)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between a candidate's saves")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the steady answering lasts")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients in the saturation runs")
    parser.add_argument("--saturate", type=float, default=20.0, help="seconds of each saturation run")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    args.storm = min(args.storm, args.candidates)
    folder = Path(tempfile.mkdtemp(prefix="examhall-bench-"))
    results = run_database("sqlite", f"sqlite:///{folder / 'bench.db'}", args, folder)
    if server := os.environ.get("EXAMHALL_BENCH_POSTGRES_URL"):
        results += run_database("postgresql", postgres_database(server), args, folder)
    emit(summary(results))


if __name__ == "__main__":
    main()
