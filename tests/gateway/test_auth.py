"""Keys, tokens and scopes: every route of the OpenAPI document refuses and admits as declared."""

import asyncio
import re
import time
from typing import Any

import httpx
import pytest

from gateway import scopes
from tests.gateway.conftest import Client

pytestmark = pytest.mark.parametrize("new_database", ["sqlite"], indirect=True)
METHODS = ("get", "post", "put", "patch", "delete")
AUTH = {401, 403}


async def make_key(admin: httpx.AsyncClient, name: str, granted: list[str]) -> dict[str, Any]:
    """Add an organisation and a client holding `granted`; return the client and a new key."""
    org = await admin.post("/admin/organisations", json={"name": f"{name} org", "kind": "agency"})
    assert org.status_code == 201, org.text
    body = {"name": name, "organisation_id": org.json()["id"], "scopes": granted}
    client = await admin.post("/admin/clients", json=body)
    assert client.status_code == 201, client.text
    key = await admin.post(f"/admin/clients/{client.json()['id']}/keys", json={"label": "test"})
    assert key.status_code == 201, key.text
    return {"client": client.json(), **key.json()}


async def until(condition: Any, timeout_s: float = 5.0) -> float:
    """Await `condition()` until it is true; return how long it took."""
    started = time.monotonic()
    while not await condition():
        assert time.monotonic() - started < timeout_s, "condition not met in time"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def concrete(path: str) -> str:
    """Fill a path's parameters: ids get a UUID that exists nowhere, others a word."""
    path = re.sub(r"\{[^}]*id\}", "3f2b8c9e-1d4a-4b6f-9e2d-7a1c5b3e9f00", path)
    path = re.sub(r"\{version\}", "1", path)
    return re.sub(r"\{[^}]+\}", "x", path)


def operations(document: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """Every (method, path, scope) of the document; scope None where security is empty."""
    found = []
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            security = operation["security"]
            scope = security[0]["ApiKey"][0] if security else None
            found.append((method.upper(), path, scope))
    return found


async def test_every_route_refuses_missing_bad_revoked_and_unscoped_keys(clients: Client) -> None:
    admin = clients()
    document = (await admin.get("/openapi.json")).json()
    routes = operations(document)
    assert len(routes) > 40
    public = {(m, p) for m, p, s in routes if s is None}
    assert ("GET", "/api/v1/survey/s/{token}/form") in public
    assert all(
        p.endswith(("healthz", "readyz", "/oauth/token")) or "/s/{token}" in p for _, p in public
    )
    revoked = await make_key(admin, "revoked", sorted(scopes.SCOPES))
    assert (await admin.delete(f"/admin/keys/{revoked['id']}")).status_code == 200
    gone = clients(revoked["key"])
    took = await until(lambda: _status(gone.get("/api/v1/scoring/templates"), 401))
    assert took < 5
    keys: dict[str, httpx.AsyncClient] = {}
    for needed in sorted({s for _, _, s in routes if s}):
        keys[needed] = clients((await make_key(admin, f"only {needed}", [needed]))["key"])
        others = sorted(scopes.SCOPES - {needed})
        keys["not " + needed] = clients((await make_key(admin, f"not {needed}", others))["key"])
    nobody, stranger = clients(None), clients("jx_not-a-key")
    for method, path, scope in routes:
        if scope is None:
            continue
        url = concrete(path)
        body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
        for caller, expected in (
            (nobody, 401),
            (stranger, 401),
            (gone, 401),
            (keys["not " + scope], 403),
        ):
            response = await caller.request(method, url, json=body)
            assert response.status_code == expected, (method, path, caller.headers.get("x-api-key"))
            assert response.headers["content-type"] == "application/problem+json"
        allowed = await keys[scope].request(method, url, json=body)
        assert allowed.status_code not in AUTH | {429}, (method, path, allowed.text)
        assert allowed.status_code < 500, (method, path, allowed.text)


async def _status(request: Any, expected: int) -> bool:
    response: httpx.Response = await request
    return response.status_code == expected


async def test_client_credentials_give_a_token_that_works_until_its_key_is_revoked(
    clients: Client,
) -> None:
    admin = clients()
    made = await make_key(admin, "budget system", ["scoring:read"])
    form = {"grant_type": "client_credentials", "client_id": made["client"]["id"]}
    refused = await clients(None).post("/oauth/token", data={**form, "client_secret": "jx_nope"})
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    granted = await clients(None).post("/oauth/token", data={**form, "client_secret": made["key"]})
    assert granted.status_code == 200, granted.text
    token = granted.json()
    assert (token["token_type"], token["scope"]) == ("Bearer", "scoring:read")
    bearer = clients(None)
    bearer.headers["authorization"] = f"Bearer {token['access_token']}"
    assert (await bearer.get("/api/v1/scoring/templates")).status_code == 200
    assert (await bearer.post("/api/v1/scoring/projects", json={})).status_code == 403
    tampered = clients(None)
    tampered.headers["authorization"] = f"Bearer {token['access_token'][:-2]}xx"
    assert (await tampered.get("/api/v1/scoring/templates")).status_code == 401
    await admin.delete(f"/admin/keys/{made['id']}")
    await until(lambda: _status(bearer.get("/api/v1/scoring/templates"), 401))


async def test_callers_cannot_pass_their_own_identity_headers(clients: Client) -> None:
    forged = {"x-jixiao-client-id": "someone-else", "x-jixiao-scopes": "admin"}
    response = await clients(None).get("/api/v1/scoring/templates", headers=forged)
    assert response.status_code == 401
    made = await make_key(clients(), "auditor", ["scoring:read"])
    reader = clients(made["key"])
    ok = await reader.get("/api/v1/scoring/templates", headers=forged)
    assert ok.status_code == 200
    assert ok.headers["ratelimit-limit"] == "600"
