"""Results of a survey, computed in SQL, and the exports evaluators take into their reports."""

import uuid
from enum import StrEnum

from fastapi import APIRouter
from fastapi.responses import Response

from services.kit.db import SessionDep
from services.kit.identity import IdentityDep
from services.kit.problems import problem_responses
from services.survey import errors, exports, results, store
from services.survey.models import SurveyRecord

router = APIRouter(prefix="/surveys/{survey_id}", tags=["results"])
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Export(StrEnum):
    """The files a survey exports."""

    answers_csv = "answers.csv"
    answers_xlsx = "answers.xlsx"
    distribution_csv = "distribution.csv"
    distribution_xlsx = "distribution.xlsx"


async def compute(session: SessionDep, survey: SurveyRecord) -> results.Results:
    """Return a survey's results from its grouped tallies."""
    record = await store.questionnaire_by_id(session, survey.questionnaire_id)
    tallies = await store.tallies(session, survey.id)
    return results.build(survey.id, record.id, store.compiled(record), survey.target, tallies)


@router.get(
    "/results",
    response_model=results.Results,
    summary="Results: counts per level, n, response rate, satisfaction, CI, Cronbach's alpha",
    responses=problem_responses(errors.SurveyNotFound),
)
async def get_results(
    survey_id: uuid.UUID, session: SessionDep, caller: IdentityDep
) -> results.Results:
    return await compute(session, await store.get_survey(session, survey_id, caller))


@router.get(
    "/exports/{name}",
    response_class=Response,
    summary="Export raw answers or the distribution table as CSV (UTF-8 with BOM) or XLSX",
    responses={
        200: {"content": {media: {} for media in MEDIA.values()}},
        **problem_responses(errors.SurveyNotFound),
    },
)
async def export(
    survey_id: uuid.UUID, name: Export, session: SessionDep, caller: IdentityDep
) -> Response:
    survey = await store.get_survey(session, survey_id, caller)
    form = await store.form_by_id(session, survey.questionnaire_id)
    table, kind = name.value.split(".")
    if table == "answers":
        header, rows = exports.answers_table(
            form.questionnaire, await store.all_sheets(session, survey.id)
        )
        title = "答卷"
    else:
        header, rows = exports.distribution_table(
            form.questionnaire, await compute(session, survey)
        )
        title = "满意度调查结果"
    content = (
        exports.to_csv(header, rows) if kind == "csv" else exports.to_xlsx(title, header, rows)
    )
    filename = f"survey-{survey.id}-{name.value}"
    return Response(
        content,
        media_type=MEDIA[kind],
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
