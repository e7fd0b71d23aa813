"""Load the seed 001 case into a running system through its public API (idempotent)."""

import json
from pathlib import Path
from typing import Any

import httpx

SEED = Path(__file__).parents[1] / "examples" / "seed001"
PROJECT = "2024年度安全生产监管经费项目"
API = "/api/v1/scoring"


def _read(name: str) -> Any:
    return json.loads((SEED / f"{name}.json").read_text(encoding="utf-8"))


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.text}")
    return response.json()


async def load(client: httpx.AsyncClient) -> dict[str, str]:
    """Create the seed 001 system, project and evaluation unless they are there already."""
    projects = _ok(await client.get(f"{API}/projects"))["items"]
    if any(p["name"] == PROJECT for p in projects):
        return {"status": "already loaded"}
    system = _ok(await client.post(f"{API}/templates/seed001/copies"))
    facts = _read("facts")
    funds = ("预算资金", "实际到位资金", "实际支出资金")
    project = _ok(
        await client.post(
            f"{API}/projects",
            json={
                "name": PROJECT,
                "year": 2024,
                "implementing_unit": "兴宁市应急管理局",
                "commissioning_unit": "兴宁市财政局",
                "facts": {k: facts[k] for k in funds},
            },
        )
    )
    evaluation = _ok(
        await client.post(
            f"{API}/evaluations",
            json={
                "project_id": project["id"],
                "system_key": system["key"],
                "facts": {k: v for k, v in facts.items() if k not in funds},
                "judgements": _read("judgements"),
                "reported": {k: v["value"] for k, v in _read("reported").items()},
                "texts": _read("texts"),
            },
        )
    )
    result = evaluation["result"]
    return {
        "status": "loaded",
        "system_key": system["key"],
        "project_id": project["id"],
        "evaluation_id": evaluation["id"],
        "total": result["total"],
        "grade": result["grade"],
    }
