"""HTTP routes of the survey service, one module per resource."""

from fastapi import APIRouter

from services.survey.api import collect, page, questionnaires, results, sheets, surveys, templates

router = APIRouter()
# Routes are tried in order: respondents' routes first, as they carry nearly all the traffic.
# Taken into one router rather than included: FastAPI (0.165) walks every included router
# on every request, and two levels cost a tenth of a submit's CPU (bench/survey_profile.py).
for module in (collect, page, questionnaires, templates, surveys, sheets, results):
    router.routes.extend(module.router.routes)
