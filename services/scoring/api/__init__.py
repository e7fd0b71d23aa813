"""HTTP routes of the scoring service, one module per resource."""

from fastapi import APIRouter

from services.scoring.api import (
    evaluations,
    excel,
    projects,
    scores,
    sources,
    systems,
    templates,
)

router = APIRouter()
for module in (scores, systems, templates, projects, evaluations, sources, excel):
    router.include_router(module.router)
