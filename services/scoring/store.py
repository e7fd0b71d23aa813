"""Reading and writing the scoring tables: systems by key and version, projects, evaluations."""

import uuid
from collections import OrderedDict

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

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
    session: AsyncSession, system: IndicatorSystem, actor: str, key: uuid.UUID | None = None
) -> IndicatorSystemRecord:
    """Store a system as version 1 of a new key, or as the next version of an existing key."""
    version = 1
    if key is None:
        key = uuid.uuid4()
    else:
        latest = await session.scalar(
            select(func.max(IndicatorSystemRecord.version)).where(IndicatorSystemRecord.key == key)
        )
        if latest is None:
            raise errors.SystemNotFound(f"No indicator system with key {key}")
        version = latest + 1
    record = IndicatorSystemRecord(
        key=key,
        version=version,
        name=system.name,
        body=system.model_dump(mode="json", exclude_none=True),
        created_by=actor,
    )
    session.add(record)
    await session.flush()
    return record


_pinned: OrderedDict[tuple[uuid.UUID, int], IndicatorSystemRecord] = OrderedDict()


def pinned(key: uuid.UUID, version: int | None) -> IndicatorSystemRecord | None:
    """Return a stored version already read by this process, when the caller pins one."""
    return None if version is None else _pinned.get((key, version))


async def get_system(
    session: AsyncSession, key: uuid.UUID, version: int | None = None
) -> IndicatorSystemRecord:
    """Return a stored system version (the latest when no version is given)."""
    if version is not None and (key, version) in _pinned:
        # A stored version never changes: automated callers that pin it skip the database.
        return _pinned[(key, version)]
    query = select(IndicatorSystemRecord).where(IndicatorSystemRecord.key == key)
    if version is None:
        query = query.order_by(col(IndicatorSystemRecord.version).desc()).limit(1)
    else:
        query = query.where(IndicatorSystemRecord.version == version)
    record = (await session.exec(query)).first()
    if record is None:
        which = f"version {version} of " if version else ""
        raise errors.SystemNotFound(f"No {which}indicator system with key {key}")
    _pinned[(key, record.version)] = record
    if len(_pinned) > COMPILED_CACHE_SIZE:
        _pinned.popitem(last=False)
    return record


async def get_system_by_id(session: AsyncSession, system_id: uuid.UUID) -> IndicatorSystemRecord:
    """Return the system version an evaluation is pinned to."""
    record = await session.get(IndicatorSystemRecord, system_id)
    if record is None:
        raise errors.SystemNotFound(f"No indicator system version {system_id}")
    return record


async def latest_systems(session: AsyncSession) -> list[IndicatorSystemRecord]:
    """Return the latest version of every stored system, newest first."""
    latest = (
        select(IndicatorSystemRecord.key, func.max(IndicatorSystemRecord.version).label("v"))
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


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> ProjectRecord:
    """Return a project or raise ProjectNotFound."""
    record = await session.get(ProjectRecord, project_id)
    if record is None:
        raise errors.ProjectNotFound(f"No project {project_id}")
    return record


async def get_evaluation(
    session: AsyncSession, evaluation_id: uuid.UUID, for_update: bool = False
) -> EvaluationRecord:
    """Return an evaluation, locked for update when it is about to change."""
    query = select(EvaluationRecord).where(EvaluationRecord.id == evaluation_id)
    if for_update:  # two concurrent edits must not both read the same revision
        query = query.with_for_update()
    record = (await session.exec(query)).first()
    if record is None:
        raise errors.EvaluationNotFound(f"No evaluation {evaluation_id}")
    return record


async def audit_log(session: AsyncSession, evaluation_id: uuid.UUID) -> list[AuditEntry]:
    """Return every recorded change of an evaluation, oldest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.evaluation_id == evaluation_id)
        .order_by(col(AuditEntry.revision), col(AuditEntry.position))
    )
    return list((await session.exec(query)).all())
