"""Fixtures of the report tests: the whole system in one process, and seed 001's documents."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from gateway.main import LocalSettings, create_app
from gateway.settings import GatewaySettings
from services.kit import testing
from services.report.settings import ReportSettings
from services.scoring.settings import ScoringSettings
from services.survey.settings import SurveySettings
from tests.conftest import NewDatabase
from tests.report import seed001

ADMIN_KEY = "jx_test-admin-key-0123456789"  # every scope, in the bootstrap organisation
API = "/api/v1"
SCORING, REPORTS = f"{API}/scoring", f"{API}/reports"
FORMATS = ("docx", "pdf", "html", "md")


def report_settings(database_url: str, **changes: Any) -> ReportSettings:
    """Report settings for tests: a quick poll, so restarts are seen at once."""
    return ReportSettings(database_url=database_url, poll_interval_s=0.05, **changes)


@dataclass(frozen=True)
class Databases:
    """Where one in-process system keeps its data; kept to start it again on the same data."""

    gateway: str
    scoring: str
    survey: str
    report: str

    @classmethod
    def new(cls, new_database: NewDatabase) -> "Databases":
        """Four empty databases on the test's backend."""
        return cls(new_database(), new_database(), new_database(), new_database())


@asynccontextmanager
async def system(databases: Databases, **report: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Run the gateway and the three services in this process; yield an admin's client."""
    gateway = GatewaySettings(
        _env_file=None,
        database_url=databases.gateway,
        bootstrap_admin_key=SecretStr(ADMIN_KEY),
    )
    local = LocalSettings(
        scoring=ScoringSettings(database_url=databases.scoring),
        survey=SurveySettings(database_url=databases.survey),
        report=report_settings(databases.report, **report),
    )
    async with testing.started(create_app(gateway, local)) as client:
        client.headers["x-api-key"] = ADMIN_KEY
        yield client


@pytest.fixture
async def gateway(new_database: NewDatabase) -> AsyncIterator[httpx.AsyncClient]:
    """An admin's client of an in-process gateway whose services run in the same process."""
    async with system(Databases.new(new_database)) as client:
        yield client


async def wait(client: httpx.AsyncClient, url: str, timeout_s: float = 60) -> dict[str, Any]:
    """Poll a job until it is done or failed."""
    async with asyncio.timeout(timeout_s):
        while True:
            answer = await client.get(url)
            assert answer.status_code == 200, answer.text
            job: dict[str, Any] = answer.json()
            if job["state"] in ("done", "failed"):
                return job
            await asyncio.sleep(0.05)


@dataclass(frozen=True)
class Made:
    """A document made through the API: its job, its bytes and the download's headers."""

    job: dict[str, Any]
    content: bytes
    headers: httpx.Headers


async def make(
    client: httpx.AsyncClient,
    evaluation_id: str,
    kind: str = "report",
    fmt: str = "pdf",
    **more: Any,
) -> Made:
    """Ask for a document, wait for its job and download it."""
    posted = await client.post(
        f"{REPORTS}/evaluations/{evaluation_id}/documents",
        json={"kind": kind, "format": fmt, **more},
    )
    assert posted.status_code == 202, posted.text
    job = await wait(client, posted.headers["location"])
    assert job["state"] == "done", job["error"]
    download = await client.get(job["document"]["url"])
    assert download.status_code == 200, download.text
    return Made(job, download.content, download.headers)


async def _make_all(directory: Path) -> tuple[dict[str, Any], dict[tuple[str, str], Made]]:
    databases = Databases(
        *(f"sqlite:///{directory}/{name}.db" for name in ("gateway", "scoring", "survey", "report"))
    )
    async with system(databases) as client:
        evaluation = await seed001.create(client, SCORING)
        made = {
            (kind, fmt): await make(client, evaluation["id"], kind, fmt)
            for kind in ("report", "notice")
            for fmt in FORMATS
        }
        # Forget the stored documents: made again, they must come out byte for byte the same.
        with sqlite3.connect(directory / "report.db") as connection:
            connection.execute("DELETE FROM job")
            connection.execute("DELETE FROM document")
        connection.close()
        for fmt in ("docx", "pdf"):
            made["again", fmt] = await make(client, evaluation["id"], "report", fmt)
    return evaluation, made


@pytest.fixture(scope="session")
def seed001_made(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, Any], dict[tuple[str, str], Made]]:
    """Seed 001's finalized evaluation, and its report and notice in every format (made once)."""
    return asyncio.run(_make_all(tmp_path_factory.mktemp("seed001")))


@pytest.fixture
def seed001_evaluation(
    seed001_made: tuple[dict[str, Any], dict[tuple[str, str], Made]],
) -> dict[str, Any]:
    """The evaluation the seed 001 documents were made from."""
    return seed001_made[0]


@pytest.fixture
def documents(
    seed001_made: tuple[dict[str, Any], dict[tuple[str, str], Made]],
) -> dict[tuple[str, str], Made]:
    """Seed 001's documents by (kind, format)."""
    return seed001_made[1]
