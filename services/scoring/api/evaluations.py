"""Evaluations: a project scored against a pinned system version, its workflow and audit log."""

import uuid
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kit.db import SessionDep
from services.kit.problems import FieldError, problem_responses
from services.scoring import consistency, errors, schemas, service, store
from services.scoring.api.deps import CallerDep, Identity
from services.scoring.models import EvaluationRecord
from services.scoring.system import Issue

router = APIRouter(prefix="/evaluations", tags=["evaluations"])
NOT_FOUND = problem_responses(errors.EvaluationNotFound)
STATUS = problem_responses(errors.EvaluationNotFound, errors.ReadOnly, errors.InvalidTransition)


async def public(session: AsyncSession, record: EvaluationRecord) -> schemas.EvaluationPublic:
    """Return an evaluation with its current (or frozen) result."""
    system_record = await store.get_system_by_id(session, record.system_id)
    _, compiled = store.compiled(system_record)
    result, issues = service.score(compiled, record)
    return schemas.EvaluationPublic.model_validate(
        {
            **record.model_dump(exclude={"result"}),
            "system_key": system_record.key,
            "system_version": system_record.version,
            "result": result,
            "issues": [FieldError(path=i.path, message=i.message) for i in issues],
        }
    )


def refuse(issues: list[Issue]) -> None:
    """Raise a 422 problem when inputs cannot be stored."""
    if issues:
        raise errors.CannotScore(
            f"{len(issues)} problem(s) in the facts or judgements",
            errors.field_errors(issues, "body"),
        )


@router.post(
    "",
    status_code=201,
    response_model=schemas.EvaluationPublic,
    summary="Start an evaluation of a project against a stored system version",
    responses=problem_responses(
        errors.ProjectNotFound, errors.SystemNotFound, errors.ReadOnly, errors.CannotScore
    ),
)
async def create_evaluation(
    body: schemas.EvaluationCreate, session: SessionDep, caller: CallerDep
) -> schemas.EvaluationPublic:
    project = await store.get_project(session, body.project_id, caller, write=True)
    system_record = await store.get_system(session, body.system_key, body.version, caller)
    _, compiled = store.compiled(system_record)
    facts = {**service.load_facts(project.facts), **body.facts}
    refuse(service.refusals(compiled, facts, body.judgements))
    record = EvaluationRecord(
        project_id=project.id,
        system_id=system_record.id,
        facts=service.dump_facts(facts),
        judgements=service.dump_judgements(body.judgements),
        reported={k: str(v) for k, v in body.reported.items()},
        texts=body.texts.model_dump(mode="json", exclude_none=True),
        org_id=project.org_id,
        created_by=caller.client_id,
        revision=0,
    )
    session.add(record)
    await session.flush()
    changes: list[service.Change] = [(None, None, "draft")]
    service.record_changes(session, record, caller.client_id, "create", changes, None)
    return await public(session, record)


@router.get(
    "/{evaluation_id}",
    response_model=schemas.EvaluationPublic,
    summary="Read an evaluation and its result",
    responses=NOT_FOUND,
)
async def get_evaluation(
    evaluation_id: uuid.UUID, session: SessionDep, caller: CallerDep
) -> schemas.EvaluationPublic:
    return await public(session, await store.get_evaluation(session, evaluation_id, caller))


@router.patch(
    "/{evaluation_id}",
    response_model=schemas.EvaluationPublic,
    summary="Change facts, judgements, reported values or texts; every change is audited",
    responses=problem_responses(
        errors.EvaluationNotFound, errors.ReadOnly, errors.EvaluationFinalized, errors.CannotScore
    ),
)
async def update_evaluation(
    evaluation_id: uuid.UUID, body: schemas.EvaluationUpdate, session: SessionDep, caller: CallerDep
) -> schemas.EvaluationPublic:
    record = await store.get_evaluation(session, evaluation_id, caller, write=True)
    service.refuse_if_finalized(record)
    _, compiled = store.compiled(await store.get_system_by_id(session, record.system_id))
    new: dict[str, dict[str, Any]] = {
        "facts": record.facts,
        "judgements": record.judgements,
        "reported": record.reported,
        "texts": record.texts,
    }
    if body.facts is not None:
        changes = {
            k: None if v is None else service.dump_facts({k: v})[k] for k, v in body.facts.items()
        }
        new["facts"] = service.merged(record.facts, changes)
    if body.judgements is not None:
        dumped = {
            k: None if j is None else j.model_dump(mode="json", exclude_none=True)
            for k, j in body.judgements.items()
        }
        new["judgements"] = service.merged(record.judgements, dumped)
    if body.reported is not None:
        reported = {k: None if v is None else str(v) for k, v in body.reported.items()}
        new["reported"] = service.merged(record.reported, reported)
    if body.texts is not None:
        new["texts"] = body.texts.model_dump(mode="json", exclude_none=True)
    refuse(
        service.refusals(
            compiled,
            service.load_facts(new["facts"]),
            service.load_judgements(new["judgements"]),
        )
    )
    changes_made = [
        change
        for name, value in new.items()
        for change in service.diff(name, getattr(record, name), value)
    ]
    if changes_made:
        for name, value in new.items():
            setattr(record, name, value)
        service.record_changes(
            session, record, caller.client_id, "update", changes_made, body.reason
        )
        session.add(record)
    return await public(session, record)


async def change_status(
    session: AsyncSession,
    evaluation_id: uuid.UUID,
    action: str,
    caller: Identity,
    reason: str | None,
) -> schemas.EvaluationPublic:
    """Move an evaluation through draft → submitted → finalized (and back), audited."""
    record = await store.get_evaluation(session, evaluation_id, caller, write=True)
    target = service.transition(record, action)
    _, compiled = store.compiled(await store.get_system_by_id(session, record.system_id))
    if action in ("submit", "finalize"):
        result, issues = service.score(compiled, record)
        if result is None or not result.complete:
            pending = [] if result is None else result.pending
            raise errors.InvalidTransition(
                f"Cannot {action}: the evaluation is not completely scored",
                errors=[{"path": i.path, "message": i.message} for i in issues]
                + [{"path": f"judgements.{c}", "message": "pending judgement"} for c in pending],
            )
        if action == "finalize":
            record.result = result.model_dump(mode="json")
    if action == "reopen":
        if not reason:
            raise errors.InvalidTransition("Reopening a finalized evaluation needs a reason")
        record.result = None
    old = record.status
    record.status = target
    changes: list[service.Change] = [("status", old, target)]
    service.record_changes(session, record, caller.client_id, action, changes, reason)
    session.add(record)
    return await public(session, record)


@router.post(
    "/{evaluation_id}/submit",
    response_model=schemas.EvaluationPublic,
    summary="Submit a completely scored draft for review",
    responses=STATUS,
)
async def submit_evaluation(
    evaluation_id: uuid.UUID, body: schemas.StatusChange, session: SessionDep, caller: CallerDep
) -> schemas.EvaluationPublic:
    return await change_status(session, evaluation_id, "submit", caller, body.reason)


@router.post(
    "/{evaluation_id}/return",
    response_model=schemas.EvaluationPublic,
    summary="Send a submitted evaluation back to draft",
    responses=STATUS,
)
async def return_evaluation(
    evaluation_id: uuid.UUID, body: schemas.StatusChange, session: SessionDep, caller: CallerDep
) -> schemas.EvaluationPublic:
    return await change_status(session, evaluation_id, "return", caller, body.reason)


@router.post(
    "/{evaluation_id}/finalize",
    response_model=schemas.EvaluationPublic,
    summary="Finalize: the result is frozen and changes are refused until reopened",
    responses=STATUS,
)
async def finalize_evaluation(
    evaluation_id: uuid.UUID, body: schemas.StatusChange, session: SessionDep, caller: CallerDep
) -> schemas.EvaluationPublic:
    return await change_status(session, evaluation_id, "finalize", caller, body.reason)


@router.post(
    "/{evaluation_id}/reopen",
    response_model=schemas.EvaluationPublic,
    summary="Reopen a finalized evaluation (a reason is required and recorded)",
    responses=STATUS,
)
async def reopen_evaluation(
    evaluation_id: uuid.UUID, body: schemas.StatusChange, session: SessionDep, caller: CallerDep
) -> schemas.EvaluationPublic:
    return await change_status(session, evaluation_id, "reopen", caller, body.reason)


@router.get(
    "/{evaluation_id}/audit",
    response_model=schemas.AuditLog,
    summary="Every change to the evaluation, oldest first (append-only)",
    responses=NOT_FOUND,
)
async def get_audit_log(
    evaluation_id: uuid.UUID, session: SessionDep, caller: CallerDep
) -> schemas.AuditLog:
    await store.get_evaluation(session, evaluation_id, caller)
    entries = await store.audit_log(session, evaluation_id)
    return schemas.AuditLog(
        items=[schemas.AuditEntryPublic.model_validate(e, from_attributes=True) for e in entries]
    )


@router.get(
    "/{evaluation_id}/check",
    response_model=list[consistency.Finding],
    summary="List inconsistencies (missing reasons, overrides, printed values) without saving",
    responses=NOT_FOUND,
)
async def check_evaluation(
    evaluation_id: uuid.UUID, session: SessionDep, caller: CallerDep
) -> list[consistency.Finding]:
    record = await store.get_evaluation(session, evaluation_id, caller)
    system, _ = store.compiled(await store.get_system_by_id(session, record.system_id))
    return consistency.check_evaluation(
        system,
        service.load_facts(record.facts),
        service.load_judgements(record.judgements),
        {k: Decimal(v) for k, v in record.reported.items()},
    )
