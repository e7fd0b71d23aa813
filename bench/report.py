"""Making seed 001's documents (issue 5): time per format, ten at once, peak memory.

The scoring and report services each run in their own uvicorn process on loopback (remote
mode, SQLite), as deployed. For each format, the report is made from three successive
revisions of a draft evaluation (so nothing comes from the document store) and the job's own
time is read (created → finished). Then ten documents are asked for at once while /healthz
is polled, to see the event loop stay free. Peak memory is the report process's VmHWM.
Bounded to about a minute; run it alone with `python -m bench.report`.
"""

import asyncio
import re
import secrets
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bench.harness import Process, serve, table
from services.kit import identity
from tests.report import seed001

FORMATS = ("docx", "html", "md", "pdf")
ROUNDS = 3
GOALS_S = {"docx": 1.0, "html": 0.5, "pdf": 5.0}
PEAK_GOAL_MB = 400
TIMEOUT_S = 240


def peak_mb(process: Process) -> float:
    """Peak resident memory of a process so far (VmHWM), in MB."""
    status = Path(f"/proc/{process.popen.pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    assert found is not None
    return int(found.group(1)) / 1024


def _seconds(job: dict[str, Any]) -> float:
    started = datetime.fromisoformat(job["created_at"])
    return (datetime.fromisoformat(job["finished_at"]) - started).total_seconds()


async def _wait(report: httpx.AsyncClient, url: str) -> dict[str, Any]:
    while True:
        job: dict[str, Any] = (await report.get(url)).json()
        if job["state"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.01)


async def _ask(
    report: httpx.AsyncClient, evaluation_id: str, kind: str, fmt: str
) -> dict[str, Any]:
    posted = await report.post(
        f"/evaluations/{evaluation_id}/documents", json={"kind": kind, "format": fmt}
    )
    assert posted.status_code == 202, posted.text
    return await _wait(report, posted.headers["location"])


async def _revise(scoring: httpx.AsyncClient, evaluation_id: str, round_: int) -> None:
    texts = {**seed001.TEXTS, "summary": f"{seed001.TEXTS['summary']}（第{round_}稿）"}
    changed = await scoring.patch(f"/evaluations/{evaluation_id}", json={"texts": texts})
    assert changed.status_code == 200, changed.text


async def _per_format(
    scoring: httpx.AsyncClient, report: httpx.AsyncClient
) -> dict[str, list[float]]:
    evaluation = await seed001.create(scoring, finalize=False)
    times: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
    for round_ in range(ROUNDS):
        await _revise(scoring, evaluation["id"], round_)
        for fmt in FORMATS:
            job = await _ask(report, evaluation["id"], "report", fmt)
            assert job["state"] == "done", job["error"]
            times[fmt].append(_seconds(job))
    return times


async def _ten_at_once(
    scoring: httpx.AsyncClient, report: httpx.AsyncClient
) -> tuple[float, int, list[float]]:
    first, second = [await seed001.create(scoring) for _ in range(2)]
    asked = [(first["id"], k, f) for k in ("report", "notice") for f in FORMATS]
    asked += [(second["id"], "report", "pdf"), (second["id"], "report", "docx")]
    pings: list[float] = []
    stop = asyncio.Event()

    async def ping() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            await report.get("/healthz")
            pings.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)

    pinger = asyncio.create_task(ping())
    started = time.perf_counter()
    jobs = await asyncio.gather(*(_ask(report, *one) for one in asked))
    elapsed = time.perf_counter() - started
    stop.set()
    await pinger
    done = sum(1 for job in jobs if job["state"] == "done")
    return elapsed, done, pings


async def _run(scoring_url: str, report_url: str, secret: str) -> tuple[Any, ...]:
    timeout = httpx.Timeout(60.0)
    async with (
        httpx.AsyncClient(base_url=scoring_url, timeout=timeout) as scoring,
        httpx.AsyncClient(base_url=report_url, timeout=timeout) as report,
    ):
        for client in (scoring, report):  # the services answer only signed requests
            identity.sign_client(client, secret.encode(), "bench")
        async with asyncio.timeout(TIMEOUT_S):
            times = await _per_format(scoring, report)
            ten = await _ten_at_once(scoring, report)
    return times, ten


def _figures(
    times: dict[str, list[float]], elapsed: float, done: int, pings: list[float]
) -> list[tuple[str, str]]:
    rows = []
    for fmt in FORMATS:
        first, warm = times[fmt][0], statistics.median(times[fmt][1:])
        goal = GOALS_S.get(fmt)
        verdict = "" if goal is None else f"  goal ≤ {goal} s: "
        verdict += "" if goal is None else ("ok" if max(times[fmt]) <= goal else "MISSED")
        rows.append((f"report {fmt}", f"first {first:.2f} s, then {warm:.2f} s (median){verdict}"))
    lost = "" if done == 10 else "  MISSED"
    rows.append(("ten at once", f"{done}/10 done in {elapsed:.1f} s{lost}"))
    ms = [ping * 1000 for ping in pings]
    rows.append(
        ("/healthz meanwhile", f"median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms")
    )
    return rows


def main() -> None:
    """Serve scoring and report, make documents, print the figures against the goals."""
    secret = secrets.token_hex(32)
    with tempfile.TemporaryDirectory() as folder:
        scoring_env = {
            "SCORING_DATABASE_URL": f"sqlite:///{folder}/scoring.db",
            "JIXIAO_INTERNAL_SECRET": secret,
        }
        with serve("scoring", "services.scoring.main:app", scoring_env) as scoring:
            report_env = {
                "REPORT_DATABASE_URL": f"sqlite:///{folder}/report.db",
                "REPORT_SCORING_URL": scoring.url,
                "REPORT_SURVEY_URL": "http://127.0.0.1:9",  # seed 001 here names no survey
                "REPORT_LOG_LEVEL": "WARNING",
                "JIXIAO_INTERNAL_SECRET": secret,
            }
            with serve("report", "services.report.main:app", report_env) as report:
                idle_mb = peak_mb(report)
                times, (elapsed, done, pings) = asyncio.run(_run(scoring.url, report.url, secret))
                peak = peak_mb(report)
    rows = [
        *_figures(times, elapsed, done, pings),
        (
            "report process RSS",
            f"{idle_mb:.0f} MB idle, peak {peak:.0f} MB  "
            f"goal ≤ {PEAK_GOAL_MB} MB: {'ok' if peak <= PEAK_GOAL_MB else 'MISSED'}",
        ),
    ]
    table("Report documents, seed 001 (job time: created → finished)", rows)


if __name__ == "__main__":
    main()
