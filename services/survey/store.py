"""Reading and writing the survey tables: questionnaires, surveys, invitations, tallies, sheets.

Every read a caller asks for goes through `access`: what another organisation owns is "not
found", so nobody learns what exists elsewhere.
"""

import hashlib
import secrets
import uuid
from collections import Counter, OrderedDict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kit.identity import Identity
from services.survey import access, answers, errors, results
from services.survey.models import (
    AnswerRecord,
    InvitationRecord,
    QuestionnaireRecord,
    SheetRecord,
    SurveyRecord,
)
from services.survey.questionnaire import Questionnaire

CACHE_SIZE = 256
REJECTED = "rejected"
# Stored versions never change, so a compiled questionnaire is kept for as long as it is used.
_compiled: OrderedDict[uuid.UUID, answers.Compiled] = OrderedDict()


def compiled(record: QuestionnaireRecord) -> answers.Compiled:
    """Return the parsed and indexed form of a stored questionnaire version (cached by id)."""
    hit = _compiled.get(record.id)
    if hit is not None:
        _compiled.move_to_end(record.id)
        return hit
    form = _compiled[record.id] = answers.compile_questionnaire(
        Questionnaire.model_validate(record.body)
    )
    if len(_compiled) > CACHE_SIZE:
        _compiled.popitem(last=False)
    return form


def cached_form(record_id: uuid.UUID) -> answers.Compiled | None:
    """Return the compiled questionnaire version of this id if it is in the cache."""
    hit = _compiled.get(record_id)
    if hit is not None:
        _compiled.move_to_end(record_id)
    return hit


async def form_by_id(session: AsyncSession, record_id: uuid.UUID) -> answers.Compiled:
    """Return the compiled questionnaire version a survey is pinned to, from the cache if there."""
    return cached_form(record_id) or compiled(await questionnaire_by_id(session, record_id))


async def add_questionnaire(
    session: AsyncSession,
    questionnaire: Questionnaire,
    caller: Identity,
    key: uuid.UUID | None = None,
) -> QuestionnaireRecord:
    """Store a questionnaire as version 1 of a new key, or as the next version of a key."""
    version = 1
    org_id = caller.org_id
    if key is None:
        key = uuid.uuid4()
    else:
        latest = await get_questionnaire(session, key, None, caller)
        access.check_writable(caller, latest)
        version, org_id = latest.version + 1, latest.org_id
    record = QuestionnaireRecord(
        key=key,
        version=version,
        name=questionnaire.name,
        body=questionnaire.model_dump(mode="json"),
        org_id=org_id,
        created_by=caller.client_id,
    )
    session.add(record)
    await session.flush()
    return record


async def get_questionnaire(
    session: AsyncSession, key: uuid.UUID, version: int | None, caller: Identity
) -> QuestionnaireRecord:
    """Return a stored questionnaire version the caller may read (the latest by default)."""
    query = select(QuestionnaireRecord).where(QuestionnaireRecord.key == key)
    if version is None:
        query = query.order_by(col(QuestionnaireRecord.version).desc()).limit(1)
    else:
        query = query.where(QuestionnaireRecord.version == version)
    record = (await session.exec(query)).first()
    if record is None or not access.readable(caller, record):
        which = f"version {version} of " if version else ""
        raise errors.QuestionnaireNotFound(f"No {which}questionnaire with key {key}")
    return record


async def questionnaire_by_id(session: AsyncSession, record_id: uuid.UUID) -> QuestionnaireRecord:
    """Return the questionnaire version a survey is pinned to."""
    record = await session.get(QuestionnaireRecord, record_id)
    if record is None:
        raise errors.QuestionnaireNotFound(f"No questionnaire version {record_id}")
    return record


async def latest_questionnaires(
    session: AsyncSession, caller: Identity
) -> list[QuestionnaireRecord]:
    """Return the latest version of every questionnaire the caller may read, newest first."""
    latest = (
        select(QuestionnaireRecord.key, func.max(QuestionnaireRecord.version).label("v"))
        .where(access.visible(QuestionnaireRecord.org_id, caller))
        .group_by(col(QuestionnaireRecord.key))
        .subquery()
    )
    query = (
        select(QuestionnaireRecord)
        .join(
            latest,
            (col(QuestionnaireRecord.key) == latest.c.key)
            & (col(QuestionnaireRecord.version) == latest.c.v),
        )
        .order_by(col(QuestionnaireRecord.created_at).desc())
    )
    return list((await session.exec(query)).all())


def new_token() -> str:
    """Return an unguessable URL-safe token (128 random bits)."""
    return secrets.token_urlsafe(16)


def token_hash(token: str) -> bytes:
    """Return what is stored of an invitation token: its SHA-256."""
    return hashlib.sha256(token.encode()).digest()


async def get_survey(
    session: AsyncSession, survey_id: uuid.UUID, caller: Identity, write: bool = False
) -> SurveyRecord:
    """Return a survey the caller may read (or change, with `write`), or raise SurveyNotFound."""
    record = await session.get(SurveyRecord, survey_id)
    if record is None or not access.readable(caller, record):
        raise errors.SurveyNotFound(f"No survey {survey_id}")
    if write:
        access.check_writable(caller, record)
    return record


async def list_surveys(
    session: AsyncSession,
    caller: Identity,
    project_id: uuid.UUID | None,
    evaluation_id: uuid.UUID | None,
) -> list[SurveyRecord]:
    """Return the surveys the caller may read, newest first, of one project or evaluation."""
    query = (
        select(SurveyRecord)
        .where(access.visible(SurveyRecord.org_id, caller))
        .order_by(col(SurveyRecord.created_at).desc())
    )
    if project_id is not None:
        query = query.where(SurveyRecord.project_id == project_id)
    if evaluation_id is not None:
        query = query.where(SurveyRecord.evaluation_id == evaluation_id)
    return list((await session.exec(query)).all())


async def add_invitations(session: AsyncSession, survey_id: uuid.UUID, count: int) -> list[str]:
    """Make single-use tokens; only their hashes are kept, so they are shown once."""
    tokens = [new_token() for _ in range(count)]
    session.add_all(InvitationRecord(token_hash=token_hash(t), survey_id=survey_id) for t in tokens)
    await session.flush()
    return tokens


async def invitation_counts(session: AsyncSession, survey_id: uuid.UUID) -> tuple[int, int]:
    """Return how many invitations a survey has, and how many were used."""
    query = select(func.count(), func.count().filter(col(InvitationRecord.used))).where(
        InvitationRecord.survey_id == survey_id
    )
    made, used = (await session.exec(query)).one()
    return made, used


async def tallies(session: AsyncSession, survey_id: uuid.UUID) -> results.Tallies:
    """Group a survey's counted answers and sheets in SQL: a few rows, whatever the sample size.

    Answers are counted over the whole survey and the (few) rejected sheets' answers are taken
    off afterwards, so the big GROUP BY reads one index range and filters nothing per row.
    """
    every = (
        select(AnswerRecord.question, AnswerRecord.level, func.count())
        .where(AnswerRecord.survey_id == survey_id)
        .group_by(col(AnswerRecord.question), col(AnswerRecord.level))
    )
    rejected_answers = (
        select(AnswerRecord.question, AnswerRecord.level, func.count())
        .join(
            SheetRecord,
            (col(SheetRecord.id) == col(AnswerRecord.sheet_id))
            & (col(SheetRecord.survey_id) == col(AnswerRecord.survey_id)),
        )
        .where(AnswerRecord.survey_id == survey_id, SheetRecord.review == REJECTED)
        .group_by(col(AnswerRecord.question), col(AnswerRecord.level))
    )
    sheets = (
        sa.select(  # five columns: more than sqlmodel's select is typed for
            col(SheetRecord.review),
            col(SheetRecord.score_total),
            col(SheetRecord.score_items),
            col(SheetRecord.respondent_group),
            func.count(),
        )
        .where(col(SheetRecord.survey_id) == survey_id)
        .group_by(
            col(SheetRecord.review),
            col(SheetRecord.score_total),
            col(SheetRecord.score_items),
            col(SheetRecord.respondent_group),
        )
    )
    counts: Counter[tuple[int, int]] = Counter()
    for question, level, count in (await session.exec(every)).all():
        counts[(question, level)] += count
    for question, level, count in (await session.exec(rejected_answers)).all():
        counts[(question, level)] -= count
    scores: Counter[tuple[int, int]] = Counter()
    groups: Counter[str] = Counter()
    rejected = 0
    connection = await session.connection()
    for review, total, items, group, count in (await connection.execute(sheets)).all():
        if review == REJECTED:
            rejected += count
            continue
        scores[(total, items)] += count
        if group is not None:
            groups[group] += count
    return results.Tallies(
        counts=[(q, level, n) for (q, level), n in sorted(counts.items()) if n],
        sheets=[(total, items, n) for (total, items), n in sorted(scores.items())],
        groups=sorted(groups.items()),
        rejected=rejected,
    )


async def get_sheet(
    session: AsyncSession, survey_id: uuid.UUID, sheet_id: uuid.UUID
) -> SheetRecord:
    """Return one sheet of a survey or raise SheetNotFound."""
    record = await session.get(SheetRecord, sheet_id)
    if record is None or record.survey_id != survey_id:
        raise errors.SheetNotFound(f"No sheet {sheet_id} in survey {survey_id}")
    return record


async def list_sheets(
    session: AsyncSession, survey_id: uuid.UUID, review: str | None, limit: int, offset: int
) -> tuple[list[SheetRecord], int]:
    """Return one page of a survey's sheets, oldest first, and how many there are in all."""
    where = [SheetRecord.survey_id == survey_id]
    if review is not None:
        where.append(SheetRecord.review == review)
    query = (
        select(SheetRecord)
        .where(*where)
        .order_by(col(SheetRecord.received_at), col(SheetRecord.id))
        .offset(offset)
        .limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(SheetRecord).where(*where))
    return list((await session.exec(query)).all()), int(total or 0)


async def review_sheet(
    session: AsyncSession,
    sheet: SheetRecord,
    state: str,
    note: str | None,
    now: datetime,
    caller: Identity,
) -> SheetRecord:
    """Set a sheet's review state and note; a rejected sheet stays stored but stops counting."""
    sheet.review, sheet.note, sheet.reviewed_at = state, note, now
    sheet.reviewed_by = caller.client_id
    session.add(sheet)
    await session.flush()
    return sheet


async def all_sheets(session: AsyncSession, survey_id: uuid.UUID) -> list[SheetRecord]:
    """Return every sheet of a survey, oldest first, rejected ones included (for export)."""
    query = (
        select(SheetRecord)
        .where(SheetRecord.survey_id == survey_id)
        .order_by(col(SheetRecord.received_at), col(SheetRecord.id))
    )
    return list((await session.exec(query)).all())
