"""Evaluation updates through the gateway while the scoring process and then PostgreSQL die.

Each client owns one evaluation and changes one fact of it again and again (541, 542, …),
retrying each PATCH unchanged until acknowledged. A PATCH sets absolute values, so a retry of
a change that was stored finds nothing to change and audits nothing: no Idempotency-Key is
needed (the gateway honours that header on POST only). Afterwards each evaluation's audit log
holds exactly one entry per acknowledged change, in order, and the fact has the last value.
"""

import asyncio
import os

import httpx
import psycopg
import pytest

from tests.faults import stream
from tests.faults.system import API, System
from tests.report import seed001

pytestmark = pytest.mark.processes
LONG = os.environ.get("JIXIAO_FAULTS_LONG") == "1"
CLIENTS = 8 if LONG else 3
ROUNDS = 5 if LONG else 1
DOWN_S = 3.0 if LONG else 1.0
GIVE_UP_S = 60.0
FACT = "检查企业家次"  # seed 001: 540 companies inspected
SCORING = f"{API}/scoring"


async def client_loop(
    gateway: httpx.AsyncClient, evaluation_id: str, log: stream.Log, done: asyncio.Event
) -> list[str]:
    """Change the fact to 541, 542, … until told to stop; return the values acknowledged."""
    acknowledged: list[str] = []
    value = 540
    while not done.is_set():
        value += 1
        body = {"facts": {FACT: str(value)}, "reason": f"复核更正为{value}"}
        url = f"{SCORING}/evaluations/{evaluation_id}"
        key = f"{evaluation_id}:{value}"
        sent = await stream.deliver(gateway, log, key, "PATCH", url, json=body, give_up_s=GIVE_UP_S)
        if not sent.acknowledged:
            break  # a client that gave up sends nothing more
        acknowledged.append(str(value))
    return acknowledged


async def outage(system: System, gateway: httpx.AsyncClient, log: stream.Log) -> None:
    """Kill the scoring process, check the gateway's 503, restart; then crash PostgreSQL."""
    for fault in ("process", "database"):
        await log.more(10)
        if fault == "process":
            system.kill("scoring")
            await asyncio.sleep(DOWN_S)
            down = await gateway.get(f"{SCORING}/healthz")
            assert down.status_code == 503
            assert down.headers["content-type"] == stream.PROBLEM
            assert down.json()["service"] == "scoring"
            await asyncio.to_thread(system.start, "scoring")
        else:
            await asyncio.to_thread(system.cluster.stop, "immediate")
            await asyncio.sleep(DOWN_S)
            await asyncio.to_thread(system.cluster.start)
    await log.more(10)


def audited(system: System, evaluation_id: str) -> list[tuple[int, str, object, object]]:
    """Return an evaluation's update entries for the fact: (revision, action, old, new)."""
    with psycopg.connect(system.database("scoring")) as conn:
        rows = conn.execute(
            "SELECT revision, action, old, new FROM audit_entry"
            " WHERE evaluation_id = %s AND field = %s ORDER BY revision, position",
            (evaluation_id, f"facts.{FACT}"),
        ).fetchall()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


async def test_each_acknowledged_update_is_audited_once_through_process_and_database_crashes(
    system: System, gateway: httpx.AsyncClient
) -> None:
    gateway_pid = system.processes["gateway"].pid
    evaluations = [
        (await seed001.create(gateway, SCORING, finalize=False))["id"] for _ in range(CLIENTS)
    ]
    log = stream.Log()
    done = asyncio.Event()
    clients = [asyncio.create_task(client_loop(gateway, e, log, done)) for e in evaluations]
    try:
        for _ in range(ROUNDS):
            await outage(system, gateway, log)
    finally:
        done.set()
        acknowledged = await asyncio.gather(*clients)

    assert log.failed() == []  # every client outlasted the outages
    for evaluation_id, values in zip(evaluations, acknowledged, strict=True):
        entries = audited(system, evaluation_id)
        # One entry per acknowledged change, in the order sent, each from the value before.
        assert [new for _, _, _, new in entries] == values
        assert [old for _, _, old, _ in entries] == ["540", *values[:-1]]
        assert {action for _, action, _, _ in entries} == {"update"}
        # Revision 1 is the creation; each change made exactly one more.
        assert [revision for revision, _, _, _ in entries] == list(range(2, len(values) + 2))
        read = await gateway.get(f"{SCORING}/evaluations/{evaluation_id}")
        assert read.status_code == 200, read.text
        assert read.json()["facts"][FACT] == values[-1]
        assert read.json()["revision"] == len(values) + 1
    assert log.unavailable, "no client saw the scoring service down"
    for seen in log.unavailable:
        assert seen["content_type"] == stream.PROBLEM
        assert seen["body"]["service"] == "scoring"
    # While the database was down the service failed with a problem, never a bare page.
    assert {seen["content_type"] for seen in log.server_errors} <= {stream.PROBLEM}
    assert system.processes["gateway"].pid == gateway_pid
    assert system.processes["gateway"].poll() is None
    assert (await gateway.get(f"{SCORING}/healthz")).status_code == 200


async def test_a_service_whose_database_is_down_answers_503_naming_itself(
    system: System, gateway: httpx.AsyncClient
) -> None:
    assert (await gateway.get(f"{SCORING}/projects")).status_code == 200
    await asyncio.to_thread(system.cluster.stop, "immediate")
    try:
        down = await gateway.get(f"{SCORING}/projects")
    finally:
        await asyncio.to_thread(system.cluster.start)
    assert down.headers["content-type"] == stream.PROBLEM
    assert (down.status_code, down.json()["type"]) == (503, "/problems/service-unavailable")
    assert down.json()["service"] == "scoring"
    assert down.headers["retry-after"] == "1"
