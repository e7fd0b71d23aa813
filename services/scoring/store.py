"""Reading and writing the scoring tables: systems by key and version, projects, evaluations."""

import uuid
from collections import OrderedDict
from typing import Any

from sqlalchemy import func, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kit.identity import Identity
from services.kit.problems import Problem
from services.scoring import engine, errors
from services.scoring.models import (
    AuditEntry,
    EvaluationRecord,
    IndicatorSystemRecord,
    ProjectRecord,
)
from services.scoring.system import IndicatorSystem

COMPILED_CACHE_SIZE = 256
# Stored versions never change, so a compiled system can be kept for as long as it is used.
_compiled: OrderedDict[uuid.UUID, tuple[IndicatorSystem, engine.CompiledSystem]] = OrderedDict()


def writable(org_id: str | None, caller: Identity) -> bool:
    """Tell whether a caller may change what an organisation owns (only its own)."""
    return caller.internal or (org_id is not None and org_id == caller.org_id)


def check_access(org_id: str | None, caller: Identity, write: bool, missing: Problem) -> None:
    """Let a caller read what its organisation owns or was shared, and change only its own.

    What the caller may not read is reported missing (404): nothing reveals what exists
    elsewhere. A shared one it may read but not change is a 403.
    """
    if not caller.may_read(org_id):
        raise missing
    if write and not writable(org_id, caller):
        raise errors.ReadOnly("Shared with your organisation to read, not to change")


def readable(column: Any, caller: Identity) -> Any:
    """Return a WHERE clause keeping the rows a caller may read."""
    return true() if caller.internal else col(column).in_(caller.readable_orgs)


def compiled(record: IndicatorSystemRecord) -> tuple[IndicatorSystem, engine.CompiledSystem]:
    """Return the parsed and compiled form of a stored system version (cached by id)."""
    hit = _compiled.get(record.id)
    if hit is not None:
        _compiled.move_to_end(record.id)
        return hit
    system = IndicatorSystem.model_validate(record.body)
    entry = _compiled[record.id] = (system, engine.compile_system(system))
    if len(_compiled) > COMPILED_CACHE_SIZE:
        _compiled.popitem(last=False)
    return entry


async def add_system(
    session: AsyncSession, system: IndicatorSystem, caller: Identity, key: uuid.UUID | None = None
) -> IndicatorSystemRecord:
    """Store a system as version 1 of a new key, or as the next version of an existing key."""
    version, org_id = 1, caller.org_id
    if key is None:
        key = uuid.uuid4()
    else:
        latest = await get_system(session, key, None, caller)
        check_access(latest.org_id, caller, True, errors.SystemNotFound())
        version, org_id = latest.version + 1, latest.org_id
    record = IndicatorSystemRecord(
        key=key,
        version=version,
        name=system.name,
        body=system.model_dump(mode="json", exclude_none=True),
        org_id=org_id,
        created_by=caller.client_id,
    )
    session.add(record)
    await session.flush()
    return record


_pinned: OrderedDict[tuple[uuid.UUID, int], IndicatorSystemRecord] = OrderedDict()


def pinned(key: uuid.UUID, version: int | None, caller: Identity) -> IndicatorSystemRecord | None:
    """Return a stored version already read by this process, when the caller pins one."""
    record = None if version is None else _pinned.get((key, version))
    if record is not None and not caller.may_read(record.org_id):
        raise _no_system(key, version)  # built only when refused: formatting it costs
    return record


def _no_system(key: uuid.UUID, version: int | None) -> errors.SystemNotFound:
    which = f"version {version} of " if version else ""
    return errors.SystemNotFound(f"No {which}indicator system with key {key}")


async def get_system(
    session: AsyncSession, key: uuid.UUID, version: int | None, caller: Identity
) -> IndicatorSystemRecord:
    """Return a stored system version the caller may read (the latest when no version)."""
    # A stored version never changes: automated callers that pin it skip the database.
    cached = pinned(key, version, caller)
    if cached is not None:
        return cached
    query = select(IndicatorSystemRecord).where(IndicatorSystemRecord.key == key)
    if version is None:
        query = query.order_by(col(IndicatorSystemRecord.version).desc()).limit(1)
    else:
        query = query.where(IndicatorSystemRecord.version == version)
    record = (await session.exec(query)).first()
    if record is None:
        raise _no_system(key, version)
    if not caller.may_read(record.org_id):
        raise _no_system(key, version)
    # A copy of its own: the session's record expires with that session (a refused request
    # rolls back), and a later request reading the cached one would fail.
    _pinned[(key, record.version)] = IndicatorSystemRecord(**record.model_dump())
    if len(_pinned) > COMPILED_CACHE_SIZE:
        _pinned.popitem(last=False)
    return record


async def get_system_by_id(session: AsyncSession, system_id: uuid.UUID) -> IndicatorSystemRecord:
    """Return the system version an evaluation is pinned to."""
    record = await session.get(IndicatorSystemRecord, system_id)
    if record is None:
        raise errors.SystemNotFound(f"No indicator system version {system_id}")
    return record


async def latest_systems(session: AsyncSession, caller: Identity) -> list[IndicatorSystemRecord]:
    """Return the latest version of every system the caller may read, newest first."""
    latest = (
        select(IndicatorSystemRecord.key, func.max(IndicatorSystemRecord.version).label("v"))
        .where(readable(IndicatorSystemRecord.org_id, caller))
        .group_by(col(IndicatorSystemRecord.key))
        .subquery()
    )
    query = (
        select(IndicatorSystemRecord)
        .join(
            latest,
            (col(IndicatorSystemRecord.key) == latest.c.key)
            & (col(IndicatorSystemRecord.version) == latest.c.v),
        )
        .order_by(col(IndicatorSystemRecord.created_at).desc())
    )
    return list((await session.exec(query)).all())


async def get_project(
    session: AsyncSession, project_id: uuid.UUID, caller: Identity, write: bool = False
) -> ProjectRecord:
    """Return a project the caller may read (or change), else raise ProjectNotFound."""
    record = await session.get(ProjectRecord, project_id)
    missing = errors.ProjectNotFound(f"No project {project_id}")
    if record is None:
        raise missing
    check_access(record.org_id, caller, write, missing)
    return record


async def get_evaluation(
    session: AsyncSession, evaluation_id: uuid.UUID, caller: Identity, write: bool = False
) -> EvaluationRecord:
    """Return an evaluation the caller may read; locked for update when it is to change."""
    query = select(EvaluationRecord).where(EvaluationRecord.id == evaluation_id)
    if write:  # two concurrent edits must not both read the same revision
        query = query.with_for_update()
    record = (await session.exec(query)).first()
    missing = errors.EvaluationNotFound(f"No evaluation {evaluation_id}")
    if record is None:
        raise missing
    check_access(record.org_id, caller, write, missing)
    return record


async def audit_log(session: AsyncSession, evaluation_id: uuid.UUID) -> list[AuditEntry]:
    """Return every recorded change of an evaluation, oldest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.evaluation_id == evaluation_id)
        .order_by(col(AuditEntry.revision), col(AuditEntry.position))
    )
    return list((await session.exec(query)).all())
