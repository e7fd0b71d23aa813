"""Document jobs through the API: 202 and a location, stored documents, restarts, load."""

import asyncio
import hashlib
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import Session, col, create_engine

from services.kit import db, migrations
from services.kit.identity import Identity
from services.kit.models import utcnow
from services.report import jobs, render
from services.report.models import JobRecord
from tests.conftest import NewDatabase
from tests.report import seed001
from tests.report.conftest import REPORTS, SCORING, Databases, make, system, wait

PROBLEM = "application/problem+json"
INI = Path(__file__).parents[2] / "services" / "report" / "alembic.ini"


async def test_a_request_is_accepted_with_the_public_location_of_its_job(
    gateway: httpx.AsyncClient,
) -> None:
    evaluation = await seed001.create(gateway, SCORING)
    posted = await gateway.post(
        f"{REPORTS}/evaluations/{evaluation['id']}/documents", json={"format": "md"}
    )
    assert posted.status_code == 202
    location = posted.headers["location"]
    assert location.startswith(f"{REPORTS}/jobs/")
    assert posted.json()["url"] == location
    job = await wait(gateway, location)
    assert (job["state"], job["revision"], job["kind"]) == (
        "done",
        evaluation["revision"],
        "report",
    )
    document = job["document"]
    assert document["url"] == f"{REPORTS}/documents/{document['id']}"
    download = await gateway.get(document["url"])
    assert download.headers["content-type"] == "text/markdown; charset=utf-8"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="evaluation-report-')
    name = quote("2024年度安全生产监管经费项目绩效评价报告.md")
    assert disposition.endswith(f"filename*=UTF-8''{name}")
    assert hashlib.sha256(download.content).hexdigest() == document["sha256"]
    again = await gateway.get(document["url"], headers={"if-none-match": download.headers["etag"]})
    assert again.status_code == 304


async def test_the_stored_document_is_given_back_until_the_evaluation_changes(
    gateway: httpx.AsyncClient,
) -> None:
    evaluation = await seed001.create(gateway, SCORING, finalize=False)
    first = await make(gateway, evaluation["id"], fmt="html")
    posted = await gateway.post(
        f"{REPORTS}/evaluations/{evaluation['id']}/documents", json={"format": "html"}
    )
    assert posted.status_code == 202
    assert posted.json()["state"] == "done"
    assert posted.json()["document"]["id"] == first.job["document"]["id"]
    texts = {**seed001.TEXTS, "problems": "（一）复核后发现的新问题。"}
    changed = await gateway.patch(
        f"{SCORING}/evaluations/{evaluation['id']}", json={"texts": texts}
    )
    assert changed.status_code == 200, changed.text
    second = await make(gateway, evaluation["id"], fmt="html")
    assert second.job["revision"] == changed.json()["revision"] > first.job["revision"]
    assert second.job["document"]["id"] != first.job["document"]["id"]
    assert second.job["document"]["data_sha256"] != first.job["document"]["data_sha256"]
    assert "复核后发现的新问题" in second.content.decode()


async def test_requests_that_cannot_be_made_are_problems(gateway: httpx.AsyncClient) -> None:
    judgements = dict(seed001.example("judgements"))
    del judgements["2.1.3"]
    pending = await seed001.create(gateway, SCORING, finalize=False, judgements=judgements)
    url = f"{REPORTS}/evaluations/{{}}/documents"
    answers = {
        "missing evaluation": await gateway.post(url.format(uuid.uuid4()), json={}),
        "incomplete": await gateway.post(url.format(pending["id"]), json={}),
        "bad format": await gateway.post(url.format(pending["id"]), json={"format": "xls"}),
        "missing template": await gateway.post(
            url.format(pending["id"]), json={"format": "docx", "template_id": str(uuid.uuid4())}
        ),
        "missing job": await gateway.get(f"{REPORTS}/jobs/{uuid.uuid4()}"),
        "missing document": await gateway.get(f"{REPORTS}/documents/{uuid.uuid4()}"),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "missing evaluation": 404,
        "incomplete": 409,
        "bad format": 422,
        "missing template": 404,
        "missing job": 404,
        "missing document": 404,
    }
    assert all(a.headers["content-type"] == PROBLEM for a in answers.values())
    assert answers["missing evaluation"].json()["type"] == "/problems/evaluation-not-found"
    assert answers["incomplete"].json()["pending"] == ["2.1.3"]


async def test_ten_requests_at_once_all_finish(gateway: httpx.AsyncClient) -> None:
    evaluation = await seed001.create(gateway, SCORING)
    asked = [(k, f) for k in ("report", "notice") for f in ("docx", "html", "md")]
    asked += asked[:4]  # four asked twice at the same moment
    url = f"{REPORTS}/evaluations/{evaluation['id']}/documents"
    posted = await asyncio.gather(
        *(gateway.post(url, json={"kind": k, "format": f}) for k, f in asked)
    )
    assert [p.status_code for p in posted] == [202] * 10
    done = await asyncio.gather(*(wait(gateway, p.headers["location"]) for p in posted))
    assert [job["state"] for job in done] == ["done"] * 10
    by_request = {(j["kind"], j["format"]): j["document"]["id"] for j in done}
    assert len(by_request) == 6 == len({j["document"]["id"] for j in done})


async def _post(client: httpx.AsyncClient, evaluation_id: str, fmt: str) -> dict[str, Any]:
    posted = await client.post(
        f"{REPORTS}/evaluations/{evaluation_id}/documents", json={"format": fmt}
    )
    assert posted.status_code == 202, posted.text
    job: dict[str, Any] = posted.json()
    return job


async def test_a_restart_picks_up_jobs_left_queued_or_running(new_database: NewDatabase) -> None:
    databases = Databases.new(new_database)
    async with system(databases, run_worker=False) as client:
        evaluation = await seed001.create(client, SCORING)
        other = await seed001.create(client, SCORING, finalize=False)
        queued = await _post(client, evaluation["id"], "md")
        abandoned = await _post(client, evaluation["id"], "html")
        doomed = await _post(client, other["id"], "md")
        unjudged = {"judgements": {"2.1.3": None}, "reason": "复核"}
        changed = await client.patch(f"{SCORING}/evaluations/{other['id']}", json=unjudged)
        assert changed.status_code == 200, changed.text
    assert queued["state"] == abandoned["state"] == doomed["state"] == "queued"
    # A process died making `abandoned`: it is running, and its lease has run out.
    engine = create_engine(db.sync_url(databases.report))
    with Session(engine) as session:
        session.exec(
            update(JobRecord)
            .where(col(JobRecord.id) == uuid.UUID(abandoned["id"]))
            .values(state="running", attempts=1, claim_token=uuid.uuid4(), lease_until=utcnow())
        )
        session.commit()
    engine.dispose()
    async with system(databases) as client:
        finished = [await wait(client, job["url"]) for job in (queued, abandoned, doomed)]
    assert [job["state"] for job in finished] == ["done", "done", "failed"]
    assert finished[1]["attempts"] == 2
    assert "no longer completely scored" in finished[2]["error"]


def _job(key: str) -> JobRecord:
    caller = Identity("someone", "org-1", frozenset({"reports:write"}), frozenset({"org-1"}))
    return JobRecord(
        org_id="org-1",
        caller=jobs.caller_record(caller),
        evaluation_id=uuid.uuid4(),
        revision=1,
        kind="report",
        format="md",
        cache_key=key,
    )


async def test_two_workers_never_claim_the_same_job(database_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, INI, database_url)
    engines = [db.create_engine(database_url) for _ in range(2)]
    sessions = [db.sessionmaker(engine) for engine in engines]
    try:
        async with sessions[0]() as session:
            for n in range(5):
                session.add(_job(str(n)))
            await session.commit()
        claims = await asyncio.gather(*(jobs.claim(sessions[n % 2], 30) for n in range(12)))
        taken = [claim[0] for claim in claims if claim is not None]
        assert len(taken) == 5 == len(set(taken))
        assert await jobs.claim(sessions[0], 30) is None  # leases are alive: nothing to take
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_lapsed_lease_is_taken_over_and_the_old_holder_loses(database_url: str) -> None:
    await asyncio.to_thread(migrations.upgrade, INI, database_url)
    engine = db.create_engine(database_url)
    sessions = db.sessionmaker(engine)
    try:
        async with sessions() as session:
            session.add(_job("k"))
            await session.commit()
        first = await jobs.claim(sessions, lease_s=-1)  # its lease is over at once
        assert first is not None
        second = await jobs.claim(sessions, lease_s=30)
        assert second is not None
        assert second[0] == first[0]
        assert second[1] != first[1]
        assert await jobs.fail(sessions, *first, "late") is False
        assert await jobs.retry(sessions, *second, timedelta(minutes=1).total_seconds())
        assert await jobs.claim(sessions, 30) is None  # queued again, but not due yet
    finally:
        await engine.dispose()


async def test_a_stop_while_making_puts_the_job_back_in_the_queue(
    new_database: NewDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked, release = threading.Event(), threading.Event()

    def slow(*args: Any) -> bytes:
        blocked.set()
        release.wait(10)
        return b"never stored"

    monkeypatch.setattr(render, "make", slow)
    databases = Databases.new(new_database)
    try:
        async with system(databases) as client:
            evaluation = await seed001.create(client, SCORING)
            job = await _post(client, evaluation["id"], "md")
            await asyncio.to_thread(blocked.wait, 10)
    finally:
        release.set()
    engine = create_engine(db.sync_url(databases.report))
    with Session(engine) as session:
        stored = session.get(JobRecord, uuid.UUID(job["id"]))
        assert stored is not None
        assert (stored.state, stored.attempts, stored.claim_token) == ("queued", 0, None)
    engine.dispose()
