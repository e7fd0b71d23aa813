"""Racing submits of one sheet id store one sheet: over HTTP on both backends, and an exact
interleaving of two transactions on PostgreSQL."""

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kit import db, migrations, testing
from services.kit.models import utcnow
from services.survey import answers, ingest, store
from services.survey.api.templates import template
from services.survey.models import SheetRecord, SurveyRecord
from tests.survey.conftest import CALLER, field, likert_sheet

INI = Path(__file__).parents[2] / "services" / "survey" / "alembic.ini"


async def test_concurrent_submits_of_one_id_store_one_sheet(survey: httpx.AsyncClient) -> None:
    made = await field(survey, "seed001")
    url = f"/s/{made['public_token']}/sheets"
    sheet = likert_sheet(("满意", "满意", "一般"))
    other = {**sheet, "answers": {**sheet["answers"], "3": "满意"}}
    bodies = [sheet, other] * 6
    responses = await asyncio.gather(*(survey.post(url, json=body) for body in bodies))
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 1, statuses
    winner = bodies[statuses.index(201)]
    for body, response in zip(bodies, responses, strict=True):
        if response.status_code != 201:
            assert response.status_code == (200 if body is winner else 409), response.text
    results = (await survey.get(f"/surveys/{made['id']}/results")).json()
    assert results["n"] == 1
    assert sum(q["n"] for q in results["questions"]) == 3


@pytest.mark.parametrize("first_ends", ["commit", "rollback"])
@pytest.mark.parametrize("path", ["one statement", "general"])
async def test_a_second_transaction_waits_for_the_first_and_stores_only_if_it_failed(
    postgres_database: str, first_ends: str, path: str
) -> None:
    url = testing.postgres_schema_url(postgres_database)
    await asyncio.to_thread(migrations.upgrade, INI, url)
    engine = db.create_engine(url)
    sessions = db.sessionmaker(engine)
    try:
        async with sessions() as session:
            record = await store.add_questionnaire(session, template("seed001"), CALLER)
            survey = SurveyRecord(questionnaire_id=record.id, name="race", public_token="race")
            session.add(survey)
            await session.commit()
        form = answers.compile_questionnaire(template("seed001"))
        sheet = answers.SheetIn.model_validate(likert_sheet(("满意", "满意", "满意")))

        async def submit(session: AsyncSession) -> ingest.Outcome:
            # As the submit route does: the one-statement path first, the general one if it
            # cannot decide (here: the id was taken).
            now = utcnow()
            if path == "one statement":
                outcome = await ingest.store_one(session, survey, form, sheet, now, timedelta(0))
                if outcome is not None:
                    return outcome
            (found,) = await ingest.store_sheets(
                session, survey, form, [(0, sheet)], now, timedelta(0)
            )
            return found

        first = sessions()
        stored = await submit(first)
        assert stored.status == 201  # inserted, not committed yet

        async def second() -> ingest.Outcome:
            async with sessions() as session:
                outcome = await submit(session)
                await session.commit()
                return outcome

        racing = asyncio.create_task(second())
        await asyncio.sleep(0.3)
        assert not racing.done()  # waiting on the primary key for the first to end
        await (first.commit() if first_ends == "commit" else first.rollback())
        await first.close()
        outcome = await asyncio.wait_for(racing, 10)
        if first_ends == "commit":
            assert (outcome.status, outcome.receipt) == (200, stored.receipt)
        else:
            assert outcome.status == 201
        async with sessions() as session:
            count = await session.exec(select(func.count()).select_from(SheetRecord))
            assert count.one() == 1
    finally:
        await engine.dispose()
