"""A load generator that plays candidates over HTTP: log in, wait for authorization, start,
answer each item after a think time, change some answers, reload now and then, submit. One
asyncio process with aiohttp, so that on a small machine the server, not this, is measured."""

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def summary(self, seconds: float) -> dict[str, Any]:
        ms = [x * 1000 for x in self.latencies]
        return {
            "requests": len(ms),
            "per_second": round(len(ms) / seconds, 1) if seconds else 0,
            "p50_ms": round(percentile(ms, 0.50), 1),
            "p95_ms": round(percentile(ms, 0.95), 1),
            "p99_ms": round(percentile(ms, 0.99), 1),
            "max_ms": round(max(ms, default=0), 1),
            "errors": sum(self.errors.values()),
            "error_kinds": self.errors,
        }


# A request that waits longer than this (queued for a connection included) counts as an error.
GIVE_UP_SECONDS = 300
FAILED = (aiohttp.ClientError, asyncio.TimeoutError)


def shared_session(connections: int = 512) -> aiohttp.ClientSession:
    """One HTTP client for all candidates: each carries its own session cookie by hand, which
    costs far less than ten thousand clients."""
    return aiohttp.ClientSession(
        # Idle connections are dropped before uvicorn's 5 s keep-alive closes them, or a request
        # sent as the server closes one would count as a server error.
        connector=aiohttp.TCPConnector(limit=connections, keepalive_timeout=4),
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=GIVE_UP_SECONDS),
    )


class Candidate:
    def __init__(self, base: str, login: dict[str, Any], session: aiohttp.ClientSession) -> None:
        self.base, self.login, self.session = base, login, session
        self.headers: dict[str, str] = {}
        self.attempt = 0
        self.items: list[dict[str, Any]] = []
        self.seq = 0

    async def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.session.post(self.base + path, json=body, headers=self.headers) as response:
            return response.status, await response.json(content_type=None) if response.status != 204 else None

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.session.get(self.base + path, headers=self.headers) as response:
            return response.status, await response.json(content_type=None)

    async def log_in(self) -> None:
        body = {"ticket": self.login["ticket"], "id_number": self.login["id_number"]}
        async with self.session.post(self.base + "/api/v1/delivery/login", json=body) as response:
            found = await response.json(content_type=None)
            if response.status != 200:
                raise RuntimeError(f"login {response.status}: {found}")
            cookie = response.cookies.get("examhall_session")
        self.attempt = found["attempt"]
        self.headers = {"X-CSRF-Token": found["csrf_token"]}
        if cookie is not None:
            self.headers["Cookie"] = f"examhall_session={cookie.value}"

    async def press_start(self) -> None:
        """What a candidate's page does pressing start: start, which returns the paper."""
        status, body = await self.post(f"/api/v1/delivery/attempts/{self.attempt}/start")
        if status != 200:
            raise RuntimeError(f"start {status}: {body}")
        self.items = body["items"]
        self.seq = body["last_seq"]

    def next_answer(self, rng: random.Random) -> dict[str, Any]:
        item = rng.choice(self.items)
        self.seq += 1
        if item["type"] == "true_false":
            response: Any = rng.random() < 0.5
        elif item["type"] == "fill_blank":
            response = ["答案"] * item["blanks"]
        elif item["type"] == "multiple_choice":
            response = "".join(sorted(rng.sample("ABCD"[: len(item["options"])], 2)))
        else:
            response = rng.choice("ABCD"[: len(item["options"])])
        return {"seq": self.seq, "n": item["n"], "response": response}

    async def answer(self, rng: random.Random, tally: Tally) -> None:
        entry = self.next_answer(rng)
        began = time.perf_counter()
        try:
            status, body = await self.post(f"/api/v1/delivery/attempts/{self.attempt}/answers", {"entries": [entry]})
        except FAILED as exc:
            tally.error(type(exc).__name__)
            return
        tally.latencies.append(time.perf_counter() - began)
        if status != 200 or body["applied"] != [entry["seq"]]:
            tally.error(f"save {status}")

    async def reload(self, tally: Tally) -> None:
        began = time.perf_counter()
        try:
            status, _ = await self.get(f"/api/v1/delivery/attempts/{self.attempt}/paper")
        except FAILED as exc:
            tally.error(type(exc).__name__)
            return
        tally.latencies.append(time.perf_counter() - began)
        if status != 200:
            tally.error(f"reload {status}")


async def authorize_all(base: str, admin: dict[str, str], sittings: list[int]) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.post(base + "/api/v1/accounts/login", json=admin) as response:
            token = (await response.json())["csrf_token"]
        for sitting in sittings:
            async with session.post(
                f"{base}/api/v1/delivery/sittings/{sitting}/authorize",
                json={"all": True},
                headers={"X-CSRF-Token": token},
            ) as response:
                if response.status != 200:
                    raise RuntimeError(f"authorize {sitting}: {response.status} {await response.text()}")


async def gather_limited(jobs: list[Any], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(job: Any) -> Any:
        async with gate:
            return await job

    return await asyncio.gather(*(one(job) for job in jobs), return_exceptions=True)


async def start_storm(candidates: list[Candidate]) -> dict[str, Any]:
    """Everyone presses start in the same second: how long until each one holds a paper."""
    began = time.perf_counter()
    held: list[float] = []
    errors = Tally()

    async def press(candidate: Candidate) -> None:
        try:
            await candidate.press_start()
            held.append(time.perf_counter() - began)
        except (RuntimeError, *FAILED) as exc:
            errors.error(str(exc)[:40] or type(exc).__name__)

    await asyncio.gather(*(press(c) for c in candidates))
    return {
        "candidates": len(candidates),
        "holding_paper": len(held),
        "p50_s": round(percentile(held, 0.5), 2),
        "p99_s": round(percentile(held, 0.99), 2),
        "max_s": round(max(held, default=0), 2),
        "errors": sum(errors.errors.values()),
        "error_kinds": errors.errors,
    }


async def steady(candidates: list[Candidate], *, every: float, seconds: float, seed: int = 1) -> dict[str, Any]:
    """Each candidate answers every `every` seconds (think time around it), changes earlier
    answers now and then (the same items come back), and reloads the page one time in 50."""
    tally = Tally()
    rng = random.Random(seed)
    stop = time.perf_counter() + seconds

    async def sit(candidate: Candidate, offset: float) -> None:
        await asyncio.sleep(offset)
        local = random.Random(rng.random())
        while time.perf_counter() < stop:
            if local.random() < 0.02:
                await candidate.reload(tally)
            else:
                await candidate.answer(local, tally)
            await asyncio.sleep(every * local.uniform(0.5, 1.5))

    began = time.perf_counter()
    await asyncio.gather(*(sit(c, rng.uniform(0, every)) for c in candidates))
    return {"candidates": len(candidates), "every_s": every, **tally.summary(time.perf_counter() - began)}


async def saturate(candidates: list[Candidate], *, seconds: float) -> dict[str, Any]:
    """As many saves as the server takes: each candidate saves again as soon as answered."""
    tally = Tally()
    stop = time.perf_counter() + seconds
    rng = random.Random(7)

    async def loop(candidate: Candidate) -> None:
        while time.perf_counter() < stop:
            await candidate.answer(rng, tally)

    began = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in candidates))
    return {"clients": len(candidates), **tally.summary(time.perf_counter() - began)}


async def paced(candidates: list[Candidate], *, rate: float, seconds: float) -> dict[str, Any]:
    """Saves arriving at `rate` a second, whether or not earlier ones are answered (an open
    loop, as a room of candidates is): the latency a candidate sees at that load."""
    tally = Tally()
    rng = random.Random(11)
    pending: set[asyncio.Task[None]] = set()
    began = time.perf_counter()
    count = int(rate * seconds)
    for i in range(count):
        delay = began + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(candidates[i % len(candidates)].answer(rng, tally))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return {"clients": len(candidates), "rate": round(rate, 1), **tally.summary(time.perf_counter() - began)}


async def submit_all(candidates: list[Candidate]) -> dict[str, Any]:
    tally = Tally()

    async def one(candidate: Candidate) -> None:
        began = time.perf_counter()
        try:
            status, _ = await candidate.post(f"/api/v1/delivery/attempts/{candidate.attempt}/submit")
        except FAILED as exc:
            tally.error(type(exc).__name__)
            return
        tally.latencies.append(time.perf_counter() - began)
        if status != 200:
            tally.error(f"submit {status}")

    began = time.perf_counter()
    await asyncio.gather(*(one(c) for c in candidates))
    return {"candidates": len(candidates), **tally.summary(time.perf_counter() - began)}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
