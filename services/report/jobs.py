"""Document jobs: queued in the database, claimed safely by any worker, made in a thread.

A claim is one conditional UPDATE (`… WHERE id = ? AND state = 'queued'`, or a running job
whose lease ran out) whose row count says who won: safe between the workers of one process
and between processes, on SQLite (writes are serialised) and PostgreSQL (the second UPDATE
re-reads the row after the first commits and no longer matches).
"""

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kit.identity import Identity
from services.kit.models import utcnow
from services.report import render
from services.report.models import DocumentRecord, JobRecord, TemplateRecord

ACTIVE = ("queued", "running")
Sessions = async_sessionmaker[AsyncSession]


def cache_key(
    org_id: str | None,
    evaluation_id: uuid.UUID,
    revision: int,
    kind: str,
    fmt: str,
    template_sha256: str,
) -> str:
    """Return the key a document is found again by: evaluation revision, template, format.

    The organisation is part of it: a document is never handed to another organisation.
    """
    text = f"{org_id}|{evaluation_id}|{revision}|{kind}|{fmt}|{template_sha256}"
    return hashlib.sha256(text.encode()).hexdigest()


def caller_record(caller: Identity) -> dict[str, Any]:
    """Return a caller as stored with a job."""
    return {
        "client_id": caller.client_id,
        "org_id": caller.org_id,
        "scopes": sorted(caller.scopes),
        "readable_orgs": sorted(caller.readable_orgs),
        "internal": caller.internal,
    }


def caller_of(record: dict[str, Any]) -> Identity:
    """Return the caller stored with a job, for the worker to act as."""
    return Identity(
        record["client_id"],
        record["org_id"],
        frozenset(record["scopes"]),
        frozenset(record["readable_orgs"]),
        internal=record["internal"],
    )


def template_sha256(template: TemplateRecord | None) -> str:
    """Return the checksum of an uploaded template, or of the built-in layout."""
    return template.sha256 if template else render.LAYOUT_SHA256


async def find_document(session: AsyncSession, key: str) -> DocumentRecord | None:
    """Return the stored document with this cache key, without its bytes."""
    query = select(DocumentRecord).where(DocumentRecord.cache_key == key)
    return (await session.exec(query.options(defer(DocumentRecord.content)))).first()  # type: ignore[arg-type]


async def enqueue(
    session: AsyncSession,
    *,
    caller: Identity,
    evaluation_id: uuid.UUID,
    revision: int,
    kind: str,
    fmt: str,
    template: TemplateRecord | None,
) -> JobRecord:
    """Return a job for a document: done at once if stored, the running one if any, else new."""
    key = cache_key(caller.org_id, evaluation_id, revision, kind, fmt, template_sha256(template))
    job = JobRecord(
        org_id=caller.org_id,
        caller=caller_record(caller),
        evaluation_id=evaluation_id,
        revision=revision,
        kind=kind,
        format=fmt,
        template_id=template.id if template else None,
        cache_key=key,
    )
    stored = await find_document(session, key)
    if stored is None:
        active = select(JobRecord).where(
            JobRecord.cache_key == key, col(JobRecord.state).in_(ACTIVE)
        )
        running = (await session.exec(active.order_by(col(JobRecord.created_at)))).first()
        if running is not None:
            return running
    else:
        job.state, job.document_id, job.finished_at = "done", stored.id, utcnow()
    session.add(job)
    return job


def _claimable(now: datetime) -> ColumnElement[bool]:
    # Queued and due (a retry waits until lease_until), or running with its lease run out.
    due = or_(col(JobRecord.lease_until).is_(None), col(JobRecord.lease_until) < now)
    return and_(col(JobRecord.state).in_(ACTIVE), due)


async def claim(sessions: Sessions, lease_s: float) -> tuple[uuid.UUID, uuid.UUID] | None:
    """Take the oldest due job for this worker; return its id and the claim token, or None."""
    async with sessions() as session:
        now = utcnow()
        candidates = select(JobRecord.id).where(_claimable(now))
        ids = (await session.exec(candidates.order_by(col(JobRecord.created_at)).limit(8))).all()
        for job_id in ids:
            token = uuid.uuid4()
            taken = await session.exec(
                update(JobRecord)
                .where(col(JobRecord.id) == job_id, _claimable(now))
                .values(
                    state="running",
                    claim_token=token,
                    lease_until=now + timedelta(seconds=lease_s),
                    attempts=JobRecord.attempts + 1,
                    updated_at=now,
                )
            )
            await session.commit()
            if taken.rowcount == 1:
                return job_id, token
    return None


async def _update(
    sessions: Sessions, job_id: uuid.UUID, token: uuid.UUID, **values: object
) -> bool:
    """Change a job this worker still holds; False when another worker has taken it over."""
    async with sessions() as session:
        done = await session.exec(
            update(JobRecord)
            .where(col(JobRecord.id) == job_id, col(JobRecord.claim_token) == token)
            .values(updated_at=utcnow(), **values)
        )
        await session.commit()
        return bool(done.rowcount == 1)


async def extend(sessions: Sessions, job_id: uuid.UUID, token: uuid.UUID, lease_s: float) -> bool:
    """Keep holding a running job for another lease."""
    until = utcnow() + timedelta(seconds=lease_s)
    return await _update(sessions, job_id, token, lease_until=until)


async def finish(
    sessions: Sessions, job_id: uuid.UUID, token: uuid.UUID, document: DocumentRecord
) -> bool:
    """Mark a job done with its document."""
    return await _update(
        sessions,
        job_id,
        token,
        state="done",
        document_id=document.id,
        revision=document.revision,
        cache_key=document.cache_key,
        claim_token=None,
        lease_until=None,
        error=None,
        finished_at=utcnow(),
    )


async def fail(sessions: Sessions, job_id: uuid.UUID, token: uuid.UUID, error: str) -> bool:
    """Mark a job failed for good, saying why."""
    return await _update(
        sessions,
        job_id,
        token,
        state="failed",
        error=error[:10_000],
        claim_token=None,
        lease_until=None,
        finished_at=utcnow(),
    )


async def retry(sessions: Sessions, job_id: uuid.UUID, token: uuid.UUID, delay_s: float) -> bool:
    """Put a job back in the queue, due after a delay (None: at once)."""
    due = utcnow() + timedelta(seconds=delay_s) if delay_s else None
    return await _update(sessions, job_id, token, state="queued", claim_token=None, lease_until=due)


async def release(sessions: Sessions, job_id: uuid.UUID, token: uuid.UUID) -> bool:
    """Give a job back to the queue at once, its attempt not counted (a graceful stop)."""
    return await _update(
        sessions,
        job_id,
        token,
        state="queued",
        claim_token=None,
        lease_until=None,
        attempts=JobRecord.attempts - 1,
    )


async def store(sessions: Sessions, document: DocumentRecord) -> DocumentRecord:
    """Save a made document; if another worker saved the same one first, return that one."""
    async with sessions() as session:
        session.add(document)
        try:
            await session.commit()
            return document
        except IntegrityError:
            await session.rollback()
    async with sessions() as session:
        stored = await find_document(session, document.cache_key)
        if stored is None:
            raise RuntimeError(f"document {document.cache_key} vanished")
        return stored
