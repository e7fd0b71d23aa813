"""Built-in indicator systems (seed 001, 002, 004, the MoF skeleton, self-evaluation)."""

from functools import cache
from pathlib import Path

from fastapi import APIRouter

from services.kit import bundled
from services.kit.db import SessionDep
from services.kit.problems import problem_responses
from services.scoring import errors, schemas, store
from services.scoring.api.deps import CallerDep
from services.scoring.api.systems import public
from services.scoring.system import IndicatorSystem, walk

router = APIRouter(prefix="/templates", tags=["templates"])
FOLDER = Path(__file__).parents[1] / "templates"


@cache
def load_templates() -> dict[str, IndicatorSystem]:
    """Read every shipped template once."""
    return bundled.load_folder(FOLDER, IndicatorSystem)


def template(name: str) -> IndicatorSystem:
    """Return one template or raise TemplateNotFound."""
    found = load_templates().get(name)
    if found is None:
        names = ", ".join(load_templates())
        raise errors.TemplateNotFound(f"No template {name!r}; there are: {names}")
    return found


@router.get("", response_model=schemas.TemplatesPublic, summary="List the built-in templates")
async def list_templates() -> schemas.TemplatesPublic:
    return schemas.TemplatesPublic(
        items=[
            schemas.TemplateSummary(
                name=name,
                title=system.name,
                indicators=sum(1 for _, level, _ in walk(system.indicators) if level == 3),
                total_weight=system.total_weight,
            )
            for name, system in load_templates().items()
        ]
    )


@router.get(
    "/{name}",
    response_model=IndicatorSystem,
    summary="Read a built-in template",
    responses=problem_responses(errors.TemplateNotFound),
)
async def get_template(name: str) -> IndicatorSystem:
    return template(name)


@router.post(
    "/{name}/copies",
    status_code=201,
    response_model=schemas.SystemPublic,
    summary="Start a new stored system from a template",
    responses=problem_responses(errors.TemplateNotFound),
)
async def copy_template(name: str, session: SessionDep, caller: CallerDep) -> schemas.SystemPublic:
    record = await store.add_system(session, template(name), caller)
    return public(record)
