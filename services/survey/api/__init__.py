"""HTTP routes of the survey service, one module per resource."""

from fastapi import APIRouter

from services.survey.api import collect, page, questionnaires, results, sheets, surveys, templates

router = APIRouter()
# Routes are tried in order: respondents' routes first, as they carry nearly all the traffic.
for module in (collect, page, questionnaires, templates, surveys, sheets, results):
    router.include_router(module.router)
