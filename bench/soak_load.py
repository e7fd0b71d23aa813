"""The load of a soak: each kind of request, sent at a steady rate, timed and checked."""

import asyncio
import math
import os
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import soak_system
from bench.harness import Process
from tests.report import seed001

ANSWERS = {"1": "满意", "2": "满意", "3": "非常满意"}
KINDS = ("score", "sheet", "sheet again", "evaluation", "results", "report")
Check = Callable[[], Coroutine[Any, Any, str | None]]  # a request: None when it went as it should
Start = Callable[[float], Coroutine[Any, Any, None]]


@dataclass
class Tally:
    """Latencies (s) and errors of one kind of request."""

    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Count, errors and latency percentiles in ms (nearest rank)."""
        ordered = sorted(self.seconds)

        def rank(q: float) -> float | None:
            if not ordered:
                return None
            return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000, 1)

        return {
            "count": len(ordered),
            "errors": self.errors,
            "p50_ms": rank(0.50),
            "p99_ms": rank(0.99),
            "max_ms": rank(1.0),
            "first_errors": self.first_errors,
        }


@dataclass
class Soak:
    """What the load needs: the gateway client, the seed data, and what has been stored."""

    client: httpx.AsyncClient
    setup: soak_system.Setup
    formats: list[str]
    tallies: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in KINDS})
    stored: list[str] = field(default_factory=list)  # ids of sheets answered 201
    reports: int = 0

    async def timed(self, kind: str, due: float, check: Check) -> None:
        """Run one request and record its latency from `due`, or its error."""
        try:
            wrong = await check()
        except Exception as error:  # a transport error, a timeout, a body that is not JSON...
            wrong = f"{type(error).__name__}: {error}"
        tally = self.tallies[kind]
        if wrong is None:
            tally.seconds.append(time.monotonic() - due)
            return
        tally.errors += 1
        if len(tally.first_errors) < 5:
            tally.first_errors.append(wrong[:300])

    def every(self, kind: str, check: Check) -> Start:
        """Return what starts one request of a kind, due at a given time."""
        return lambda due: self.timed(kind, due, check)

    async def score(self) -> str | None:
        answer = await self.client.post(
            "/api/v1/scoring/scores",
            content=self.setup.score_body,
            headers={"content-type": "application/json"},
        )
        if answer.status_code != 200 or answer.json().get("total") != "88.00":
            return f"{answer.status_code} {answer.text[:200]}"
        return None

    async def sheet(self) -> str | None:
        sheet_id = str(uuid.uuid4())
        answer = await self.client.post(
            f"/api/v1/survey/s/{self.setup.token}/sheets", json={"id": sheet_id, "answers": ANSWERS}
        )
        if answer.status_code != 201:
            return f"{answer.status_code} {answer.text[:200]}"
        self.stored.append(sheet_id)
        return None

    async def sheet_again(self) -> str | None:
        sheet_id = self.stored[len(self.stored) // 2]
        answer = await self.client.post(
            f"/api/v1/survey/s/{self.setup.token}/sheets", json={"id": sheet_id, "answers": ANSWERS}
        )
        return None if answer.status_code == 200 else f"{answer.status_code} {answer.text[:200]}"

    async def read(self, path: str) -> str | None:
        answer = await self.client.get(path)
        return None if answer.status_code == 200 else f"{answer.status_code} {answer.text[:200]}"

    async def report(self) -> str | None:
        """Make a new revision, so that a document is made rather than found, and fetch it."""
        fmt = self.formats[self.reports % len(self.formats)]
        self.reports += 1
        evaluation_id = self.setup.evaluation_id
        url = f"/api/v1/scoring/evaluations/{evaluation_id}"
        texts = {**seed001.TEXTS, "summary": f"{seed001.TEXTS['summary']}（第{self.reports}稿）"}
        changed = await self.client.patch(url, json={"texts": texts})
        if changed.status_code != 200:
            return f"revise: {changed.status_code} {changed.text[:200]}"
        asked = await self.client.post(
            f"/api/v1/reports/evaluations/{evaluation_id}/documents",
            json={"kind": "report", "format": fmt},
        )
        if asked.status_code != 202:
            return f"ask {fmt}: {asked.status_code} {asked.text[:200]}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            polled = await self.client.get(asked.headers["location"])
            if polled.status_code != 200:
                return f"poll {fmt}: {polled.status_code} {polled.text[:200]}"
            job = polled.json()
            if job["state"] == "failed":
                return f"job {fmt} failed: {job.get('error')}"
            if job["state"] == "done":
                got = await self.client.get(job["document"]["url"])
                if got.status_code != 200 or not got.content:
                    return f"download {fmt}: {got.status_code}"
                return None
            await asyncio.sleep(0.25)
        return f"job {fmt} not done in 180 s"


async def steady(rate: float, duration_s: float, began: float, start: Start) -> None:
    """Start `start(due)` `rate` times a second from `began` for `duration_s`; never wait.

    Request i is due at began + i / rate, for every i with i / rate < duration_s: the count
    is exact (15 s at 2/s is 30), whatever the answers' speed.
    """
    count = math.ceil(duration_s * rate - 1e-9) if rate > 0 else 0
    running: set[asyncio.Task[None]] = set()
    for i in range(count):
        due = began + i / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        task = asyncio.create_task(start(due))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)


async def sample(
    processes: dict[str, Process], every_s: float, duration_s: float, began: float
) -> dict[str, list[list[float]]]:
    """Read each process's RSS every `every_s` s from `began`: [seconds since, MB] pairs."""
    samples: dict[str, list[list[float]]] = {name: [] for name in processes}
    for i in range(math.floor(duration_s / every_s + 1e-9) + 1):
        await asyncio.sleep(max(0.0, began + i * every_s - time.monotonic()))
        at = round(time.monotonic() - began, 1)
        for name, process in processes.items():
            samples[name].append([at, round(process.rss_mb(), 1)])
    return samples


def cpu_s(process: Process) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{process.popen.pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
