"""Facts taken from another service: a survey's satisfaction into an evaluation, with its n."""

import uuid

from fastapi import APIRouter, Request

from services.kit.db import SessionDep
from services.kit.models import utcnow
from services.kit.problems import InvalidRequest, problem_responses
from services.scoring import clients, errors, schemas, service, store
from services.scoring.api.deps import CallerDep
from services.scoring.api.evaluations import public

router = APIRouter(prefix="/evaluations", tags=["evaluations"])


@router.put(
    "/{evaluation_id}/sources/{fact}",
    response_model=schemas.EvaluationPublic,
    summary="Set a rate fact from a survey's result; the survey and its n are recorded",
    responses=problem_responses(
        errors.EvaluationNotFound,
        errors.ReadOnly,
        errors.EvaluationFinalized,
        clients.SurveyNotFound,
        clients.UpstreamUnavailable,
    ),
)
async def set_fact_from_survey(
    evaluation_id: uuid.UUID,
    fact: str,
    body: schemas.SurveySource,
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    survey: clients.SurveyClientDep,
) -> schemas.EvaluationPublic:
    record = await store.get_evaluation(session, evaluation_id, caller, write=True)
    service.refuse_if_finalized(record)
    _, compiled = store.compiled(await store.get_system_by_id(session, record.system_id))
    if compiled.types.get(fact) != "rate":
        raise InvalidRequest(
            f"{fact!r} is not a rate fact of this evaluation's system",
            errors=[{"path": "path.fact", "message": "must name a fact of type rate"}],
        )
    result = await survey.result(body.survey_id, request.headers.get("x-request-id"))
    if result.satisfaction is None or result.n == 0:
        raise InvalidRequest(
            f"Survey {body.survey_id} has no accepted answers yet",
            errors=[{"path": "body.survey_id", "message": "the survey has no result yet"}],
        )
    value = str(result.satisfaction)
    source = {
        "survey_id": str(result.survey_id),
        "n": result.n,
        "satisfaction": value,
        "read_at": utcnow().isoformat(),
    }
    changes: list[service.Change] = [
        (f"facts.{fact}", record.facts.get(fact), value),
        (f"sources.{fact}", record.sources.get(fact), source),
    ]
    record.facts = {**record.facts, fact: value}
    record.sources = {**record.sources, fact: source}
    service.record_changes(session, record, caller.client_id, "survey", changes, body.reason)
    session.add(record)
    return await public(session, record)
