"""Questionnaires: create, read, list, and edit (which stores a new version)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path

from services.kit.db import SessionDep
from services.kit.identity import IdentityDep
from services.kit.problems import problem_responses
from services.survey import errors, schemas, store
from services.survey.models import QuestionnaireRecord
from services.survey.questionnaire import Questionnaire, validate

router = APIRouter(prefix="/questionnaires", tags=["questionnaires"])
MAX_VERSION = 1_000_000  # versions count from 1; a bound keeps them inside any integer column


def checked(questionnaire: Questionnaire) -> Questionnaire:
    """Return the questionnaire, or raise a 422 problem listing every issue with its path."""
    issues = validate(questionnaire)
    if issues:
        raise errors.InvalidQuestionnaire(
            f"{len(issues)} problem(s) in the questionnaire", errors.field_errors(issues, "body")
        )
    return questionnaire


def public(record: QuestionnaireRecord) -> schemas.QuestionnairePublic:
    """Return a stored version with its questions."""
    form = store.compiled(record).questionnaire
    summary = schemas.QuestionnaireSummary.model_validate(record)
    return schemas.QuestionnairePublic(
        **summary.model_dump(), method=form.method, questionnaire=form
    )


@router.post(
    "",
    status_code=201,
    response_model=schemas.QuestionnairePublic,
    summary="Store a new questionnaire (version 1)",
    responses=problem_responses(errors.InvalidQuestionnaire),
)
async def create_questionnaire(
    session: SessionDep, caller: IdentityDep, body: Questionnaire = Body()
) -> schemas.QuestionnairePublic:
    return public(await store.add_questionnaire(session, checked(body), caller))


@router.get(
    "",
    response_model=schemas.QuestionnairesPublic,
    summary="List the latest version of each questionnaire",
)
async def list_questionnaires(
    session: SessionDep, caller: IdentityDep
) -> schemas.QuestionnairesPublic:
    records = await store.latest_questionnaires(session, caller)
    return schemas.QuestionnairesPublic(
        items=[schemas.QuestionnaireSummary.model_validate(r) for r in records]
    )


@router.get(
    "/{key}",
    response_model=schemas.QuestionnairePublic,
    summary="Read the latest version of a questionnaire",
    responses=problem_responses(errors.QuestionnaireNotFound),
)
async def get_questionnaire(
    key: uuid.UUID, session: SessionDep, caller: IdentityDep
) -> schemas.QuestionnairePublic:
    return public(await store.get_questionnaire(session, key, None, caller))


@router.get(
    "/{key}/versions/{version}",
    response_model=schemas.QuestionnairePublic,
    summary="Read one version of a questionnaire",
    responses=problem_responses(errors.QuestionnaireNotFound),
)
async def get_questionnaire_version(
    key: uuid.UUID,
    version: Annotated[int, Path(ge=1, le=MAX_VERSION)],
    session: SessionDep,
    caller: IdentityDep,
) -> schemas.QuestionnairePublic:
    return public(await store.get_questionnaire(session, key, version, caller))


@router.put(
    "/{key}",
    response_model=schemas.QuestionnairePublic,
    summary="Edit a questionnaire: stores the next version; surveys keep theirs",
    responses=problem_responses(
        errors.QuestionnaireNotFound, errors.ReadOnly, errors.InvalidQuestionnaire
    ),
)
async def update_questionnaire(
    key: uuid.UUID, session: SessionDep, caller: IdentityDep, body: Questionnaire = Body()
) -> schemas.QuestionnairePublic:
    return public(await store.add_questionnaire(session, checked(body), caller, key=key))
