"""Organisations: a caller reads only the jobs, documents and templates of its organisation."""

import asyncio
from typing import Any

import httpx

from tests.report import seed001
from tests.report.conftest import REPORTS, SCORING, make
from tests.report.test_templates import GOOD, upload


async def other_key(admin: httpx.AsyncClient, scopes: list[str]) -> str:
    """Add another organisation with a client holding `scopes`; return the client's key."""
    org = await admin.post("/admin/organisations", json={"name": "另一财政局", "kind": "agency"})
    assert org.status_code == 201, org.text
    body = {"name": "另一财政局系统", "organisation_id": org.json()["id"], "scopes": scopes}
    client = await admin.post("/admin/clients", json=body)
    assert client.status_code == 201, client.text
    key = await admin.post(f"/admin/clients/{client.json()['id']}/keys", json={"label": "test"})
    assert key.status_code == 201, key.text
    plain: str = key.json()["key"]
    return plain


async def _as(client: httpx.AsyncClient, key: str, url: str) -> httpx.Response:
    return await client.get(url, headers={"x-api-key": key})


async def test_another_organisation_reads_nothing_of_ours(gateway: httpx.AsyncClient) -> None:
    evaluation = await seed001.create(gateway, SCORING)
    ours = await make(gateway, evaluation["id"], fmt="md")
    template: dict[str, Any] = (await upload(gateway, GOOD)).json()
    key = await other_key(gateway, ["reports:read", "reports:write"])
    for _ in range(200):  # the gateway takes up new keys within a second
        listed = await _as(gateway, key, f"{REPORTS}/templates")
        if listed.status_code != 401:
            break
        await asyncio.sleep(0.05)
    assert listed.json()["items"] == []
    for url in (
        ours.job["url"],
        ours.job["document"]["url"],
        f"{REPORTS}/templates/{template['id']}",
    ):
        answer = await _as(gateway, key, url)
        assert answer.status_code == 404, url  # not 403: what exists elsewhere is not told
    assert (await gateway.get(ours.job["document"]["url"])).status_code == 200
