"""Stateless scoring: a system (inline or stored) plus facts and judgements in, results out."""

from fastapi import APIRouter, Request, Response
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kit.problems import FieldError, problem_responses
from services.scoring import engine, errors, schemas, store
from services.scoring.api.deps import CallerDep, Identity
from services.scoring.api.systems import checked

router = APIRouter(prefix="/scores", tags=["scores"])


async def compiled_choice(
    choice: schemas.SystemChoice, session: AsyncSession, caller: Identity
) -> engine.CompiledSystem:
    """Return the compiled system a request names, inline or stored."""
    if choice.system is not None:
        return engine.compile_system(checked(choice.system))
    assert choice.system_key is not None  # SystemChoice guarantees one of the two
    record = await store.get_system(session, choice.system_key, choice.version, caller)
    _, compiled = store.compiled(record)
    return compiled


async def compiled_lazily(
    choice: schemas.SystemChoice, request: Request, caller: Identity
) -> engine.CompiledSystem:
    """Like compiled_choice, opening a session only when the system is not cached yet."""
    if choice.system is None and choice.system_key is not None:
        record = store.pinned(choice.system_key, choice.version, caller)
        if record is not None:
            return store.compiled(record)[1]
    # Opening and committing a session costs more than scoring seed 001 from the cache.
    async with request.state.sessionmaker() as session:
        return await compiled_choice(choice, session, caller)


@router.post(
    "",
    response_model=engine.Result,
    summary="Score one project; nothing is stored",
    responses=problem_responses(errors.SystemNotFound, errors.InvalidSystem, errors.CannotScore),
)
async def score(body: schemas.ScoreRequest, request: Request, caller: CallerDep) -> Response:
    compiled = await compiled_lazily(body, request, caller)
    try:
        result = compiled.score(body.facts, body.judgements)
    except engine.ScoringFailed as failed:
        raise errors.CannotScore(
            f"{len(failed.issues)} problem(s) keep the project from being scored",
            errors.field_errors(failed.issues, "body"),
        ) from None
    # The engine's Result is already validated: serialise it once, not again through FastAPI.
    return Response(result.model_dump_json(), media_type="application/json")


def summarize(result: engine.Result) -> schemas.ResultSummary:
    """Keep what an automated caller needs: totals, grade and each level-3 score."""
    return schemas.ResultSummary(
        total=result.total,
        grade=result.grade,
        complete=result.complete,
        indicators=[
            schemas.IndicatorScore(
                code=i.code, final_score=i.final_score, deduction_reason=i.deduction_reason
            )
            for i in result.indicators
        ],
    )


@router.post(
    "/batch",
    response_model=schemas.BatchScoreResponse,
    summary="Score many projects against one system; each gets a result or its problems",
    responses=problem_responses(errors.SystemNotFound, errors.InvalidSystem),
)
async def score_batch(
    body: schemas.BatchScoreRequest, request: Request, caller: CallerDep
) -> schemas.BatchScoreResponse:
    compiled = await compiled_lazily(body, request, caller)
    items: list[schemas.BatchItem] = []
    for index, project in enumerate(body.projects):
        try:
            result = compiled.score(project.facts, project.judgements)
        except engine.ScoringFailed as failed:
            prefix = f"body.projects[{index}]"
            problems = errors.field_errors(failed.issues, prefix)
            items.append(
                schemas.BatchItem(id=project.id, errors=[FieldError(**p) for p in problems])
            )
            continue
        if body.detail == "full":
            items.append(schemas.BatchItem(id=project.id, result=result))
        else:
            items.append(schemas.BatchItem(id=project.id, summary=summarize(result)))
    failed_count = sum(1 for item in items if item.errors)
    return schemas.BatchScoreResponse(
        scored=len(items) - failed_count, failed=failed_count, items=items
    )
