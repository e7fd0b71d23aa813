"""The gateway's own routes are limited like forwarded ones: per client and scope, per address."""

import uuid

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.main import create_app
from services.kit.clients import service_client
from tests.conftest import NewDatabase
from tests.gateway.conftest import Client, gateway_settings, local_settings

pytestmark = pytest.mark.parametrize("new_database", ["sqlite"], indirect=True)
PROBLEM = "application/problem+json"


async def _client_key(admin: httpx.AsyncClient, rates: dict[str, str]) -> tuple[str, str]:
    """Make a client holding admin and webhooks with these rates; return its id and a key."""
    org = await admin.post(
        "/admin/organisations", json={"name": "梅州市财政局", "kind": "finance_bureau"}
    )
    body = {
        "name": "运维脚本",
        "organisation_id": org.json()["id"],
        "scopes": ["admin", "webhooks"],
    }
    client = await admin.post("/admin/clients", json={**body, "rates": rates})
    assert client.status_code == 201, client.text
    key = await admin.post(f"/admin/clients/{client.json()['id']}/keys", json={})
    return client.json()["id"], key.json()["key"]


def _window(answer: httpx.Response) -> tuple[str, str, str]:
    return (
        answer.headers["ratelimit-limit"],
        answer.headers["ratelimit-remaining"],
        answer.headers["ratelimit-policy"],
    )


async def test_admin_and_webhook_routes_hold_each_client_to_its_rate(clients: Client) -> None:
    admin = clients()
    _, key = await _client_key(admin, {"admin": "3/minute", "*": "2/minute"})
    mine = clients(key)
    listed = [await mine.get("/admin/clients") for _ in range(2)]
    missing = await mine.get(f"/admin/clients/{uuid.uuid4()}")  # an error answer counts too
    refused = await mine.get("/admin/clients")
    assert [a.status_code for a in [*listed, missing, refused]] == [200, 200, 404, 429]
    assert [_window(a) for a in [*listed, missing]] == [
        ("3", "2", "3;w=60"),
        ("3", "1", "3;w=60"),
        ("3", "0", "3;w=60"),
    ]
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["type"] == "/problems/rate-limited"
    assert refused.json()["detail"].startswith("Too many requests: 3 per 60 s. Retry after ")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert _window(refused) == ("3", "0", "3;w=60")
    # Its webhook routes have the window of "*", untouched by the admin calls.
    hooks = [await mine.get("/webhooks/subscriptions") for _ in range(3)]
    assert [a.status_code for a in hooks] == [200, 200, 429]
    window = [("2", "1", "2;w=60"), ("2", "0", "2;w=60"), ("2", "0", "2;w=60")]
    assert [_window(a) for a in hooks] == window
    # Another client (the bootstrap admin, at the default rate) is not held back.
    other = await admin.get("/admin/clients")
    assert (other.status_code, other.headers["ratelimit-limit"]) == (200, "600")
    metrics = (await admin.get("/metrics")).text
    assert 'jixiao_gateway_rate_limited_total{bucket="admin",service="gateway"} 1.0' in metrics
    # Refusals are counted by the scope of the route, as the proxy counts them.
    assert 'jixiao_gateway_rate_limited_total{bucket="webhooks",service="gateway"} 1.0' in metrics


async def test_the_token_endpoint_is_limited_per_address(new_database: NewDatabase) -> None:
    settings = gateway_settings(new_database, public_rate="2/minute")
    app = create_app(settings, local_settings(new_database))
    async with LifespanManager(app) as manager, service_client("http://t", manager.app) as client:
        form = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "jx_guess"}
        answers = [await client.post("/oauth/token", data=form) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert answers[0].json()["error"] == "invalid_client"  # RFC 6749's own error body
    assert [_window(a) for a in answers] == [
        ("2", "1", "2;w=60"),
        ("2", "0", "2;w=60"),
        ("2", "0", "2;w=60"),
    ]
    assert answers[2].headers["content-type"] == PROBLEM
    assert 1 <= int(answers[2].headers["retry-after"]) <= 60
