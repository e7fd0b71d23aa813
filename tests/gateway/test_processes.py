"""The gateway in front of services running as their own uvicorn processes on loopback."""

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from gateway.main import create_app
from gateway.settings import GatewaySettings
from services.kit import db, testing
from tests.conftest import NewDatabase
from tests.gateway.conftest import ADMIN_KEY

ROOT = Path(__file__).parents[2]
SECRET = "test-internal-secret"  # shared by the gateway and the service processes
pytestmark = pytest.mark.processes


@dataclass
class Services:
    """Three service processes and how to restart one of them."""

    logs: Path
    env: dict[str, dict[str, str]]
    ports: dict[str, int]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str) -> None:
        env = {**self.env[name], "PYTHONUNBUFFERED": "1", "JIXIAO_INTERNAL_SECRET": SECRET}
        with (self.logs / f"{name}.log").open("ab") as log:  # the child keeps its own handle
            process = subprocess.Popen(
                testing.uvicorn_command(f"services.{name}.main:app", self.ports[name]),
                env={**os.environ, **env},
                cwd=ROOT,
                stderr=log,
                stdout=log,
            )
        testing.wait_healthy(f"http://127.0.0.1:{self.ports[name]}/healthz", process)
        self.processes[name] = process

    def log_lines(self, name: str) -> list[dict[str, object]]:
        lines = (self.logs / f"{name}.log").read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.fixture
def services(new_database: NewDatabase, tmp_path: Path) -> Iterator[Services]:
    ports = {name: testing.free_port() for name in ("scoring", "survey", "report")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {
        "scoring": {"SCORING_DATABASE_URL": new_database()},
        "survey": {"SURVEY_DATABASE_URL": new_database()},
        "report": {
            "REPORT_DATABASE_URL": new_database(),
            "REPORT_SCORING_URL": urls["scoring"],
            "REPORT_SURVEY_URL": urls["survey"],
        },
    }
    running = Services(tmp_path, env, ports)
    try:
        for name in ports:
            running.start(name)
        yield running
    finally:
        for process in running.processes.values():
            if process.poll() is None:
                os.kill(process.pid, signal.SIGCONT)
                testing.stop(process)


@pytest.fixture
async def gateway(
    services: Services, new_database: NewDatabase
) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(
        _env_file=None,
        database_url=new_database(),
        internal_secret=SecretStr(SECRET),
        bootstrap_admin_key=SecretStr(ADMIN_KEY),
        scoring_url=f"http://127.0.0.1:{services.ports['scoring']}",
        survey_url=f"http://127.0.0.1:{services.ports['survey']}",
        report_url=f"http://127.0.0.1:{services.ports['report']}",
        timeout_s=1.0,
        connect_timeout_s=0.5,
    )
    async with testing.started(create_app(settings)) as client:
        client.headers["x-api-key"] = ADMIN_KEY
        yield client


async def test_remote_services_are_ready_and_problems_pass_through(
    gateway: httpx.AsyncClient,
) -> None:
    ready = await gateway.get("/readyz")
    assert ready.status_code == 200, ready.text
    missing = await gateway.get("/api/v1/reports/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["instance"] == "/api/v1/reports/no-such-thing"


async def test_request_id_reaches_the_service_process(
    gateway: httpx.AsyncClient, services: Services
) -> None:
    response = await gateway.get("/api/v1/survey/healthz", headers={"X-Request-ID": "hop-7"})
    assert response.headers["x-request-id"] == "hop-7"
    # The service logs after its response is sent: poll its log briefly.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        ids = [line.get("request_id") for line in services.log_lines("survey")]
        if "hop-7" in ids:
            break
        await asyncio.sleep(0.05)
    assert "hop-7" in ids


async def test_stopped_service_gives_503_and_recovers_when_back(
    gateway: httpx.AsyncClient, services: Services
) -> None:
    testing.stop(services.processes["survey"])
    down = await gateway.get("/api/v1/survey/healthz")
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    assert down.json()["service"] == "survey"
    assert "survey" in down.json()["detail"]
    not_ready = await gateway.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["services"]["survey"]["status"] == "unavailable"
    assert not_ready.json()["services"]["scoring"] == {"status": "ready"}

    services.start("survey")
    back = await gateway.get("/api/v1/survey/healthz")
    assert back.status_code == 200
    assert (await gateway.get("/readyz")).status_code == 200


async def test_hung_service_gives_504_after_the_timeout_and_recovers(
    gateway: httpx.AsyncClient, services: Services
) -> None:
    scoring = services.processes["scoring"]
    os.kill(scoring.pid, signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        hung = await gateway.get("/api/v1/scoring/healthz")
        assert hung.status_code == 504
        assert hung.headers["content-type"] == "application/problem+json"
        assert hung.json()["service"] == "scoring"
    finally:
        os.kill(scoring.pid, signal.SIGCONT)
    assert (await gateway.get("/api/v1/scoring/healthz")).status_code == 200


@pytest.mark.parametrize("new_database", ["sqlite"], indirect=True)
async def test_a_service_refuses_requests_that_do_not_come_through_the_gateway(
    services: Services,
) -> None:
    url = f"http://127.0.0.1:{services.ports['scoring']}"
    forged = {"x-jixiao-client-id": "me", "x-jixiao-timestamp": "1", "x-jixiao-signature": "00"}
    async with httpx.AsyncClient() as direct:
        refused = await direct.get(f"{url}/templates", headers=forged)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert (await direct.get(f"{url}/healthz")).status_code == 200


async def test_bodies_validation_errors_and_crashes_cross_the_process_boundary(
    gateway: httpx.AsyncClient, services: Services
) -> None:
    created = await gateway.post(
        "/api/v1/scoring/projects", json={"name": "兴宁安全生产监管经费", "year": 2024}
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "兴宁安全生产监管经费"  # the body reached the service
    invalid = await gateway.post("/api/v1/scoring/projects", json={"name": "", "year": "去年"})
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == "application/problem+json"
    assert {e["path"] for e in invalid.json()["errors"]} == {"body.name", "body.year"}

    # Take the table away under the running service: its query fails, the caller gets a 500
    # problem without internals, and the service answers again once the table is back.
    engine = create_engine(db.sync_url(services.env["scoring"]["SCORING_DATABASE_URL"]))
    try:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE project RENAME TO project_away"))
        crashed = await gateway.get("/api/v1/scoring/projects")
        assert crashed.status_code == 500
        assert crashed.headers["content-type"] == "application/problem+json"
        assert crashed.json()["type"] == "/problems/internal"
        assert "project_away" not in crashed.text
        assert "Traceback" not in crashed.text
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE project_away RENAME TO project"))
    finally:
        engine.dispose()
    listed = await gateway.get("/api/v1/scoring/projects")
    assert [p["name"] for p in listed.json()["items"]] == ["兴宁安全生产监管经费"]
