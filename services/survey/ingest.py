"""The write path of answer sheets: once per client id, durable before the answer, in bulk.

A sheet's id is generated on the phone. The first time an id arrives the sheet is stored (201);
the same id with the same body again is a repeat that stores nothing and returns the first
receipt (200); the same id with another body is a conflict (409). The primary key decides, via
INSERT … ON CONFLICT DO NOTHING: two transactions racing with one id both reach the index, the
second waits for the first to commit and then inserts nothing, so no IntegrityError is raised
and nothing is counted twice.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kit.problems import Problem
from services.survey import answers, errors, store, writes
from services.survey.models import InvitationRecord, SheetRecord, SurveyRecord
from services.survey.pool import AutocommitPool
from services.survey.questionnaire import Issue

Status = Literal["scheduled", "open", "closed"]
CLOCK_SKEW = timedelta(hours=1)  # a phone's clock may be off; an answer from tomorrow is not


@dataclass(frozen=True)
class Receipt:
    """What the client keeps of a stored sheet; a repeat gets the first one back."""

    id: uuid.UUID
    survey_id: uuid.UUID
    received_at: datetime
    review: str


@dataclass
class Outcome:
    """What became of one sheet: stored (201), a repeat (200), or a problem."""

    index: int
    id: uuid.UUID | None
    status: int
    receipt: Receipt | None = None
    problem: Problem | None = None


@dataclass
class _Candidate:
    index: int
    sheet: answers.SheetIn
    checked: answers.Checked


def grace(hours: float) -> timedelta:
    """Return the late-upload grace period of the settings."""
    return timedelta(hours=hours)


def status(survey: SurveyRecord, now: datetime) -> Status:
    """Return whether a survey is scheduled, open or closed at a moment."""
    if survey.opens_at is not None and now < survey.opens_at:
        return "scheduled"
    if survey.closes_at is not None and now >= survey.closes_at:
        return "closed"
    return "open"


def window_problem(
    survey: SurveyRecord, answered_at: datetime | None, now: datetime, grace: timedelta
) -> Problem | None:
    """Return why a sheet cannot be taken now, or None: not open yet, or closed.

    A sheet filled in before the close on a phone that was offline is still taken for `grace`
    after the close.
    """
    if survey.opens_at is not None and now < survey.opens_at:
        return errors.SurveyNotOpen(f"The survey opens at {survey.opens_at.isoformat()}")
    closes_at = survey.closes_at
    if closes_at is None or now < closes_at:
        return None
    if answered_at is not None and answered_at.tzinfo is not None:
        if answered_at < closes_at and now < closes_at + grace:
            return None  # filled in before the close, uploaded late
    return errors.SurveyClosed(f"The survey closed at {closes_at.isoformat()}")


def invalid(issues: list[Issue]) -> errors.InvalidSheet:
    """Return the 422 problem naming every bad question or field."""
    paths = ", ".join(issue.path for issue in issues)
    return errors.InvalidSheet(
        f"{len(issues)} problem(s) in the sheet: {paths}", errors.field_errors(issues)
    )


async def _earlier(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SheetRecord]:
    found = await session.exec(select(SheetRecord).where(col(SheetRecord.id).in_(ids)))
    return {sheet.id: sheet for sheet in found.all()}


async def _spend_invitations(
    session: AsyncSession, survey_id: uuid.UUID, stored: list[_Candidate]
) -> dict[int, Problem]:
    """Mark the invitations of newly stored sheets used; return the sheets whose token failed."""
    wanted = {c.index: store.token_hash(c.sheet.invitation) for c in stored if c.sheet.invitation}
    if not wanted:
        return {}
    hashes = set(wanted.values())
    # Atomic: of two transactions spending one token, the second waits and then finds it used.
    statement = (
        update(InvitationRecord)
        .where(col(InvitationRecord.survey_id) == survey_id)
        .where(col(InvitationRecord.token_hash).in_(hashes))
        .where(~col(InvitationRecord.used))
        .values(used=True)
        .returning(col(InvitationRecord.token_hash))
    )
    spent = {row[0] for row in (await session.exec(statement)).all()}
    known_query = select(col(InvitationRecord.token_hash)).where(
        col(InvitationRecord.survey_id) == survey_id,
        col(InvitationRecord.token_hash).in_(hashes - spent),
    )
    known = spent | set((await session.exec(known_query)).all())
    claimed: set[bytes] = set()
    failed: dict[int, Problem] = {}
    for index, digest in wanted.items():
        if digest in spent and digest not in claimed:
            claimed.add(digest)  # one sheet per token: the first of the batch
        elif digest in known:
            failed[index] = errors.InvitationUsed("This invitation has already been answered")
        else:
            failed[index] = errors.InvitationInvalid("No such invitation for this survey")
    return failed


def _prepare(
    form: answers.Compiled,
    survey: SurveyRecord,
    sheet: answers.SheetIn,
    where: str,
    now: datetime,
    grace: timedelta,
) -> answers.Checked | Problem:
    problem = window_problem(survey, sheet.answered_at, now, grace)
    if problem is not None:
        return problem
    checked = answers.check(form, sheet, survey.groups, where)
    issues = checked if isinstance(checked, list) else []
    answered = sheet.answered_at
    if answered is not None and answered.tzinfo is not None and answered > now + CLOCK_SKEW:
        issues.append(Issue(f"{where}.answered_at", "lies in the future; check the clock"))
    if survey.invitation_only and not sheet.invitation:
        issues.append(Issue(f"{where}.invitation", "this survey is by invitation only"))
    if issues or isinstance(checked, list):
        return invalid(issues)
    return checked


def _row(sheet: answers.SheetIn, checked: answers.Checked) -> writes.SheetRow:
    return writes.SheetRow(
        sheet.id,
        checked.digest,
        sheet.group,
        sheet.answered_at,
        checked.score_total,
        checked.score_items,
        checked.body,
        checked.encoded,
    )


async def store_one(
    target: AsyncSession | AutocommitPool,
    survey: SurveyRecord,
    form: answers.Compiled,
    sheet: answers.SheetIn,
    now: datetime,
    grace: timedelta,
) -> Outcome | None:
    """Store a new, valid sheet for a remembered survey in one statement (PostgreSQL).

    `target` is a session, or the autocommit pool: then the sheet is committed on return.
    Returns the 201 outcome, or None for anything else (another backend, invitations, a
    problem, a used id, or a survey that changed since it was remembered): store_sheets with
    the survey read afresh then decides, so a remembered survey never decides a refusal.
    """
    if survey.invitation_only:
        return None
    if isinstance(target, AsyncSession) and await writes.psycopg_connection(target) is None:
        return None
    prepared = _prepare(form, survey, sheet, "body", now, grace)
    if isinstance(prepared, Problem):
        return None
    if not await writes.insert_one(target, survey, now, _row(sheet, prepared), prepared.rows):
        return None
    return Outcome(0, sheet.id, 201, Receipt(sheet.id, survey.id, now, "accepted"))


async def store_sheets(
    session: AsyncSession,
    survey: SurveyRecord,
    form: answers.Compiled,
    sheets: Sequence[tuple[int, answers.SheetIn]],
    now: datetime,
    grace: timedelta,
    prefix: str = "body",
) -> list[Outcome]:
    """Check and store sheets; every sheet gets its own outcome and the good ones are kept.

    `sheets` pairs each sheet with its position in the request; `prefix` is the JSON path of a
    sheet in the request, with `{index}` for the position ("body.sheets[{index}]").
    """
    outcomes: dict[int, Outcome] = {}
    candidates: dict[uuid.UUID, _Candidate] = {}
    repeats: list[tuple[int, uuid.UUID]] = []
    for index, sheet in sheets:
        prepared = _prepare(form, survey, sheet, prefix.format(index=index), now, grace)
        if isinstance(prepared, Problem):
            outcomes[index] = Outcome(index, sheet.id, prepared.status, problem=prepared)
        elif sheet.id not in candidates:
            candidates[sheet.id] = _Candidate(index, sheet, prepared)
        elif candidates[sheet.id].checked.digest == prepared.digest:
            repeats.append((index, sheet.id))  # sent twice in one batch: answered once
        else:
            outcomes[index] = _conflict(index, sheet.id)
    batch = list(candidates.values())
    rows = [_row(c.sheet, c.checked) for c in batch]
    survey_id = survey.id
    inserted = await writes.insert_sheets(session, survey_id, now, rows) if rows else set()
    stored = [c for c in batch if c.sheet.id in inserted]
    failed = await _spend_invitations(session, survey.id, stored)
    if failed:
        gone = [c.sheet.id for c in stored if c.index in failed]
        await session.exec(delete(SheetRecord).where(col(SheetRecord.id).in_(gone)))
        stored = [c for c in stored if c.index not in failed]
        for c in batch:
            if c.index in failed:
                outcomes[c.index] = Outcome(
                    c.index, c.sheet.id, failed[c.index].status, problem=failed[c.index]
                )
    await writes.insert_answers(session, survey_id, [(c.sheet.id, c.checked.rows) for c in stored])
    for c in stored:
        receipt = Receipt(c.sheet.id, survey_id, now, "accepted")
        outcomes[c.index] = Outcome(c.index, c.sheet.id, 201, receipt)
    missing = [c for c in batch if c.sheet.id not in inserted]
    found = await _earlier(session, [c.sheet.id for c in missing]) if missing else {}
    for c in missing:
        record = found.get(c.sheet.id)
        if record is None or record.survey_id != survey.id or record.digest != c.checked.digest:
            outcomes[c.index] = _conflict(c.index, c.sheet.id)
        else:
            receipt = Receipt(record.id, record.survey_id, record.received_at, record.review)
            outcomes[c.index] = Outcome(c.index, c.sheet.id, 200, receipt)
    for index, sheet_id in repeats:
        earlier = outcomes[candidates[sheet_id].index]
        status = 200 if earlier.receipt is not None else earlier.status
        outcomes[index] = Outcome(index, sheet_id, status, earlier.receipt, earlier.problem)
    return [outcomes[index] for index in sorted(outcomes)]


def _conflict(index: int, sheet_id: uuid.UUID) -> Outcome:
    problem = errors.SheetConflict(
        f"Sheet {sheet_id} was already stored with other answers; a new sheet needs a new id"
    )
    return Outcome(index, sheet_id, 409, problem=problem)
