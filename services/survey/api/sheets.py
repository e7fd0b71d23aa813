"""Answer sheets of a survey as reviewers see them: list, read, and review."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from services.kit.db import SessionDep
from services.kit.identity import IdentityDep
from services.kit.problems import problem_responses
from services.survey import errors, schemas, store
from services.survey.api.deps import NowDep

# Bounded so it fits any integer column (2**63 overflowed SQLite: a 500); far past any survey.
MAX_OFFSET = 2_000_000_000
router = APIRouter(prefix="/surveys/{survey_id}/sheets", tags=["sheets"])


@router.get(
    "",
    response_model=schemas.SheetsPublic,
    summary="List a survey's sheets, oldest first",
    responses=problem_responses(errors.SurveyNotFound),
)
async def list_sheets(
    survey_id: uuid.UUID,
    session: SessionDep,
    caller: IdentityDep,
    review: schemas.ReviewState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> schemas.SheetsPublic:
    await store.get_survey(session, survey_id, caller)
    found, total = await store.list_sheets(session, survey_id, review, limit, offset)
    return schemas.SheetsPublic(
        items=[schemas.SheetPublic.model_validate(s) for s in found], total=total
    )


@router.get(
    "/{sheet_id}",
    response_model=schemas.SheetPublic,
    summary="Read one sheet",
    responses=problem_responses(errors.SurveyNotFound, errors.SheetNotFound),
)
async def get_sheet(
    survey_id: uuid.UUID, sheet_id: uuid.UUID, session: SessionDep, caller: IdentityDep
) -> schemas.SheetPublic:
    await store.get_survey(session, survey_id, caller)
    return schemas.SheetPublic.model_validate(await store.get_sheet(session, survey_id, sheet_id))


@router.put(
    "/{sheet_id}/review",
    response_model=schemas.SheetPublic,
    summary="Review a sheet: accepted, has_issues or rejected (kept, no longer counted)",
    responses=problem_responses(errors.SurveyNotFound, errors.SheetNotFound, errors.ReadOnly),
)
async def review_sheet(
    survey_id: uuid.UUID,
    sheet_id: uuid.UUID,
    body: schemas.ReviewUpdate,
    session: SessionDep,
    caller: IdentityDep,
    now: NowDep,
) -> schemas.SheetPublic:
    await store.get_survey(session, survey_id, caller, write=True)
    sheet = await store.get_sheet(session, survey_id, sheet_id)
    note = body.note or None
    reviewed = await store.review_sheet(session, sheet, body.state, note, now, caller)
    return schemas.SheetPublic.model_validate(reviewed)
