"""Two gateway processes sharing Redis and one gateway database: one rate, one revocation."""

import asyncio
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from services.kit import testing
from tests.gateway.conftest import ADMIN_KEY

ROOT = Path(__file__).parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
pytestmark = pytest.mark.processes


def ensure_redis() -> None:
    """Start a throwaway Redis on 127.0.0.1:6379 unless one answers there."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
        return
    except redis.ConnectionError:
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
             "--save", "", "--appendonly", "no"],
            check=True,
        )  # fmt: skip
    for _ in range(50):
        try:
            client.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("Redis did not start on 127.0.0.1:6379")


@pytest.fixture
def gateways(tmp_path: Path) -> Iterator[list[str]]:
    """Two gateway processes (services in-process) with one gateway database and one Redis."""
    ensure_redis()
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    shared = {
        "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path}/gateway.db",
        "GATEWAY_REDIS_URL": REDIS_URL,
        "GATEWAY_REDIS_PREFIX": prefix,
        "GATEWAY_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        "GATEWAY_DIRECTORY_REFRESH_S": "0.5",
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    urls: list[str] = []
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name in ("a", "b"):  # one after the other: the first one migrates
            env = {
                **shared,
                **{f"{s}_DATABASE_URL": f"sqlite:///{tmp_path}/{name}-{s}.db" for s in
                   ("SCORING", "SURVEY", "REPORT")},
                **{f"{s}_LOG_LEVEL": "WARNING" for s in ("SCORING", "SURVEY", "REPORT")},
            }  # fmt: skip
            port = testing.free_port()
            with (tmp_path / f"{name}.log").open("ab") as log:
                process = subprocess.Popen(
                    testing.uvicorn_command("gateway.main:app", port),
                    env={**_base_env(), **env},
                    cwd=ROOT,
                    stdout=log,
                    stderr=log,
                )
            processes.append(process)
            testing.wait_healthy(f"http://127.0.0.1:{port}/healthz", process, timeout_s=60)
            urls.append(f"http://127.0.0.1:{port}")
        yield urls
    finally:
        for process in processes:
            testing.stop(process)
        keys = redis.Redis.from_url(REDIS_URL)
        for key in keys.scan_iter(f"{prefix}*"):
            keys.delete(key)


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "JIXIAO_"))}


async def test_the_rate_limit_and_revocations_hold_across_two_gateways(gateways: list[str]) -> None:
    first, second = gateways
    async with httpx.AsyncClient(headers={"x-api-key": ADMIN_KEY}, timeout=10) as admin:
        org = await admin.post(
            f"{first}/admin/organisations", json={"name": "局", "kind": "agency"}
        )
        client = await admin.post(
            f"{first}/admin/clients",
            json={"name": "burst", "organisation_id": org.json()["id"],
                  "scopes": ["scoring:read"], "rates": {"*": "10/minute"}},
        )  # fmt: skip
        made = await admin.post(f"{first}/admin/clients/{client.json()['id']}/keys", json={})
        key = made.json()
        await asyncio.sleep(1.2)  # the second gateway reloads its directory every 0.5 s
        async with httpx.AsyncClient(headers={"x-api-key": key["key"]}, timeout=10) as burst:
            answers = [
                await burst.get(f"{gateways[i % 2]}/api/v1/scoring/templates") for i in range(30)
            ]
            statuses = [a.status_code for a in answers]
            assert statuses.count(200) == 10, statuses
            assert statuses.count(429) == 20, statuses
            limited = next(a for a in answers if a.status_code == 429)
            assert limited.headers["content-type"] == "application/problem+json"
            assert limited.headers["ratelimit-limit"] == "10"
            assert limited.headers["ratelimit-remaining"] == "0"
            assert 0 < int(limited.headers["retry-after"]) <= 60

            revoked = await admin.delete(f"{first}/admin/keys/{key['id']}")
            assert revoked.status_code == 200
            started = time.monotonic()
            while (await burst.get(f"{second}/api/v1/scoring/templates")).status_code != 401:
                assert time.monotonic() - started < 5, "revocation did not reach the other gateway"
                await asyncio.sleep(0.1)
