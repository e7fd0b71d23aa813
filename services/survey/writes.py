"""The hot statements of collection, written for speed: psycopg on PostgreSQL, SQLAlchemy elsewhere.

Every submit runs these, so on PostgreSQL they go straight to psycopg on the session's own
connection (same transaction, committed by the session): measured here, SQLAlchemy Core spent
about twice the CPU of psycopg on the same INSERTs, and CPU is what bounds submits per second.
Many answer rows are sent with COPY. SQLite takes the same statements through SQLAlchemy Core.
"""

import csv
import io
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import insert
from sqlalchemy.dialects import sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.survey import errors
from services.survey.models import SurveyModel, SurveyRecord
from services.survey.pool import AutocommitPool

DRIVER = "survey.psycopg"
SHEET = SurveyModel.metadata.tables["sheet"]
ANSWER = SurveyModel.metadata.tables["answer"]
SURVEY_COLUMNS = (
    "id, questionnaire_id, name, project_id, evaluation_id, public_token, opens_at, closes_at, "
    "target, groups, invitation_only, org_id, created_by, created_at"
)
SHEET_COLUMNS = "id, digest, respondent_group, answered_at, score_total, score_items, body"
SHEET_MARKS = "(%s::uuid, %s::bytea, %s::text, %s::timestamptz, %s::int, %s::int2, %s::text)"
INSERT_SHEETS = f"""
INSERT INTO sheet ({SHEET_COLUMNS}, survey_id, received_at, review)
SELECT id, digest, respondent_group, answered_at, score_total, score_items, body::jsonb,
       %s, %s, 'accepted'
FROM (VALUES {{rows}}) AS s({SHEET_COLUMNS})
ON CONFLICT (id) DO NOTHING
RETURNING id
"""
SCRATCH = """
CREATE TEMPORARY TABLE IF NOT EXISTS sheet_in (
    id uuid, digest bytea, respondent_group text, answered_at timestamptz, score_total int,
    score_items int2, body text
) ON COMMIT DELETE ROWS
"""
INSERT_SCRATCH = f"""
INSERT INTO sheet ({SHEET_COLUMNS}, survey_id, received_at, review)
SELECT {SHEET_COLUMNS.replace("body", "body::jsonb")}, %s, %s, 'accepted' FROM sheet_in
ON CONFLICT (id) DO NOTHING
RETURNING id
"""
INSERT_ANSWERS = """
INSERT INTO answer (survey_id, sheet_id, question, level)
SELECT %s, sheet_id, question, level FROM unnest(%s::uuid[], %s::int2[], %s::int2[])
    AS a(sheet_id, question, level)
"""
# $1 survey, $2 opens_at, $3 closes_at, $4 groups (JSON), $5 sheet id, $6 digest, $7 group,
# $8 answered_at, $9 received_at, $10 score_total, $11 score_items, $12 body (JSON),
# $13 questions, $14 levels (array literals). Numbered placeholders and a raw cursor: psycopg
# then maps no names, and arrays sent as text need no per-element dumping (a tenth of the
# service's CPU per submit, measured with bench/survey_profile.py).
INSERT_ONE = """
WITH fresh AS (
    SELECT id FROM survey
    WHERE id = $1 AND opens_at IS NOT DISTINCT FROM $2 AND closes_at IS NOT DISTINCT FROM $3
      AND groups = $4::jsonb
), stored AS (
    INSERT INTO sheet (id, survey_id, digest, respondent_group, answered_at, received_at,
                       score_total, score_items, body, review)
    SELECT $5, fresh.id, $6, $7, $8, $9, $10, $11, $12::jsonb, 'accepted'
    FROM fresh
    ON CONFLICT (id) DO NOTHING
    RETURNING id
), answered AS (
    INSERT INTO answer (survey_id, sheet_id, question, level)
    SELECT $1, stored.id, question, level
    FROM stored, unnest($13::int2[], $14::int2[]) AS a(question, level)
)
SELECT (SELECT count(*) FROM fresh), (SELECT count(*) FROM stored)
"""
COPY_FROM = 20  # sheets (or answer rows ×10) from which COPY beats a multi-row INSERT


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
    known = session.info.get(DRIVER)
    if known is not None and known[0] is connection.sync_connection:
        return known[1]  # asked several times a transaction: look it up once
    driver = None
    if connection.dialect.name == "postgresql":
        driver = (await connection.get_raw_connection()).driver_connection
    session.info[DRIVER] = (connection.sync_connection, driver)
    return driver


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


async def insert_one(
    target: AsyncSession | AutocommitPool,
    survey: SurveyRecord,
    received_at: datetime,
    row: SheetRow,
    answers: list[tuple[int, int]],
) -> bool | None:
    """Store one sheet and its answers in one statement, if the survey is as remembered.

    `target` is a session (the statement joins its transaction) or the autocommit pool (the
    statement is its own transaction, committed when this returns). Returns True when stored,
    False when the id was taken (a repeat or a conflict), None when the survey changed or this
    is not PostgreSQL: then the caller takes the general path.
    """
    params = (
        survey.id,
        survey.opens_at,
        survey.closes_at,
        json.dumps(survey.groups, ensure_ascii=False),
        row.id,
        row.digest,
        row.respondent_group,
        row.answered_at,
        received_at,
        row.score_total,
        row.score_items,
        row.encoded,
        _array(question for question, _ in answers),
        _array(level for _, level in answers),
    )
    if isinstance(target, AutocommitPool):
        found = await target.fetchone(INSERT_ONE, params)
    else:
        driver = await psycopg_connection(target)
        if driver is None:
            return None
        async with psycopg.AsyncRawCursor(driver) as cursor:
            await cursor.execute(INSERT_ONE, params)
            found = await cursor.fetchone()
    fresh, stored = found or (0, 0)
    return None if not fresh else bool(stored)


def _array(numbers: Iterable[int]) -> str:
    return "{" + ",".join(map(str, numbers)) + "}"


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
    async with driver.cursor() as cursor:
        if len(rows) < COPY_FROM:
            marks = ", ".join([SHEET_MARKS] * len(rows))
            values = [v for row in rows for v in _sheet_values(row)]
            await cursor.execute(
                INSERT_SHEETS.format(rows=marks), [survey_id, received_at, *values]
            )
        else:
            # Many sheets: COPY them (CSV written by the csv module) into a scratch table,
            # then insert what is new in one statement; about five times less CPU than binding
            # parameters here.
            await cursor.execute(SCRATCH)
            async with cursor.copy("COPY sheet_in FROM STDIN WITH (FORMAT csv)") as copy:
                await copy.write(_csv(rows))
            await cursor.execute(INSERT_SCRATCH, [survey_id, received_at])
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


def _csv(rows: list[SheetRow]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        (
            row.id,
            "\\x" + row.digest.hex(),
            row.respondent_group,
            row.answered_at.isoformat() if row.answered_at else None,
            row.score_total,
            row.score_items,
            row.encoded,
        )
        for row in rows
    )
    return buffer.getvalue()


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
    if count >= COPY_FROM * 10:
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
