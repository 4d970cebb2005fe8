"""The bare app (bench/bare.py) on uvicorn, as examhall serves, and on granian: requests a second
and server CPU per request under 64 saving clients, each server twice, alternately. granian is not
one of examhall's dependencies: `pip install granian` first.
Run: PYTHONPATH=. python -m bench.servers"""

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from bench.run import Spent, bare_run, emit, free_port, serving


def measure(label: str, command: list[str], port: int, env: dict[str, str], log: Path) -> None:
    with serving(command, env, port, log) as watch:
        asyncio.run(bare_run(f"http://127.0.0.1:{port}", argparse.Namespace(clients=64, saturate=4)))  # warm-up
        spent = Spent(watch)
        found = asyncio.run(bare_run(f"http://127.0.0.1:{port}", argparse.Namespace(clients=64, saturate=15)))
        server, _ = spent()
    emit(
        {
            "server": label,
            "per_second": found["per_second"],
            "p99_ms": found["p99_ms"],
            "server_cpu_ms_per_request": round(server * 1000 / found["requests"], 3),
        }
    )


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="examhall-servers-"))
    env = {**os.environ, "PYTHONPATH": f"{os.getcwd()}{os.pathsep}{folder}"}
    granian = str(Path(sys.executable).parent / "granian")
    for run in range(2):
        port = free_port()
        uvicorn = [sys.executable, "-m", "bench.bare", str(folder / f"u{run}.db"), str(port)]
        measure("uvicorn", uvicorn, port, env, folder / "u.log")
        (folder / f"bare_{run}.py").write_text(
            f"from bench.bare import make_app\napp = make_app({str(folder / f'g{run}.db')!r})\n", encoding="utf-8"
        )
        port = free_port()
        command = [granian, "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        measure("granian", [*command, "--log-level", "warning", f"bare_{run}:app"], port, env, folder / "g.log")


if __name__ == "__main__":
    main()
