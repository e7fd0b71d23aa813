"""The system a soak runs against: four uvicorn processes on PostgreSQL and Redis, and its data.

Wired as `make run-split` wires it (scripts/run-split.sh), on fresh databases and a fresh Redis
prefix. Ports are chosen first so that all four processes start at once: on two shared cores,
each start alone took 10-15 s under load, and that is mostly imports, which overlap well.
"""

import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.harness import ROOT, Process
from services.kit import testing
from tests.report import seed001

ADMIN_KEY = "jx_soak-" + secrets.token_urlsafe(16)
SECRET = secrets.token_urlsafe(32)  # shared by the gateway and the services
SCOPES = ["scoring:read", "scoring:write", "survey:manage", "reports:read", "reports:write"]
UNLIMITED = "100000000/minute"  # limits are still checked on every call, never reached
STARTUP_S = 180.0  # four processes importing at once on two busy cores


@dataclass(frozen=True)
class Setup:
    """What the load uses: a stateless score body, a draft evaluation and a survey."""

    score_body: bytes
    evaluation_id: str
    survey_id: str
    token: str


def _environments(ports: dict[str, int], databases: list[str]) -> dict[str, dict[str, str]]:
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    common = {"JIXIAO_INTERNAL_SECRET": SECRET}
    redis = os.environ.get("JIXIAO_SOAK_REDIS_URL", "redis://127.0.0.1:6379/0")
    return {
        "scoring": {**common, "SCORING_DATABASE_URL": databases[0]},
        "survey": {**common, "SURVEY_DATABASE_URL": databases[1]},
        "report": {
            **common,
            "REPORT_DATABASE_URL": databases[2],
            "REPORT_SCORING_URL": url["scoring"],
            "REPORT_SURVEY_URL": url["survey"],
        },
        "gateway": {
            **common,
            "GATEWAY_DATABASE_URL": databases[3],
            "GATEWAY_SCORING_URL": url["scoring"],
            "GATEWAY_SURVEY_URL": url["survey"],
            "GATEWAY_REPORT_URL": url["report"],
            "GATEWAY_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
            "GATEWAY_PUBLIC_RATE": UNLIMITED,  # every sheet comes from this one address
            "GATEWAY_REDIS_URL": redis,
            "GATEWAY_REDIS_PREFIX": f"soak-{uuid.uuid4().hex[:8]}",
        },
    }


# In start order; they stop in reverse, the gateway first.
APPS = {
    "scoring": "services.scoring.main:app",
    "survey": "services.survey.main:app",
    "report": "services.report.main:app",
    "gateway": "gateway.main:app",
}


def system(stack: ExitStack, logs: Path, loop: str = "auto") -> dict[str, Process]:
    """Start the services and a remote-mode gateway; stop them and drop their data with `stack`.

    Each process's stderr (its JSON logs) goes to `logs/<name>.log`. `loop` is uvicorn's event
    loop: "auto" (uvloop when installed, as deployed) or "asyncio".
    """
    databases = [stack.enter_context(testing.postgres_database()) for _ in range(4)]
    ports = {name: testing.free_port() for name in APPS}
    environments = _environments(ports, databases)
    logs.mkdir(parents=True, exist_ok=True)
    processes = {}
    for name, app in APPS.items():
        log = stack.enter_context((logs / f"{name}.log").open("wb"))
        popen = subprocess.Popen(
            [*testing.uvicorn_command(app, ports[name]), "--loop", loop],
            env={**os.environ, **environments[name]},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        stack.callback(testing.stop, popen)
        processes[name] = Process(name, ports[name], popen)
    deadline = time.monotonic() + STARTUP_S
    for process in processes.values():
        try:
            left = max(1.0, deadline - time.monotonic())
            testing.wait_healthy(f"{process.url}/healthz", process.popen, timeout_s=left)
        except (RuntimeError, TimeoutError) as error:
            tail = (logs / f"{process.name}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{process.name} did not start: {error}\n{tail}") from None
    return processes


def print_errors(logs: Path, most: int = 3000) -> None:
    """Print to stderr the end of what each process logged above INFO."""
    for log in sorted(logs.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        loud = "\n".join(line for line in lines if '"level": "info"' not in line)
        if loud:
            sys.stderr.write(f"--- {log.name}\n{loud[-most:]}\n")


async def _made(client: httpx.AsyncClient, path: str, body: Any) -> dict[str, Any]:
    answer = await client.post(path, json=body)
    if answer.status_code != 201:
        raise RuntimeError(f"setup {path}: {answer.status_code} {answer.text[:500]}")
    made: dict[str, Any] = answer.json()
    return made


async def api_key(gateway_url: str) -> str:
    """Make an organisation, a client with every service scope, and its key (as the admin)."""
    async with httpx.AsyncClient(
        base_url=gateway_url, headers={"x-api-key": ADMIN_KEY}, timeout=30
    ) as admin:
        name = f"兴宁市财政局（soak {uuid.uuid4().hex[:6]}）"
        org = await _made(admin, "/admin/organisations", {"name": name, "kind": "finance_bureau"})
        client_body = {
            "name": f"soak-{uuid.uuid4().hex[:6]}",
            "organisation_id": org["id"],
            "scopes": SCOPES,
            "rates": {"*": UNLIMITED},
        }
        client = await _made(admin, "/admin/clients", client_body)
        made = await _made(admin, f"/admin/clients/{client['id']}/keys", {"label": "soak"})
    key: str = made["key"]
    return key


async def prepare(client: httpx.AsyncClient) -> Setup:
    """Store seed 001's draft evaluation and a survey; build the stateless score body."""
    evaluation = await seed001.create(client, "/api/v1/scoring", finalize=False)
    key = (await _made(client, "/api/v1/scoring/templates/seed001/copies", None))["key"]
    body = {
        "system_key": key,
        "version": 1,
        "facts": seed001.example("facts"),
        "judgements": seed001.example("judgements"),
    }
    questionnaire = await _made(client, "/api/v1/survey/templates/seed001/copies", None)
    survey = await _made(
        client,
        "/api/v1/survey/surveys",
        {"questionnaire_key": questionnaire["key"], "name": "市民满意度调查（soak）"},
    )
    return Setup(
        json.dumps(body, ensure_ascii=False).encode(),
        evaluation["id"],
        survey["id"],
        survey["public_token"],
    )
