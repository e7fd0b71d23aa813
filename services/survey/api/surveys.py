"""Surveys: field a questionnaire version, change its window, invitations and QR codes."""

import io
import uuid
from typing import Annotated

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from services.kit.db import SessionDep
from services.kit.identity import IdentityDep
from services.kit.problems import InvalidRequest, problem_responses
from services.survey import errors, ingest, schemas, store
from services.survey.api.deps import NowDep, public_base
from services.survey.models import SurveyRecord

router = APIRouter(prefix="/surveys", tags=["surveys"])
Scale = Annotated[int, Query(ge=1, le=40, description="Pixels (PNG) or units (SVG) per module")]


def link(request: Request, survey: SurveyRecord) -> str:
    """Return the address of a survey's answer page."""
    return f"{public_base(request)}/s/{survey.public_token}"


async def public(
    session: SessionDep, request: Request, survey: SurveyRecord, now: NowDep
) -> schemas.SurveyPublic:
    """Return a survey with its questionnaire version and link."""
    questionnaire = await store.questionnaire_by_id(session, survey.questionnaire_id)
    return schemas.SurveyPublic(
        **survey.model_dump(exclude={"questionnaire_id", "org_id", "created_by"}),
        questionnaire_id=questionnaire.id,
        questionnaire_key=questionnaire.key,
        version=questionnaire.version,
        status=ingest.status(survey, now),
        link=link(request, survey),
    )


@router.post(
    "",
    status_code=201,
    response_model=schemas.SurveyPublic,
    summary="Field a questionnaire version for a project or an evaluation",
    responses=problem_responses(errors.QuestionnaireNotFound),
)
async def create_survey(
    body: schemas.SurveyCreate,
    session: SessionDep,
    caller: IdentityDep,
    request: Request,
    now: NowDep,
) -> schemas.SurveyPublic:
    questionnaire = await store.get_questionnaire(
        session, body.questionnaire_key, body.version, caller
    )
    survey = SurveyRecord(
        **body.model_dump(exclude={"questionnaire_key", "version"}),
        questionnaire_id=questionnaire.id,
        public_token=store.new_token(),
        org_id=caller.org_id,
        created_by=caller.client_id,
    )
    session.add(survey)
    await session.flush()
    return await public(session, request, survey, now)


@router.get("", response_model=schemas.SurveysPublic, summary="List surveys, newest first")
async def list_surveys(
    session: SessionDep,
    caller: IdentityDep,
    request: Request,
    now: NowDep,
    project_id: uuid.UUID | None = None,
    evaluation_id: uuid.UUID | None = None,
) -> schemas.SurveysPublic:
    found = await store.list_surveys(session, caller, project_id, evaluation_id)
    return schemas.SurveysPublic(items=[await public(session, request, s, now) for s in found])


@router.get(
    "/{survey_id}",
    response_model=schemas.SurveyPublic,
    summary="Read a survey",
    responses=problem_responses(errors.SurveyNotFound),
)
async def get_survey(
    survey_id: uuid.UUID, session: SessionDep, caller: IdentityDep, request: Request, now: NowDep
) -> schemas.SurveyPublic:
    survey = await store.get_survey(session, survey_id, caller)
    return await public(session, request, survey, now)


@router.patch(
    "/{survey_id}",
    response_model=schemas.SurveyPublic,
    summary="Change a survey's name, window, target or groups (close it by setting closes_at)",
    responses=problem_responses(errors.SurveyNotFound, errors.ReadOnly),
)
async def update_survey(
    survey_id: uuid.UUID,
    body: schemas.SurveyUpdate,
    session: SessionDep,
    caller: IdentityDep,
    request: Request,
    now: NowDep,
) -> schemas.SurveyPublic:
    survey = await store.get_survey(session, survey_id, caller, write=True)
    changes = body.model_dump(exclude_unset=True)
    opens_at = changes.get("opens_at", survey.opens_at)
    closes_at = changes.get("closes_at", survey.closes_at)
    if opens_at and closes_at and closes_at <= opens_at:
        raise InvalidRequest(
            "closes_at must be after opens_at",
            [{"path": "body.closes_at", "message": "must be after opens_at"}],
        )
    for name, value in changes.items():
        setattr(survey, name, value)
    request.state.surveys.drop(survey.public_token)  # other processes notice by themselves
    session.add(survey)
    await session.flush()
    return await public(session, request, survey, now)


@router.post(
    "/{survey_id}/invitations",
    status_code=201,
    response_model=schemas.InvitationsPublic,
    summary="Make single-use invitations (shown once; answers stay anonymous)",
    responses=problem_responses(errors.SurveyNotFound, errors.ReadOnly),
)
async def create_invitations(
    survey_id: uuid.UUID,
    body: schemas.InvitationsCreate,
    session: SessionDep,
    caller: IdentityDep,
    request: Request,
) -> schemas.InvitationsPublic:
    survey = await store.get_survey(session, survey_id, caller, write=True)
    tokens = await store.add_invitations(session, survey.id, body.count)
    made, used = await store.invitation_counts(session, survey.id)
    base = link(request, survey)
    return schemas.InvitationsPublic(
        tokens=tokens, links=[f"{base}?invite={t}" for t in tokens], made=made, used=used
    )


def _qr(request: Request, survey: SurveyRecord, kind: str, scale: int) -> bytes:
    buffer = io.BytesIO()
    segno.make(link(request, survey), error="m").save(buffer, kind=kind, scale=scale, border=4)
    return buffer.getvalue()


@router.get(
    "/{survey_id}/qr.png",
    response_class=Response,
    summary="QR code of the survey's link, as PNG",
    responses={200: {"content": {"image/png": {}}}, **problem_responses(errors.SurveyNotFound)},
)
async def get_qr_png(
    survey_id: uuid.UUID,
    session: SessionDep,
    caller: IdentityDep,
    request: Request,
    scale: Scale = 8,
) -> Response:
    survey = await store.get_survey(session, survey_id, caller)
    return Response(_qr(request, survey, "png", scale), media_type="image/png")


@router.get(
    "/{survey_id}/qr.svg",
    response_class=Response,
    summary="QR code of the survey's link, as SVG (for print)",
    responses={200: {"content": {"image/svg+xml": {}}}, **problem_responses(errors.SurveyNotFound)},
)
async def get_qr_svg(
    survey_id: uuid.UUID,
    session: SessionDep,
    caller: IdentityDep,
    request: Request,
    scale: Scale = 4,
) -> Response:
    survey = await store.get_survey(session, survey_id, caller)
    return Response(_qr(request, survey, "svg", scale), media_type="image/svg+xml")
