"""The gateway process while its own database (keys, Idempotency-Keys) is down and back."""

import asyncio
import uuid

import httpx
import psycopg
import pytest

from tests.faults import stream
from tests.faults.system import API, System

pytestmark = pytest.mark.processes
PROJECTS = f"{API}/scoring/projects"


def projects_named(system: System, name: str) -> int:
    """Return how many projects of this name the scoring database holds."""
    with psycopg.connect(system.database("scoring")) as conn:
        row = conn.execute("SELECT count(*) FROM project WHERE name = %s", (name,)).fetchone()
    assert row is not None
    return int(row[0])


async def test_keys_still_work_and_a_keyed_post_acts_once_across_a_database_crash(
    system: System, gateway: httpx.AsyncClient
) -> None:
    name = f"兴宁应急物资储备经费 {uuid.uuid4().hex[:6]}"
    body = {"name": name, "year": 2024}
    key = {"idempotency-key": f"project-{uuid.uuid4()}"}
    log = stream.Log()
    await asyncio.to_thread(system.cluster.stop, "immediate")
    try:
        # Key checks use the gateway's copy of the keys: a read needs no database of its own.
        alive = await gateway.get(f"{API}/scoring/healthz")
        # The client starts while the database is down and keeps retrying with its key.
        first = asyncio.create_task(
            stream.deliver(
                gateway, log, "project", "POST", PROJECTS, json=body, headers=key, give_up_s=60
            )
        )
        await asyncio.sleep(1.0)
    finally:
        await asyncio.to_thread(system.cluster.start)
    delivery = await first
    assert alive.status_code == 200, alive.text
    assert delivery.statuses[0] >= 500  # refused while the key could not be held
    assert delivery.answer is not None
    assert delivery.answer.status_code == 201, delivery.answer.text
    again = await gateway.post(PROJECTS, json=body, headers=key)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == delivery.answer.json()["id"]
    assert projects_named(system, name) == 1


async def test_a_keyed_post_while_the_gateway_database_is_down_is_a_503_problem(
    system: System, gateway: httpx.AsyncClient
) -> None:
    body = {"name": "兴宁应急物资储备经费", "year": 2024}
    key = {"idempotency-key": f"project-{uuid.uuid4()}"}
    await asyncio.to_thread(system.cluster.stop, "immediate")
    try:
        keyed = await gateway.post(PROJECTS, json=body, headers=key)
    finally:
        await asyncio.to_thread(system.cluster.start)
    assert keyed.headers["content-type"] == stream.PROBLEM
    assert (keyed.status_code, keyed.json()["type"]) == (503, "/problems/service-unavailable")


async def test_a_keyed_post_that_timed_out_and_is_retried_acts_once(
    system: System, gateway: httpx.AsyncClient
) -> None:
    name = f"兴宁森林防火经费 {uuid.uuid4().hex[:6]}"
    body = {"name": name, "year": 2024}
    key = {"idempotency-key": f"project-{uuid.uuid4()}"}
    # Hold the table: the service's INSERT waits past the gateway's timeout, then commits.
    with psycopg.connect(system.database("scoring")) as holder:
        holder.execute("LOCK TABLE project IN ACCESS EXCLUSIVE MODE")
        slow = await gateway.post(PROJECTS, json=body, headers=key)
        holder.rollback()
    assert slow.status_code == 504, slow.text
    async with asyncio.timeout(30):
        while projects_named(system, name) == 0:  # noqa: ASYNC110 (polls a database)
            await asyncio.sleep(0.05)
    retried = await gateway.post(PROJECTS, json=body, headers=key)
    # The late answer was kept for the key: the retry gets it, and nothing acts twice.
    assert retried.status_code == 201, retried.text
    assert retried.headers["idempotent-replayed"] == "true"
    assert projects_named(system, name) == 1
