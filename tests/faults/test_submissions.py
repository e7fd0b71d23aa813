"""Sheets streamed through the gateway while the survey process and then PostgreSQL die.

Each client sends its sheets one after another and retries a sheet, with the same id and body,
until it is acknowledged or a time bound runs out. Afterwards the survey database must hold
every acknowledged sheet exactly once, with its answers once, and nothing else.
"""

import asyncio
import os
import uuid

import httpx
import psycopg
import pytest

from tests.faults import stream
from tests.faults.system import API, System
from tests.survey.conftest import field, likert_sheet

pytestmark = pytest.mark.processes
LONG = os.environ.get("JIXIAO_FAULTS_LONG") == "1"
CLIENTS = 16 if LONG else 5  # each sends single sheets …
BATCH_CLIENTS = 4 if LONG else 1  # … or batches of BATCH sheets kept offline (COPY path)
BATCH = 25
ROUNDS = 5 if LONG else 1  # each round: the survey process killed, then PostgreSQL crashed
DOWN_S = 3.0 if LONG else 1.0
GIVE_UP_S = 60.0  # a client's patience with one sheet; the outages here are far shorter
LEVELS = ("非常满意", "满意", "一般", "不满意", "非常不满意")


async def client_loop(
    gateway: httpx.AsyncClient, url: str, log: stream.Log, number: int, done: asyncio.Event
) -> None:
    """Send sheets until told to stop, each retried until acknowledged."""
    sent = 0
    while not done.is_set():
        levels = tuple(LEVELS[(number + sent + q) % 5] for q in range(3))
        sheet = likert_sheet(levels)
        await stream.deliver(
            gateway, log, sheet["id"], "POST", url, json=sheet, give_up_s=GIVE_UP_S
        )
        sent += 1


async def batch_loop(
    gateway: httpx.AsyncClient,
    url: str,
    log: stream.Log,
    batches: dict[str, list[str]],
    done: asyncio.Event,
) -> None:
    """Send batches until told to stop, each retried whole until acknowledged."""
    while not done.is_set():
        sheets = [likert_sheet(("满意", "一般", LEVELS[i % 5])) for i in range(BATCH)]
        key = f"batch-{uuid.uuid4()}"
        batches[key] = [sheet["id"] for sheet in sheets]
        body = {"sheets": sheets}
        await stream.deliver(gateway, log, key, "POST", url, json=body, give_up_s=GIVE_UP_S)


def sheet_ids(deliveries: list[stream.Delivery], batches: dict[str, list[str]]) -> set[uuid.UUID]:
    """Return the ids of the sheets sent by these deliveries, single or in batches."""
    return {uuid.UUID(i) for d in deliveries for i in batches.get(d.key, [d.key])}


async def outage(system: System, gateway: httpx.AsyncClient, log: stream.Log) -> None:
    """Kill the survey process, check the gateway's 503, restart; then crash PostgreSQL."""
    await log.more(20)
    system.kill("survey")
    await asyncio.sleep(DOWN_S)
    down = await gateway.get(f"{API}/survey/healthz")
    assert down.status_code == 503
    assert down.headers["content-type"] == stream.PROBLEM
    assert down.json()["service"] == "survey"
    await asyncio.to_thread(system.start, "survey")
    await log.more(20)
    await asyncio.to_thread(system.cluster.stop, "immediate")
    await asyncio.sleep(DOWN_S)
    await asyncio.to_thread(system.cluster.start)
    await log.more(20)


def stored(system: System, survey_id: str) -> tuple[list[tuple[uuid.UUID, int]], int]:
    """Return (sheet id, answer rows) per stored sheet, and the number of sheet rows."""
    with psycopg.connect(system.database("survey")) as conn:
        rows = conn.execute(
            "SELECT s.id, count(a.question) FROM sheet s LEFT JOIN answer a ON a.sheet_id = s.id"
            " WHERE s.survey_id = %s GROUP BY s.id",
            (survey_id,),
        ).fetchall()
        query = "SELECT count(*) FROM sheet WHERE survey_id = %s"
        (count,) = conn.execute(query, (survey_id,)).fetchone() or (0,)
    return [(row[0], row[1]) for row in rows], count


async def test_every_acknowledged_sheet_is_stored_once_through_process_and_database_crashes(
    system: System, gateway: httpx.AsyncClient
) -> None:
    gateway_pid = system.processes["gateway"].pid
    made = await field(gateway, "seed001", prefix=f"{API}/survey")
    url = f"{API}/survey/s/{made['public_token']}/sheets"
    log = stream.Log()
    done = asyncio.Event()
    batches: dict[str, list[str]] = {}
    clients = [asyncio.create_task(client_loop(gateway, url, log, n, done)) for n in range(CLIENTS)]
    clients += [
        asyncio.create_task(batch_loop(gateway, f"{url}/batch", log, batches, done))
        for _ in range(BATCH_CLIENTS)
    ]
    try:
        for _ in range(ROUNDS):
            await outage(system, gateway, log)
    finally:
        done.set()
        await asyncio.gather(*clients)
    results = await gateway.get(f"{API}/survey/surveys/{made['id']}/results")
    ready = await gateway.get("/readyz")

    acknowledged = sheet_ids(log.acknowledged(), batches)
    failed = sheet_ids(log.failed(), batches)
    sheets, rows = stored(system, made["id"])
    ids = {sheet_id for sheet_id, _ in sheets}
    assert acknowledged <= ids  # nothing acknowledged was lost
    assert ids - acknowledged <= failed  # nothing stored that nobody sent
    assert rows == len(sheets) == len(ids)  # each sheet once
    assert {answers for _, answers in sheets} == {3}  # and its three answers once
    assert failed == set()  # every client outlasted the outages
    # A retry of a sheet whose first attempt was stored gets the first receipt back (200).
    # A retried batch reports its sheets stored before as repeats, never as failures.
    for delivery in log.acknowledged():
        assert delivery.answer is not None
        answer = delivery.answer.json()
        if delivery.key in batches:
            assert delivery.answer.status_code == 200
            assert (answer["stored"] + answer["repeated"], answer["failed"]) == (BATCH, 0)
        else:
            assert delivery.answer.status_code in (200, 201)
            assert answer["id"] == delivery.key
    assert any(d.key in batches for d in log.acknowledged())

    # The faults did reach the clients: the gateway told them the survey service was away.
    assert log.unavailable, "no client saw the survey service down"
    for seen in log.unavailable:
        assert seen["content_type"] == stream.PROBLEM
        assert seen["body"]["service"] == "survey"
    # While the database was down the service failed with a problem, never a bare page.
    assert {seen["content_type"] for seen in log.server_errors} <= {stream.PROBLEM}
    retried = [d for d in log.deliveries if len(d.statuses) > 1]
    assert retried
    # The gateway recovered without a restart, and the results count every sheet once.
    assert system.processes["gateway"].pid == gateway_pid
    assert system.processes["gateway"].poll() is None
    assert ready.status_code == 200, ready.text
    assert results.status_code == 200, results.text
    assert results.json()["n"] == len(ids)
