"""HTTP routes of the survey service, one module per resource."""

from fastapi import APIRouter

from services.survey.api import collect, page, questionnaires, results, sheets, surveys, templates

router = APIRouter()
for module in (questionnaires, templates, surveys, sheets, results, collect, page):
    router.include_router(module.router)
