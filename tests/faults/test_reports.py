"""A DOCX job through the gateway while the report process dies: queued, then while running.

Deterministic: the report process first runs without its worker, so the job waits queued when
the process is killed; then scoring is paused (SIGSTOP), so the restarted worker holds the job
running, reading the evaluation, when the process is killed again. The next start takes the
job over once its lease runs out and makes the document exactly once.
"""

import asyncio
import os
import signal
import uuid
from typing import Any

import httpx
import psycopg
import pytest

from tests.faults import stream
from tests.faults.system import API, System
from tests.report import seed001

pytestmark = pytest.mark.processes
REPORTS = f"{API}/reports"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def job_row(system: System, job_id: str) -> tuple[str, int]:
    """Return a job's state and attempts, read from the report database."""
    with psycopg.connect(system.database("report")) as conn:
        row = conn.execute("SELECT state, attempts FROM job WHERE id = %s", (job_id,)).fetchone()
    assert row is not None
    return row[0], row[1]


def counts(system: System, evaluation_id: str) -> tuple[int, int]:
    """Return how many jobs and documents the report database holds for an evaluation."""
    with psycopg.connect(system.database("report")) as conn:
        (jobs,) = conn.execute(
            "SELECT count(*) FROM job WHERE evaluation_id = %s", (evaluation_id,)
        ).fetchone() or (0,)
        (documents,) = conn.execute(
            "SELECT count(*) FROM document WHERE evaluation_id = %s", (evaluation_id,)
        ).fetchone() or (0,)
    return jobs, documents


async def running(system: System, job_id: str, timeout_s: float = 60.0) -> None:
    """Wait until the worker has claimed the job."""
    async with asyncio.timeout(timeout_s):
        while job_row(system, job_id) != ("running", 1):  # noqa: ASYNC110 (polls a database)
            await asyncio.sleep(0.05)


async def finished(
    gateway: httpx.AsyncClient, url: str, timeout_s: float = 120.0
) -> dict[str, Any]:
    """Poll a job through the gateway until it is done or failed."""
    async with asyncio.timeout(timeout_s):
        while True:
            answer = await gateway.get(url)
            assert answer.status_code == 200, answer.text
            job: dict[str, Any] = answer.json()
            if job["state"] in ("done", "failed"):
                return job
            await asyncio.sleep(0.1)


async def test_a_job_whose_process_dies_queued_and_running_is_made_once(
    system: System, gateway: httpx.AsyncClient
) -> None:
    gateway_pid = system.processes["gateway"].pid
    evaluation = await seed001.create(gateway, f"{API}/scoring")
    url = f"{REPORTS}/evaluations/{evaluation['id']}/documents"
    key = {"idempotency-key": f"docx-{uuid.uuid4()}"}
    request = {"kind": "report", "format": "docx"}

    # A report process without its worker: the job waits in the queue.
    await asyncio.to_thread(system.ensure, "report", REPORT_RUN_WORKER="false")
    asked = await gateway.post(url, json=request, headers=key)
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert job_row(system, job["id"]) == ("queued", 0)

    # Killed with the job queued; restarted with scoring paused: the worker holds it running.
    system.kill("report")
    scoring = system.processes["scoring"]
    os.kill(scoring.pid, signal.SIGSTOP)
    try:
        await asyncio.to_thread(system.start, "report")
        await running(system, job["id"])
        system.kill("report")
    finally:
        os.kill(scoring.pid, signal.SIGCONT)

    # Asked again while report is down: the gateway replays the first answer (same job) …
    again = await gateway.post(url, json=request, headers=key)
    assert again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == job["id"]
    # … and without the key the client is told that the service is away.
    away = await gateway.post(url, json=request)
    assert away.status_code == 503
    assert away.headers["content-type"] == stream.PROBLEM
    assert away.json()["service"] == "report"

    await asyncio.to_thread(system.start, "report")
    done = await finished(gateway, job["url"])
    assert (done["state"], done["attempts"], done["error"]) == ("done", 2, None)
    download = await gateway.get(done["document"]["url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == DOCX
    assert download.content[:2] == b"PK"  # a DOCX is a zip file
    assert len(download.content) == done["document"]["size_bytes"]
    assert counts(system, evaluation["id"]) == (1, 1)  # one job, one document

    # Asked once more, the stored document is handed back: a new done job, no new document.
    repeat = await gateway.post(url, json=request)
    assert repeat.status_code == 202, repeat.text
    assert repeat.json()["state"] == "done"
    assert repeat.json()["document"]["id"] == done["document"]["id"]
    assert counts(system, evaluation["id"]) == (2, 1)
    assert system.processes["gateway"].pid == gateway_pid
