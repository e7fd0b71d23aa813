"""Built-in questionnaires: seed 001's three Likert questions and seed 002's 100-point form."""

from functools import cache
from pathlib import Path

from fastapi import APIRouter

from services.kit import bundled
from services.kit.db import SessionDep
from services.kit.identity import IdentityDep
from services.kit.problems import problem_responses
from services.survey import errors, schemas, store
from services.survey.api.questionnaires import public
from services.survey.questionnaire import Questionnaire

router = APIRouter(prefix="/templates", tags=["templates"])
FOLDER = Path(__file__).parents[1] / "templates"


@cache
def load_templates() -> dict[str, Questionnaire]:
    """Read every shipped template once."""
    return bundled.load_folder(FOLDER, Questionnaire)


def template(name: str) -> Questionnaire:
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
                name=name, title=form.name, method=form.method, questions=len(form.questions)
            )
            for name, form in load_templates().items()
        ]
    )


@router.get(
    "/{name}",
    response_model=Questionnaire,
    summary="Read a built-in template",
    responses=problem_responses(errors.TemplateNotFound),
)
async def get_template(name: str) -> Questionnaire:
    return template(name)


@router.post(
    "/{name}/copies",
    status_code=201,
    response_model=schemas.QuestionnairePublic,
    summary="Start a new stored questionnaire from a template",
    responses=problem_responses(errors.TemplateNotFound),
)
async def copy_template(
    name: str, session: SessionDep, caller: IdentityDep
) -> schemas.QuestionnairePublic:
    return public(await store.add_questionnaire(session, template(name), caller))
