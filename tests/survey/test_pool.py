"""The autocommit connections of single submits: committed on return, bounded, self-healing."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url

from services.kit import db, migrations, testing
from services.kit.clients import service_client
from services.kit.models import utcnow
from services.survey import answers, ingest, store
from services.survey.api.templates import template
from services.survey.main import create_app
from services.survey.models import SurveyRecord
from services.survey.pool import AutocommitPool
from services.survey.settings import SurveySettings
from tests.survey.conftest import CALLER, field, likert_sheet

pytestmark = pytest.mark.postgres
INI = Path(__file__).parents[2] / "services" / "survey" / "alembic.ini"
GOOD = ("满意", "满意", "一般")


@pytest.fixture
async def schema(postgres_database: str) -> str:
    """A migrated, empty PostgreSQL schema."""
    url = testing.postgres_schema_url(postgres_database)
    await asyncio.to_thread(migrations.upgrade, INI, url)
    return url


@pytest.fixture
async def pool(schema: str) -> AsyncIterator[AutocommitPool]:
    """An autocommit pool of at most two connections on the schema."""
    engine = db.create_engine(schema)
    made = AutocommitPool(engine, 2)
    try:
        yield made
    finally:
        await made.close()
        await engine.dispose()


def libpq(url: str) -> str:
    """Return a SQLAlchemy URL as psycopg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def count(url: str, table: str) -> int:
    """Count rows as another client sees them (committed rows only)."""
    with psycopg.connect(libpq(url)) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0


async def test_a_sheet_is_committed_when_the_one_statement_returns(
    schema: str, pool: AutocommitPool
) -> None:
    engine = db.create_engine(schema)
    try:
        async with db.transaction(db.sessionmaker(engine)) as session:
            record = await store.add_questionnaire(session, template("seed001"), CALLER)
            survey = SurveyRecord(questionnaire_id=record.id, name="pool", public_token="pool")
            session.add(survey)
    finally:
        await engine.dispose()
    form = answers.compile_questionnaire(template("seed001"))
    sheet = answers.SheetIn.model_validate(likert_sheet(GOOD))
    now = utcnow()
    outcome = await ingest.store_one(pool, survey, form, sheet, now, timedelta(0))
    assert outcome is not None
    assert (outcome.status, outcome.receipt) == (
        201,
        ingest.Receipt(sheet.id, survey.id, now, "accepted"),
    )
    # Nothing else is committed by anyone: the sheet and its three answers are already there.
    assert (count(schema, "sheet"), count(schema, "answer")) == (1, 3)
    assert await ingest.store_one(pool, survey, form, sheet, now, timedelta(0)) is None
    assert (count(schema, "sheet"), count(schema, "answer")) == (1, 3)


async def test_the_pool_lends_at_most_its_size(pool: AutocommitPool) -> None:
    rows = await asyncio.gather(
        *(pool.fetchone("SELECT pg_backend_pid(), pg_sleep(0.05)", ()) for _ in range(6))
    )
    assert len({row[0] for row in rows if row}) <= 2


async def test_a_failed_statement_leaves_a_usable_connection(pool: AutocommitPool) -> None:
    (pid,) = await pool.fetchone("SELECT pg_backend_pid()", ()) or (None,)
    with pytest.raises(psycopg.errors.DivisionByZero):
        await pool.fetchone("SELECT 1 / $1", (0,))
    assert await pool.fetchone("SELECT pg_backend_pid()", ()) == (pid,)  # kept, and idle


async def test_a_statement_cancelled_midway_leaves_the_pool_answering_at_once(
    pool: AutocommitPool,
) -> None:
    for _ in range(3):  # more cancellations than connections: none may be lent on busy
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(pool.fetchone("SELECT pg_sleep(5)", ()), 0.2)
    started = time.monotonic()
    assert await pool.fetchone("SELECT 1", ()) == (1,)
    assert time.monotonic() - started < 2  # no wait for a cancelled sleep to end


@pytest.fixture
async def survey_service(schema: str) -> AsyncIterator[httpx.AsyncClient]:
    """A survey service on the schema, signed as the test caller."""
    app = create_app(SurveySettings(database_url=schema))
    async with LifespanManager(app, startup_timeout=60) as manager:
        async with service_client("http://test", manager.app) as client:
            yield testing.signed_as(client, CALLER)


async def test_submits_survive_the_database_dropping_every_connection(
    survey_service: httpx.AsyncClient, schema: str
) -> None:
    made = await field(survey_service, "seed001")
    url = f"/s/{made['public_token']}/sheets"
    for _ in range(2):  # the first reads the survey; the second uses a pooled connection
        assert (await survey_service.post(url, json=likert_sheet(GOOD))).status_code == 201
    with psycopg.connect(libpq(schema), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    sheet = likert_sheet(GOOD)
    assert (await survey_service.post(url, json=sheet)).status_code == 201
    again = await survey_service.post(url, json=sheet)
    assert (again.status_code, again.json()["id"]) == (200, sheet["id"])
    other = {**sheet, "answers": {**sheet["answers"], "3": "满意"}}
    assert (await survey_service.post(url, json=other)).status_code == 409
    assert (count(schema, "sheet"), count(schema, "answer")) == (3, 9)


async def test_racing_submits_on_remembered_survey_store_one_sheet(
    survey_service: httpx.AsyncClient, schema: str
) -> None:
    made = await field(survey_service, "seed001")
    url = f"/s/{made['public_token']}/sheets"
    assert (await survey_service.post(url, json=likert_sheet(GOOD))).status_code == 201
    sheet = {**likert_sheet(GOOD), "id": str(uuid.uuid4())}
    other = {**sheet, "answers": {**sheet["answers"], "3": "满意"}}
    bodies = [sheet, other] * 6
    responses = await asyncio.gather(*(survey_service.post(url, json=b) for b in bodies))
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 1, statuses
    winner = bodies[statuses.index(201)]
    for body, response in zip(bodies, responses, strict=True):
        if response.status_code != 201:
            assert response.status_code == (200 if body is winner else 409), response.text
    assert (count(schema, "sheet"), count(schema, "answer")) == (2, 6)
