"""Webhooks: a receiver on loopback gets signed events, also after it was down for a while."""

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from asgi_lifespan import LifespanManager

from gateway.main import create_app
from jixiao_cli import demo
from services.kit import identity, testing
from services.kit.clients import service_client
from tests.conftest import NewDatabase
from tests.gateway.conftest import ADMIN_KEY, gateway_settings, local_settings

pytestmark = pytest.mark.parametrize("new_database", ["sqlite"], indirect=True)


class Receiver:
    """An HTTP server on a loopback port that records what it is sent; it can go down."""

    def __init__(self) -> None:
        self.port = testing.free_port()
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.received.append((headers, await request.read()))
        return web.Response(status=204)

    async def up(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def down(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    made = Receiver()
    await made.up()
    yield made
    await made.down()


def verified(secret: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """Check a delivery's signature as a receiver would; return its payload."""
    fields = dict(part.split("=", 1) for part in headers["jixiao-signature"].split(","))
    mac = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256)
    assert hmac.compare_digest(mac.hexdigest(), fields["v1"])
    assert abs(time.time() - int(fields["t"])) < 60
    payload: dict[str, Any] = json.loads(body)
    return payload


async def until(condition: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_finalizing_sends_a_signed_event_and_retries_while_the_receiver_is_down(
    new_database: NewDatabase, receiver: Receiver
) -> None:
    settings = gateway_settings(new_database, webhook_backoff_s=0.3, webhook_max_attempts=4)
    app = create_app(settings, local_settings(new_database))
    async with LifespanManager(app) as manager, service_client("http://t", manager.app) as client:
        client.headers["x-api-key"] = ADMIN_KEY
        body = {"url": f"http://127.0.0.1:{receiver.port}/hook", "events": ["evaluation.finalized"]}
        subscription = (await client.post("/webhooks/subscriptions", json=body)).json()

        async def finalize() -> str:
            loaded = await demo.load(client)
            url = f"/api/v1/scoring/evaluations/{loaded['evaluation_id']}"
            assert (await client.post(f"{url}/submit", json={})).status_code == 200
            assert (await client.post(f"{url}/finalize", json={})).status_code == 200
            return str(loaded["evaluation_id"])

        first = await finalize()
        await until(lambda: _count(receiver, 1))
        headers, raw = receiver.received[0]
        payload = verified(subscription["secret"], headers, raw)
        assert payload["type"] == "evaluation.finalized"
        assert payload["data"]["evaluation_id"] == first
        assert (payload["data"]["total"], payload["data"]["grade"]) == ("88.00", "良")

        await receiver.down()  # down for a while: the first tries fail, a later one arrives
        reopen = {"reason": "复核"}
        url = f"/api/v1/scoring/evaluations/{first}"
        assert (await client.post(f"{url}/reopen", json=reopen)).status_code == 200
        assert (await client.post(f"{url}/submit", json={})).status_code == 200
        assert (await client.post(f"{url}/finalize", json={})).status_code == 200
        await asyncio.sleep(0.5)
        await receiver.up()
        await until(lambda: _count(receiver, 2))
        verified(subscription["secret"], *receiver.received[1])
        delivered = (await client.get("/webhooks/deliveries?status=delivered")).json()
        retried = [d for d in delivered if d["attempts"] > 1]
        assert retried
        assert retried[0]["log"][0]["error"]
        assert retried[0]["log"][-1]["status_code"] == 204

        await receiver.down()  # down for longer than every try: failed, listed, retried by hand
        assert (await client.post(f"{url}/reopen", json=reopen)).status_code == 200
        assert (await client.post(f"{url}/submit", json={})).status_code == 200
        assert (await client.post(f"{url}/finalize", json={})).status_code == 200
        await until(lambda: _failed(client))
        failed = (await client.get("/webhooks/deliveries?status=failed")).json()
        assert len(failed) == 1
        assert failed[0]["attempts"] == 4
        await receiver.up()
        again = await client.post(f"/webhooks/deliveries/{failed[0]['id']}/retry")
        assert again.status_code == 202
        await until(lambda: _count(receiver, 3))


async def _count(receiver: Receiver, n: int) -> bool:
    return len(receiver.received) >= n


async def _failed(client: Any) -> bool:
    response = await client.get("/webhooks/deliveries?status=failed")
    return bool(response.json())


async def test_services_post_events_signed_as_themselves(new_database: NewDatabase) -> None:
    settings = gateway_settings(new_database)
    app = create_app(settings, local_settings(new_database))
    async with LifespanManager(app) as manager, service_client("http://t", manager.app) as client:
        event = {"type": "report.ready", "org_id": "x", "data": {"report_id": "r1"}}
        unsigned = await client.post("/internal/events", json=event)
        assert unsigned.status_code == 401
        signer = identity.Identity.service("report")
        headers = dict(identity.sign(identity.secret_bytes(), signer, "POST", "/internal/events"))
        signed = await client.post("/internal/events", json=event, headers=headers)
        assert signed.status_code == 202, signed.text
        assert signed.json() == {"deliveries": 0}
