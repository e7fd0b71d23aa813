"""Collection for mobile apps, by a survey's public token: the form, one sheet, or a batch."""

from datetime import datetime, timedelta
from typing import Any

import pydantic_core
from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import State
from starlette.routing import BaseRoute, Route

from services.kit import db
from services.kit.db import SessionDep
from services.kit.models import utcnow
from services.kit.problems import InvalidRequest, Problem, location, problem_responses
from services.survey import answers, errors, ingest, schemas, store, writes
from services.survey.api import page
from services.survey.api.deps import NowDep, SettingsDep
from services.survey.models import SurveyRecord
from services.survey.pool import AutocommitPool
from services.survey.questionnaire import Issue
from services.survey.settings import MAX_BATCH, SurveySettings
from services.survey.snapshots import Snapshots

router = APIRouter(prefix="/s/{token}", tags=["collection"])
FORM = "application/x-www-form-urlencoded"
BATCH_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["sheets"],
            "additionalProperties": False,
            "properties": {
                "sheets": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_BATCH,
                    "description": f"At most {MAX_BATCH} (a deployment may set fewer: "
                    "SURVEY_MAX_BATCH); send more in further batches",
                    "items": answers.SheetIn.model_json_schema(),
                }
            },
        }
    }
}
TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "title": "Token"},
}
SHEET_BODIES = {
    "application/json": {"schema": answers.SheetIn.model_json_schema()},
    FORM: {
        "schema": {
            "type": "object",
            "description": "The answer page's form: id, a:<question>, h:<header field>, "
            "group, invitation",
            "additionalProperties": {"type": "string"},
        }
    },
}


async def _survey(session: SessionDep, token: str) -> tuple[SurveyRecord, answers.Compiled]:
    survey = await writes.survey_by_token(session, token)
    return survey, await store.form_by_id(session, survey.questionnaire_id)


def receipt(outcome: ingest.Outcome) -> schemas.SheetReceipt:
    """Return the API form of a stored sheet's receipt."""
    assert outcome.receipt is not None
    return schemas.SheetReceipt.model_validate(outcome.receipt, from_attributes=True)


def problem_body(problem: Problem) -> dict[str, Any]:
    """Return a problem as the JSON object it would be on its own."""
    body: dict[str, Any] = {"type": problem.type, "title": problem.title, "status": problem.status}
    if problem.detail:
        body["detail"] = problem.detail
    return body | problem.extensions


@router.get(
    "/form",
    response_model=schemas.FormPublic,
    summary="Read the questionnaire and state of a survey, for an app",
    responses=problem_responses(errors.SurveyNotFound),
)
async def get_form(token: str, session: SessionDep, now: NowDep) -> schemas.FormPublic:
    survey, form = await _survey(session, token)
    return schemas.FormPublic(
        survey_id=survey.id,
        name=survey.name,
        status=ingest.status(survey, now),
        opens_at=survey.opens_at,
        closes_at=survey.closes_at,
        groups=survey.groups,
        invitation_only=survey.invitation_only,
        questionnaire=form.questionnaire,
    )


def _and_html(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """Declare each answer also as an HTML page: what the answer page's plain form post gets."""
    html = {"text/html": {"schema": {"type": "string"}}}
    return {status: {**r, "content": html} for status, r in responses.items()}


@router.post(
    "/sheets",
    status_code=201,
    response_model=schemas.SheetReceipt,
    summary="Submit one sheet: 201 stored; 200 the same sheet again (stores nothing)",
    description="JSON from apps and the answer page's script; the page's plain form post "
    "(form-urlencoded, without JavaScript) is answered with an HTML page instead.",
    openapi_extra={
        "parameters": [TOKEN],
        "requestBody": {"required": True, "content": SHEET_BODIES},
    },
    responses=_and_html(
        {
            200: {
                "model": schemas.SheetReceipt,
                "description": "The same sheet again: the first receipt, nothing stored",
            },
            201: {"description": "Stored"},
            **problem_responses(
                errors.SurveyNotFound,
                errors.SurveyClosed,
                errors.SheetConflict,
                errors.InvitationUsed,
                errors.InvitationInvalid,
                errors.InvalidSheet,
            ),
        }
    ),
)
async def submit_sheet(request: Request) -> Response:
    # Nothing goes through FastAPI's dependencies, not even the token (documented by hand in
    # TOKEN): they were a tenth of a submit's CPU. Settings, clock and a session are taken
    # here, and a session only when the one-statement path cannot decide (bench/survey.py).
    token: str = request.path_params["token"]
    body = await request.body()
    state = request.state
    settings: SurveySettings = state.settings
    now = utcnow()
    grace = ingest.grace(settings.late_grace_h)
    if request.headers.get("content-type", "").startswith(FORM):
        async with db.transaction(state.sessionmaker) as session:
            try:
                survey, form = await _survey(session, token)
            except errors.SurveyNotFound:
                return HTMLResponse(page.NOT_FOUND, status_code=404)
            return await page.answer_form(session, survey, form, body, request, grace, now)
    # Parsed here rather than by FastAPI: one validation straight from the bytes, and the
    # receipt serialised once, on the path every submit takes.
    try:
        sheet = answers.SheetIn.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        ) from error
    outcome = await _store_remembered(state, token, sheet, now, grace)
    if outcome is None:
        async with db.transaction(state.sessionmaker) as session:
            survey, form = await _survey(session, token)
            state.surveys.put(survey)
            (outcome,) = await ingest.store_sheets(session, survey, form, [(0, sheet)], now, grace)
            if outcome.problem is not None:
                raise outcome.problem
    content = receipt(outcome).model_dump_json()
    return Response(content, status_code=outcome.status, media_type="application/json")


async def _store_remembered(
    state: State, token: str, sheet: answers.SheetIn, now: datetime, grace: timedelta
) -> ingest.Outcome | None:
    """Store a sheet of a survey this process has seen, in one autocommit statement.

    None when that cannot decide: the survey or its form not remembered, not PostgreSQL, or
    anything but a new valid sheet (then the general path reads the survey afresh).
    """
    snapshots: Snapshots = state.surveys
    remembered = snapshots.get(token)
    submits: AutocommitPool | None = state.submits
    if remembered is None or submits is None:
        return None
    form = store.cached_form(remembered.questionnaire_id)
    if form is None:
        return None
    return await ingest.store_one(submits, remembered, form, sheet, now, grace)


def hot_routes() -> list[BaseRoute]:
    """Return single submits as a plain Starlette route, to be tried before FastAPI's routes.

    Same handler and the app's same problem handlers, minus FastAPI's routing and request
    machinery: a third of the CPU of a submit (bench/survey_profile.py). The FastAPI route
    above stays, for the OpenAPI document.
    """
    return [Route(f"{router.prefix}/sheets", submit_sheet, methods=["POST"])]


def _parse(index: int, raw: Any) -> answers.SheetIn | Problem:
    try:
        return answers.SheetIn.model_validate(raw)
    except ValidationError as error:
        issues = [
            Issue(location(("body", "sheets", index, *e["loc"])), e["msg"]) for e in error.errors()
        ]
        return ingest.invalid(issues)


@router.post(
    "/sheets/batch",
    response_model=schemas.BatchPublic,
    summary="Submit sheets kept offline: each stored, repeated or refused on its own",
    description="Each sheet is stored, repeated or refused on its own, so a bad sheet does "
    "not stop the good ones. `items` lists, by position, only the sheets not stored by this "
    "request: repeats (stored before, 200) and refusals (with their problem); every other "
    "sheet was stored (201) at `received_at`.",
    openapi_extra={"requestBody": {"required": True, "content": BATCH_BODY}},
    responses=problem_responses(errors.SurveyNotFound),
)
async def submit_batch(
    token: str, request: Request, session: SessionDep, settings: SettingsDep, now: NowDep
) -> Response:
    # Parsed and answered by hand: a thousand sheets through FastAPI's body and response models
    # cost more CPU than checking and storing them (measured in bench/survey.py).
    try:
        body = schemas.BatchIn.model_validate_json(await request.body())
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        ) from error
    most, sent = settings.max_batch, len(body.sheets)
    if sent > most:
        raise InvalidRequest(
            f"At most {most} sheets per batch; this one has {sent}",
            [
                {
                    "path": "body.sheets",
                    "message": f"send at most {most} sheets per batch (not {sent}); "
                    "send the others in further batches",
                }
            ],
        )
    survey, form = await _survey(session, token)
    parsed = [(i, _parse(i, raw)) for i, raw in enumerate(body.sheets)]
    good = [(i, sheet) for i, sheet in parsed if isinstance(sheet, answers.SheetIn)]
    grace = ingest.grace(settings.late_grace_h)
    outcomes = await ingest.store_sheets(
        session, survey, form, good, now, grace, prefix="body.sheets[{index}]"
    )
    items: list[dict[str, Any]] = [
        {"index": i, "id": None, "status": p.status, "problem": problem_body(p)}
        for i, p in parsed
        if isinstance(p, Problem)
    ]
    stored = 0
    for outcome in outcomes:
        if outcome.status == 201:
            stored += 1
            continue
        item: dict[str, Any] = {"index": outcome.index, "id": outcome.id, "status": outcome.status}
        if outcome.receipt is not None:
            item["received_at"] = outcome.receipt.received_at
        if outcome.problem is not None:
            item["problem"] = problem_body(outcome.problem)
        items.append(item)
    items.sort(key=lambda one: int(one["index"]))
    repeated = sum(item["status"] == 200 for item in items)
    result = {
        "stored": stored,
        "repeated": repeated,
        "failed": len(items) - repeated,
        "received_at": now,
        "items": items,
    }
    return Response(pydantic_core.to_json(result), media_type="application/json")
