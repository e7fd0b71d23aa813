"""Fixtures of the report tests: the whole system in one process, and seed 001's documents."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.main import LocalSettings, create_app
from gateway.settings import GatewaySettings
from services.kit import testing
from services.report.settings import ReportSettings
from services.scoring.settings import ScoringSettings
from services.survey.settings import SurveySettings
from tests.conftest import NewDatabase
from tests.report import seed001

API = "/api/v1"
SCORING, REPORTS = f"{API}/scoring", f"{API}/reports"
FORMATS = ("docx", "pdf", "html", "md")


def report_settings(database_url: str, **changes: Any) -> ReportSettings:
    """Report settings for tests: a quick poll, so restarts are seen at once."""
    return ReportSettings(database_url=database_url, poll_interval_s=0.05, **changes)


def local_settings(new_database: NewDatabase, **report: Any) -> LocalSettings:
    """Settings for three in-process services, each on its own empty database."""
    return LocalSettings(
        scoring=ScoringSettings(database_url=new_database()),
        survey=SurveySettings(database_url=new_database()),
        report=report_settings(new_database(), **report),
    )


@pytest.fixture
async def gateway(new_database: NewDatabase) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an in-process gateway whose services run in the same process."""
    app = create_app(GatewaySettings(_env_file=None), local_settings(new_database))
    async with testing.started(app) as client:
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
    app = create_app(
        GatewaySettings(_env_file=None),
        LocalSettings(
            scoring=ScoringSettings(database_url=f"sqlite:///{directory}/scoring.db"),
            survey=SurveySettings(database_url=f"sqlite:///{directory}/survey.db"),
            report=report_settings(f"sqlite:///{directory}/report.db"),
        ),
    )
    async with testing.started(app) as client:
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
