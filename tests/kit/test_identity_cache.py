"""Signatures the check remembers: still only for their request, and never past their age."""

import time

import httpx
import pytest
from fastapi import FastAPI

from services.kit import identity, problems

SECRET = b"s" * 32
CALLER = identity.Identity("client-1", "org-a", frozenset({"survey:read"}), frozenset({"org-a"}))


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = FastAPI()
    problems.install(app)

    @app.get("/things/{name}")
    async def thing(name: str, caller: identity.IdentityDep) -> dict[str, str]:
        return {"name": name, "client": caller.client_id}

    app.add_middleware(identity.IdentityCheck, secret=SECRET)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


async def test_a_remembered_signature_answers_only_its_own_request_while_fresh(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed = dict(identity.sign(SECRET, CALLER, "GET", "/things/a"))
    for _ in range(2):  # checked, then remembered
        answer = await client.get("/things/a", headers=signed)
        assert answer.json() == {"name": "a", "client": "client-1"}
    assert (await client.get("/things/b", headers=signed)).status_code == 401
    assert (await client.delete("/things/a", headers=signed)).status_code == 401
    widened = {**signed, identity.SCOPES: "survey:read survey:manage"}
    assert (await client.get("/things/a", headers=widened)).status_code == 401
    other_org = {**signed, identity.ORG: "org-b"}
    assert (await client.get("/things/a", headers=other_org)).status_code == 401
    later = time.time() + identity.MAX_SKEW_S + 2
    monkeypatch.setattr(time, "time", lambda: later)  # the clock the check reads
    assert (await client.get("/things/a", headers=signed)).status_code == 401
