"""The identity the gateway signs and every service checks: forged, old or missing ones fail."""

import httpx
import pytest
from fastapi import FastAPI

from services.kit import identity, problems

SECRET = b"s" * 32
CALLER = identity.Identity(
    "client-1", "org-a", frozenset({"scoring:read"}), frozenset({"org-a", "org-b"})
)


def test_a_signature_verifies_only_for_its_request_and_secret() -> None:
    headers = dict(identity.sign(SECRET, CALLER, "GET", "/projects?page=2", now=1000))
    assert identity.verify(SECRET, headers, "GET", "/projects?page=2", now=1010) == CALLER
    assert identity.verify(SECRET, headers, "POST", "/projects?page=2", now=1010) is None
    assert identity.verify(SECRET, headers, "GET", "/projects?page=3", now=1010) is None
    assert identity.verify(b"t" * 32, headers, "GET", "/projects?page=2", now=1010) is None
    assert identity.verify(SECRET, headers, "GET", "/projects?page=2", now=1100) is None
    widened = {**headers, identity.SCOPES: "scoring:read admin"}
    assert identity.verify(SECRET, widened, "GET", "/projects?page=2", now=1010) is None
    assert identity.verify(SECRET, {}, "GET", "/projects", now=1010) is None


def test_an_identity_reads_its_own_and_shared_organisations_only() -> None:
    assert CALLER.may_read("org-a")
    assert CALLER.may_read("org-b")
    assert not CALLER.may_read("org-c")
    assert not CALLER.may_read(None)
    assert identity.Identity.service("report").may_read("org-c")


def _app() -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/things")
    async def things(caller: identity.IdentityDep) -> dict[str, str | None]:
        return {"client": caller.client_id, "org": caller.org_id}

    app.add_middleware(identity.IdentityCheck, secret=SECRET)
    return app


@pytest.fixture
def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://svc")


async def test_the_check_refuses_unsigned_requests_but_not_health(
    client: httpx.AsyncClient,
) -> None:
    refused = await client.get("/things")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert (await client.get("/healthz")).status_code == 200
    signed = dict(identity.sign(SECRET, CALLER, "GET", "/things"))
    answer = await client.get("/things", headers=signed)
    assert answer.json() == {"client": "client-1", "org": "org-a"}


async def test_a_signed_client_calls_on_behalf_of_the_current_caller(
    client: httpx.AsyncClient,
) -> None:
    identity.sign_client(client, SECRET, "report")
    as_service = await client.get("/things")
    assert as_service.json() == {"client": "service:report", "org": None}
    with identity.acting_as(CALLER):
        assert (await client.get("/things")).json() == {"client": "client-1", "org": "org-a"}
