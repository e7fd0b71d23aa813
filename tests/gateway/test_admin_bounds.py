"""Every text, list and map of the gateway's own request bodies has a bound, and it holds."""

import httpx
import pytest

from gateway.scopes import SCOPES
from tests.gateway.conftest import Client

pytestmark = pytest.mark.parametrize("new_database", ["sqlite"], indirect=True)
PROBLEM = "application/problem+json"
EVERY_RATE = {**dict.fromkeys(sorted(SCOPES), "60/minute"), "*": "600/minute"}


def _refused(answer: httpx.Response) -> list[str]:
    """Return the fields a 422 problem names."""
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["type"] == "/problems/invalid-request"
    return [error["path"] for error in answer.json()["errors"]]


async def test_admin_bodies_refuse_what_is_past_their_bounds(clients: Client) -> None:
    admin = clients()
    org = await admin.post("/admin/organisations", json={"name": "兴宁市财政局", "kind": "agency"})
    body = {"name": "预算系统", "organisation_id": org.json()["id"], "scopes": ["scoring:read"]}
    too_long = await admin.post("/admin/organisations", json={"name": "局" * 201, "kind": "agency"})
    assert _refused(too_long) == ["body.name"]
    control = await admin.post("/admin/organisations", json={"name": "a\x00b", "kind": "agency"})
    assert _refused(control) == ["body.name"]
    nine_scopes = {**body, "scopes": ["scoring:read"] * (len(SCOPES) + 1)}
    assert _refused(await admin.post("/admin/clients", json=nine_scopes)) == ["body.scopes"]
    unknown = {**body, "rates": {"scoring-write": "60/minute"}}  # a typo would limit nothing
    assert _refused(await admin.post("/admin/clients", json=unknown)) == [
        "body.rates.scoring-write.[key]"
    ]
    long_rate = {**body, "rates": {"*": "1" * 34 + "/minute"}}  # 41 characters
    assert _refused(await admin.post("/admin/clients", json=long_rate)) == ["body.rates.*"]
    # At the bounds: every scope once, a rate for each and for the rest.
    full = {**body, "scopes": sorted(SCOPES), "rates": EVERY_RATE}
    created = await admin.post("/admin/clients", json=full)
    assert created.status_code == 201, created.text
    assert created.json()["rates"] == EVERY_RATE
    client = f"/admin/clients/{created.json()['id']}"
    patch = await admin.patch(client, json={"scopes": ["admin"] * (len(SCOPES) + 1)})
    assert _refused(patch) == ["body.scopes"]
    label = await admin.post(f"{client}/keys", json={"label": "键" * 201})
    assert _refused(label) == ["body.label"]


async def test_subscriptions_and_the_token_form_refuse_what_is_past_their_bounds(
    clients: Client,
) -> None:
    admin = clients()
    url = "https://pingjia.example.com.cn/hooks/" + "a" * 1964  # 2001 characters
    too_long = {"url": url, "events": ["report.ready"]}
    assert _refused(await admin.post("/webhooks/subscriptions", json=too_long)) == ["body.url"]
    events = ["evaluation.finalized", "report.ready", "survey.closed", "report.ready"]
    four = {"url": "https://pingjia.example.com.cn/hooks/jixiao", "events": events}
    assert _refused(await admin.post("/webhooks/subscriptions", json=four)) == ["body.events"]
    three = {**four, "events": events[:3]}
    assert (await admin.post("/webhooks/subscriptions", json=three)).status_code == 201
    form = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "jx_" * 86}
    assert _refused(await clients(None).post("/oauth/token", data=form)) == ["body.client_secret"]
    wide = {**form, "client_secret": "jx_guess", "scope": "scoring:read " * 39}  # 507
    assert _refused(await clients(None).post("/oauth/token", data=wide)) == ["body.scope"]
