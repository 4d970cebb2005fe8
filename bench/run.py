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


def measured(
    scenario: str, database: str, found: dict[str, Any], operations: int, spent: tuple[float, float]
) -> dict[str, Any]:
    """A scenario's result with the CPU the server and this generator spent on it, and the
    server's CPU per operation (a candidate's start and paper, a save, a submit)."""
    server, generator = spent
    return emit(
        {
            "scenario": scenario,
            "database": database,
            **found,
            "server_cpu_s": round(server, 1),
            "server_cpu_ms_per_op": round(server * 1000 / operations, 2) if operations else None,
            "generator_cpu_s": round(generator, 1),
        }
    )


class Spent:
    """CPU seconds of the server and of the generator since it was made."""

    def __init__(self, watch: Watch) -> None:
        self.watch = watch
        self.server, self.generator = watch.cpu_seconds(), generator_cpu()

    def __call__(self) -> tuple[float, float]:
        return self.watch.cpu_seconds() - self.server, generator_cpu() - self.generator


async def candidates_run(
    base: str, seeded: dict[str, Any], args: argparse.Namespace, database: str, watch: Watch
) -> list[dict[str, Any]]:
    results = []
    async with loadgen.shared_session() as session:
        people = [loadgen.Candidate(base, login, session) for login in seeded["candidates"][: args.candidates]]
        await loadgen.gather_limited([c.log_in() for c in people], 200)
        await loadgen.authorize_all(base, seeded["admin"], seeded["sittings"])
        spent = Spent(watch)
        storm = await loadgen.start_storm(people[: args.storm])
        results.append(measured("start_storm", database, storm, storm["holding_paper"], spent()))
        await loadgen.gather_limited([c.press_start() for c in people[args.storm :]], 100)
        spent = Spent(watch)
        answering = await loadgen.steady(people, every=args.every, seconds=args.seconds)
        results.append(measured("steady_answering", database, answering, answering["requests"], spent()))
        spent = Spent(watch)
        most = await loadgen.saturate(people[: args.clients], seconds=args.saturate)
        results.append(measured("saturation", database, most, most["requests"], spent()))
        if args.paced_rate:
            spent = Spent(watch)
            half = await loadgen.paced(people, rate=args.paced_rate, seconds=args.saturate)
            results.append(measured("paced_saves", database, half, half["requests"], spent()))
        spent = Spent(watch)
        done = await loadgen.submit_all(people)
        results.append(measured("submit_all", database, done, done["requests"], spent()))
    results.append(emit({"scenario": "server_memory", "database": database, "peak_mb": round(watch.peak_mb)}))
    return results


async def bare_run(base: str, args: argparse.Namespace) -> dict[str, Any]:
    async with loadgen.shared_session() as session:
        people = [
            loadgen.Candidate(base, {"ticket": f"{n:06d}", "id_number": ""}, session) for n in range(args.clients)
        ]
        for person in people:
            await person.log_in()
            person.items = [{"n": 1, "type": "true_false", "options": [], "blanks": 0}]
        return await loadgen.saturate(people, seconds=args.saturate)


def bare_limit(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """The bare stack's saturation, measured first: the paced scenario runs at half its rate."""
    port = free_port()
    with serving(
        [sys.executable, "-m", "bench.bare", str(folder / "bare.db"), str(port)],
        {**os.environ, "PYTHONPATH": os.getcwd()},
        port,
        folder / "bare.log",
    ) as watch:
        spent = Spent(watch)
        bare = asyncio.run(bare_run(f"http://127.0.0.1:{port}", args))
        return measured("bare_limit", "sqlite", bare, bare["requests"], spent())


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

    bare = find("bare_limit")
    bare_ms = bare.get("server_cpu_ms_per_op") or 0

    def in_bare(found: dict[str, Any]) -> float | None:
        """A scenario's server CPU per operation, in bare requests."""
        cost = found.get("server_cpu_ms_per_op")
        return round(cost / bare_ms, 2) if cost and bare_ms else None

    storm, steady, most, paced = find("start_storm"), find("steady_answering"), find("saturation"), find("paced_saves")
    memory, micro = find("server_memory"), find("micro")
    share = most.get("per_second", 0) / bare["per_second"] if bare.get("per_second") else 0
    trace = micro.get("trace_verify", {})
    bundle = micro.get("bundle_verify", {})
    storm_cost = in_bare(storm)
    targets: dict[str, tuple[Any, bool]] = {
        "start_storm_cpu_per_candidate_in_bare_requests <= 3": (storm_cost, (storm_cost or 1e9) <= 3),
        "saves_share_of_bare_limit >= 0.85": (round(share, 2), share >= 0.85),
        "paced_saves_at_half_the_bare_limit_p99_ms < 100": (paced.get("p99_ms"), (paced.get("p99_ms") or 1e9) < 100),
        "trace_verify_events_per_second >= 100000": (
            trace.get("events_per_second"),
            (trace.get("events_per_second") or 0) >= 100_000,
        ),
        "trace_verify_jobs_2_events_per_second >= 100000": (
            trace.get("events_per_second_jobs_2"),
            (trace.get("events_per_second_jobs_2") or 0) >= 100_000,
        ),
        "bundle_verify_events_per_second >= 100000": (
            bundle.get("events_per_second"),
            (bundle.get("events_per_second") or 0) >= 100_000,
        ),
        "start_storm_p99_s <= 10": (
            storm.get("p99_s"),
            (storm.get("p99_s") or 1e9) <= 10 and storm.get("holding_paper") == storm.get("candidates"),
        ),
        "start_storm_errors == 0": (storm.get("errors"), storm.get("errors") == 0),
        "steady_saves_per_second >= 1000": (steady.get("per_second"), (steady.get("per_second") or 0) >= 1000),
        "steady_p99_ms <= 100": (steady.get("p99_ms"), (steady.get("p99_ms") or 1e9) <= 100),
        "steady_errors == 0": (steady.get("errors"), steady.get("errors") == 0),
        "server_peak_mb < 500": (memory.get("peak_mb"), (memory.get("peak_mb") or 1e9) < 500),
    }
    postgres = find("saturation", "postgresql")
    if postgres:
        # PostgreSQL against SQLite on the same machine: CPU per start and per save, and saves a second.
        for name, scenario in (("start", "start_storm"), ("save", "saturation")):
            lite, pg = (
                find(scenario).get("server_cpu_ms_per_op"),
                find(scenario, "postgresql").get("server_cpu_ms_per_op"),
            )
            ratio = round(pg / lite, 2) if lite and pg else None
            targets[f"postgresql_cpu_per_{name}_vs_sqlite <= 1.5"] = (ratio, (ratio or 1e9) <= 1.5)
        ratio = round(most["per_second"] / postgres["per_second"], 2) if postgres.get("per_second") else None
        targets["sqlite_saves_per_second_vs_postgresql <= 1.5"] = (ratio, (ratio or 1e9) <= 1.5)
    return {
        "scenario": "summary",
        "machine": f"{os.cpu_count()} cores",
        "server_cpu_ms_per_bare_request": bare_ms,
        "cost_in_bare_requests": {
            f"{r['scenario']}/{r['database']}": in_bare(r) for r in results if r.get("server_cpu_ms_per_op")
        },
        "targets": {name: {"value": value, "met": met} for name, (value, met) in targets.items()},
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
    bare = bare_limit(args, folder)
    args.paced_rate = bare["per_second"] / 2
    results = [bare]
    results += run_database("sqlite", f"sqlite:///{folder / 'bench.db'}", args, folder)
    if server := os.environ.get("EXAMHALL_BENCH_POSTGRES_URL"):
        results += run_database("postgresql", postgres_database(server), args, folder)
    emit(summary(results))


if __name__ == "__main__":
    main()
