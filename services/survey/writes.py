"""The hot statements of collection, written for speed: psycopg on PostgreSQL, SQLAlchemy elsewhere.

Every submit runs these, so on PostgreSQL they go straight to psycopg on the session's own
connection (same transaction, committed by the session): measured here, SQLAlchemy Core spent
about twice the CPU of psycopg on the same INSERTs, and CPU is what bounds submits per second.
Many answer rows are sent with COPY. SQLite takes the same statements through SQLAlchemy Core.
"""

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
    "target, groups, invitation_only, org_id, created_by, created_at"
)
INSERT_SHEETS = """
INSERT INTO sheet (id, survey_id, digest, respondent_group, answered_at, received_at,
                   score_total, score_items, body, review)
SELECT id, %s, digest, respondent_group, answered_at, %s, score_total, score_items, body::jsonb,
       'accepted'
FROM unnest(%s::uuid[], %s::bytea[], %s::text[], %s::timestamptz[], %s::int[], %s::int2[],
            %s::text[]) AS s(id, digest, respondent_group, answered_at, score_total, score_items,
                             body)
ON CONFLICT (id) DO NOTHING
RETURNING id
"""
INSERT_ANSWERS = """
INSERT INTO answer (survey_id, sheet_id, question, level)
SELECT %s, sheet_id, question, level FROM unnest(%s::uuid[], %s::int2[], %s::int2[])
    AS a(sheet_id, question, level)
"""
COPY_FROM = 200  # answer rows from which COPY beats one multi-row INSERT


@dataclass(frozen=True)
class SheetRow:
    """A sheet as stored."""

    id: uuid.UUID
    digest: bytes
    respondent_group: str | None
    answered_at: datetime | None
    score_total: int
    score_items: int
    body: dict[str, Any]
    encoded: str


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


async def insert_sheets(
    session: AsyncSession, survey_id: uuid.UUID, received_at: datetime, rows: list[SheetRow]
) -> set[uuid.UUID]:
    """Insert sheets whose id is new; return the ids inserted (a used id inserts nothing)."""
    driver = await psycopg_connection(session)
    if driver is None:
        inserted: set[uuid.UUID] = set()
        shared = {"survey_id": survey_id, "received_at": received_at, "review": "accepted"}
        for start in range(0, len(rows), 1000):  # SQLite allows 32,766 bound values
            values = [
                {**{k: v for k, v in row.__dict__.items() if k != "encoded"}, **shared}
                for row in rows[start : start + 1000]
            ]
            statement = sqlite.insert(SHEET).on_conflict_do_nothing().returning(SHEET.c.id)
            result = await session.exec(statement.values(values))
            inserted.update(found[0] for found in result.all())
        return inserted
    # One array per column: the statement text never changes, so PostgreSQL plans it once.
    columns = [list(column) for column in zip(*map(_sheet_values, rows), strict=True)]
    cursor = await driver.execute(INSERT_SHEETS, [survey_id, received_at, *columns])
    return {found[0] for found in await cursor.fetchall()}


def _sheet_values(row: SheetRow) -> tuple[Any, ...]:
    return (
        row.id,
        row.digest,
        row.respondent_group,
        row.answered_at,
        row.score_total,
        row.score_items,
        row.encoded,
    )


async def insert_answers(
    session: AsyncSession,
    survey_id: uuid.UUID,
    sheets: list[tuple[uuid.UUID, list[tuple[int, int]]]],
) -> None:
    """Insert each sheet's answer rows (question, level): COPY when there are many."""
    count = sum(len(rows) for _, rows in sheets)
    if count == 0:
        return
    driver = await psycopg_connection(session)
    if driver is None:
        values = [
            {"survey_id": survey_id, "sheet_id": sheet_id, "question": q, "level": level}
            for sheet_id, rows in sheets
            for q, level in rows
        ]
        for start in range(0, len(values), 5000):  # SQLite allows 32,766 bound values
            await session.exec(insert(ANSWER).values(values[start : start + 5000]))
        return
    if count >= COPY_FROM:
        lines: list[str] = []
        for sheet_id, rows in sheets:
            head = f"{survey_id}\t{sheet_id}\t"
            lines.extend(f"{head}{q}\t{level}\n" for q, level in rows)
        async with driver.cursor() as cursor:
            command = "COPY answer (survey_id, sheet_id, question, level) FROM STDIN"
            async with cursor.copy(command) as copy:
                await copy.write("".join(lines))
        return
    columns = [(sheet_id, q, level) for sheet_id, rows in sheets for q, level in rows]
    sheet_ids, questions, levels = (list(column) for column in zip(*columns, strict=True))
    await driver.execute(INSERT_ANSWERS, [survey_id, sheet_ids, questions, levels])
