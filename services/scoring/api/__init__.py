"""HTTP routes of the scoring service, one module per resource."""

from fastapi import APIRouter

from services.scoring.api import evaluations, projects, scores, systems, templates

router = APIRouter()
for module in (scores, systems, templates, projects, evaluations):
    router.include_router(module.router)
