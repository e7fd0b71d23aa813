"""The hot statements of collection, written for speed: psycopg on PostgreSQL, SQLAlchemy elsewhere.

Every submit runs these, so on PostgreSQL they go straight to psycopg on the session's own
connection (same transaction, committed by the session): measured here, SQLAlchemy Core spent
about twice the CPU of psycopg on the same INSERTs, and CPU is what bounds submits per second.
Many answer rows are sent with COPY. SQLite takes the same statements through SQLAlchemy Core.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.survey import errors
from services.survey.models import SurveyModel, SurveyRecord

SHEET = SurveyModel.metadata.tables["sheet"]
ANSWER = SurveyModel.metadata.tables["answer"]
SURVEY_COLUMNS = (
    "id, questionnaire_id, name, project_id, evaluation_id, public_token, opens_at, closes_at, "
    "target, groups, invitation_only, created_at"
)
SHEET_COLUMNS = (
    "id, survey_id, digest, respondent_group, answered_at, received_at, score_total, "
    "score_items, body"
)
SHEET_MARKS = "(" + ", ".join(["%s"] * 9) + ", 'accepted')"
COPY_FROM = 200  # answer rows from which COPY beats one multi-row INSERT


@dataclass(frozen=True)
class SheetRow:
    """A sheet as stored."""

    id: uuid.UUID
    survey_id: uuid.UUID
    digest: bytes
    respondent_group: str | None
    answered_at: datetime | None
    received_at: datetime
    score_total: int
    score_items: int
    body: dict[str, Any]


async def psycopg_connection(session: AsyncSession) -> Any | None:
    """Return the psycopg connection under the session on PostgreSQL, else None."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return None
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def survey_by_token(session: AsyncSession, token: str) -> SurveyRecord:
    """Return the survey a public link points to, or raise SurveyNotFound."""
    driver = await psycopg_connection(session)
    if driver is None:
        query = select(SurveyRecord).where(col(SurveyRecord.public_token) == token)
        record = (await session.exec(query)).first()
    else:
        sql = f"SELECT {SURVEY_COLUMNS} FROM survey WHERE public_token = %s"
        cursor = await driver.execute(sql, (token,))
        row = await cursor.fetchone()
        names = [c.name for c in cursor.description] if row is not None else []
        record = SurveyRecord(**dict(zip(names, row, strict=True))) if row is not None else None
    if record is None:
        raise errors.SurveyNotFound("No survey at this link; check the address")
    return record


def _sheet_values(row: SheetRow) -> tuple[Any, ...]:
    return (
        row.id,
        row.survey_id,
        row.digest,
        row.respondent_group,
        row.answered_at,
        row.received_at,
        row.score_total,
        row.score_items,
        json.dumps(row.body, ensure_ascii=False),
    )


async def insert_sheets(session: AsyncSession, rows: list[SheetRow]) -> set[uuid.UUID]:
    """Insert sheets whose id is new; return the ids inserted (a used id inserts nothing)."""
    driver = await psycopg_connection(session)
    inserted: set[uuid.UUID] = set()
    page = 1000  # bind parameters per statement stay well below both databases' limits
    for start in range(0, len(rows), page):
        chunk = rows[start : start + page]
        if driver is None:
            values = [{**row.__dict__, "review": "accepted"} for row in chunk]
            statement = sqlite.insert(SHEET).on_conflict_do_nothing().returning(SHEET.c.id)
            result = await session.exec(statement.values(values))
            inserted.update(found[0] for found in result.all())
            continue
        sql = (
            f"INSERT INTO sheet ({SHEET_COLUMNS}, review) VALUES "
            f"{', '.join([SHEET_MARKS] * len(chunk))} ON CONFLICT (id) DO NOTHING RETURNING id"
        )
        cursor = await driver.execute(sql, [v for row in chunk for v in _sheet_values(row)])
        inserted.update(found[0] for found in await cursor.fetchall())
    return inserted


async def insert_answers(
    session: AsyncSession, rows: list[tuple[uuid.UUID, uuid.UUID, int, int]]
) -> None:
    """Insert answer rows (survey, sheet, question, level): COPY when there are many."""
    if not rows:
        return
    driver = await psycopg_connection(session)
    if driver is None:
        keys = ("survey_id", "sheet_id", "question", "level")
        for start in range(0, len(rows), 5000):  # SQLite allows 32,766 bound values
            chunk = rows[start : start + 5000]
            values = [dict(zip(keys, row, strict=True)) for row in chunk]
            await session.exec(insert(ANSWER).values(values))
        return
    if len(rows) >= COPY_FROM:
        data = "".join(f"{s}\t{sheet}\t{q}\t{level}\n" for s, sheet, q, level in rows)
        async with driver.cursor() as cursor:
            command = "COPY answer (survey_id, sheet_id, question, level) FROM STDIN"
            async with cursor.copy(command) as copy:
                await copy.write(data)
        return
    marks = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    sql = f"INSERT INTO answer (survey_id, sheet_id, question, level) VALUES {marks}"
    await driver.execute(sql, [v for row in rows for v in row])
