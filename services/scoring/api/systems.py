"""Indicator systems: create, read, list, and edit (which stores a new version)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path

from services.kit.db import SessionDep
from services.kit.problems import problem_responses
from services.scoring import errors, schemas, store
from services.scoring.api.deps import CallerDep
from services.scoring.models import IndicatorSystemRecord
from services.scoring.system import IndicatorSystem, validate_system

router = APIRouter(prefix="/systems", tags=["systems"])


def checked(system: IndicatorSystem) -> IndicatorSystem:
    """Return the system, or raise a 422 problem listing every issue with its JSON path."""
    issues = validate_system(system)
    if issues:
        raise errors.InvalidSystem(
            f"{len(issues)} problem(s) in the indicator system",
            errors.field_errors(issues, "body"),
        )
    return system


def public(record: IndicatorSystemRecord) -> schemas.SystemPublic:
    """Return a stored version with its tree."""
    system, _ = store.compiled(record)
    return schemas.SystemPublic(**summary(record).model_dump(), system=system, scale=system.scale())


def summary(record: IndicatorSystemRecord) -> schemas.SystemSummary:
    """Return a stored version without its tree."""
    return schemas.SystemSummary.model_validate(record, from_attributes=True)


@router.post(
    "",
    status_code=201,
    response_model=schemas.SystemPublic,
    summary="Store a new indicator system (version 1)",
    responses=problem_responses(errors.InvalidSystem),
)
async def create_system(
    session: SessionDep, caller: CallerDep, body: IndicatorSystem = Body()
) -> schemas.SystemPublic:
    record = await store.add_system(session, checked(body), caller)
    return public(record)


@router.get("", response_model=schemas.SystemsPublic, summary="List the latest version of each")
async def list_systems(session: SessionDep, caller: CallerDep) -> schemas.SystemsPublic:
    records = await store.latest_systems(session, caller)
    return schemas.SystemsPublic(items=[summary(r) for r in records])


@router.get(
    "/{key}",
    response_model=schemas.SystemPublic,
    summary="Read the latest version of a system",
    responses=problem_responses(errors.SystemNotFound),
)
async def get_system(
    key: uuid.UUID, session: SessionDep, caller: CallerDep
) -> schemas.SystemPublic:
    return public(await store.get_system(session, key, None, caller))


@router.get(
    "/{key}/versions/{version}",
    response_model=schemas.SystemPublic,
    summary="Read one version of a system",
    responses=problem_responses(errors.SystemNotFound),
)
async def get_system_version(
    key: uuid.UUID,
    version: Annotated[int, Path(ge=1, le=schemas.MAX_VERSION)],
    session: SessionDep,
    caller: CallerDep,
) -> schemas.SystemPublic:
    return public(await store.get_system(session, key, version, caller))


@router.put(
    "/{key}",
    response_model=schemas.SystemPublic,
    summary="Edit a system: stores the next version; evaluations keep theirs",
    responses=problem_responses(errors.SystemNotFound, errors.ReadOnly, errors.InvalidSystem),
)
async def update_system(
    key: uuid.UUID, session: SessionDep, caller: CallerDep, body: IndicatorSystem = Body()
) -> schemas.SystemPublic:
    record = await store.add_system(session, checked(body), caller, key=key)
    return public(record)
