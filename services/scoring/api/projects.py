"""Projects: one fund in one year, its units and its facts."""

import uuid

from fastapi import APIRouter
from sqlmodel import col, select

from services.kit.db import SessionDep
from services.kit.models import utcnow
from services.kit.problems import problem_responses
from services.scoring import errors, schemas, service, store
from services.scoring.api.deps import CallerDep
from services.scoring.models import ProjectRecord

router = APIRouter(prefix="/projects", tags=["projects"])


def public(record: ProjectRecord) -> schemas.ProjectPublic:
    """Return a project as the API shows it."""
    return schemas.ProjectPublic.model_validate(
        {**record.model_dump(), "facts": service.load_facts(record.facts)}
    )


@router.post("", status_code=201, response_model=schemas.ProjectPublic, summary="Create a project")
async def create_project(
    body: schemas.ProjectCreate, session: SessionDep, caller: CallerDep
) -> schemas.ProjectPublic:
    record = ProjectRecord(
        **body.model_dump(exclude={"facts"}),
        facts=service.dump_facts(body.facts),
        org_id=caller.org_id,
        created_by=caller.client_id,
    )
    session.add(record)
    await session.flush()
    return public(record)


@router.get("", response_model=schemas.ProjectsPublic, summary="List projects, newest first")
async def list_projects(session: SessionDep, caller: CallerDep) -> schemas.ProjectsPublic:
    query = (
        select(ProjectRecord)
        .where(store.readable(ProjectRecord.org_id, caller))
        .order_by(col(ProjectRecord.created_at).desc())
        .limit(1000)
    )
    return schemas.ProjectsPublic(items=[public(r) for r in (await session.exec(query)).all()])


@router.get(
    "/{project_id}",
    response_model=schemas.ProjectPublic,
    summary="Read a project",
    responses=problem_responses(errors.ProjectNotFound),
)
async def get_project(
    project_id: uuid.UUID, session: SessionDep, caller: CallerDep
) -> schemas.ProjectPublic:
    return public(await store.get_project(session, project_id, caller))


@router.patch(
    "/{project_id}",
    response_model=schemas.ProjectPublic,
    summary="Change a project; facts merge, a null fact removes it",
    responses=problem_responses(errors.ProjectNotFound, errors.ReadOnly),
)
async def update_project(
    project_id: uuid.UUID, body: schemas.ProjectUpdate, session: SessionDep, caller: CallerDep
) -> schemas.ProjectPublic:
    record = await store.get_project(session, project_id, caller, write=True)
    for name, value in body.model_dump(exclude_unset=True, exclude={"facts"}).items():
        setattr(record, name, value)
    if body.facts is not None:
        changes = {
            k: None if v is None else service.dump_facts({k: v})[k] for k, v in body.facts.items()
        }
        record.facts = service.merged(record.facts, changes)
    record.updated_at = utcnow()
    session.add(record)
    return public(record)
