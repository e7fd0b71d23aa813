"""Stateless scoring: a system (inline or stored) plus facts and judgements in, results out."""

import json
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from services.kit import identity
from services.kit.problems import FieldError, problem_responses
from services.scoring import engine, errors, schemas, store
from services.scoring import system as systems
from services.scoring.api import result_json
from services.scoring.api.deps import CallerDep, Identity
from services.scoring.api.systems import checked

router = APIRouter(prefix="/scores", tags=["scores"])
# At most 256 × (64 KB of body + 2 × 64 KB of answer), about 48 MB, kept for repeats.
BODIES_CACHED = 256
BODY_CACHED_BYTES = 64 * 1024  # larger bodies, and answers, are made every time
ANSWERS_PER_BODY = 2  # one per system version a body was scored against (latest can change)


@dataclass(slots=True)
class Parsed:
    """A request body validated once, and its answer (JSON bytes) per compiled system."""

    body: schemas.ScoreRequest
    # Weakly: a compiled system the engine's caches let go of is not kept alive from here.
    answers: dict[int, tuple[weakref.ref[engine.CompiledSystem], bytes]] = field(
        default_factory=dict
    )


# Validation is a pure function of the bytes: an identical body (a retry, a client polling
# the same project) is not decoded and validated again.
_bodies: OrderedDict[bytes, Parsed] = OrderedDict()


def parsed_json(raw: bytes) -> Parsed | None:
    """Return a valid body as the model, else None (FastAPI's own path then says why)."""
    hit = _bodies.get(raw)
    if hit is not None:
        _bodies.move_to_end(raw)
        return hit
    try:
        # json.loads, then validation of the dict: exactly what FastAPI does. Validating the
        # bytes in one pass (model_validate_json) measured no faster here, and reads JSON
        # numbers differently (1e400 as a finite Decimal, 0.1000000000000000000001 exactly).
        one = Parsed(schemas.ScoreRequest.model_validate(json.loads(raw)))
    except (ValueError, RecursionError, ValidationError):  # bad or too deep JSON, bad fields
        return None
    if len(raw) <= BODY_CACHED_BYTES:
        _bodies[raw] = one
        if len(_bodies) > BODIES_CACHED:
            _bodies.popitem(last=False)
    return one


def _plain_json(content_type: str | None) -> bool:
    """Tell whether a content type is plain application/json, with parameters or not."""
    return (
        content_type is not None
        and content_type.partition(";")[0].strip().lower() == "application/json"
    )


class HotScores:
    """POST /scores as an ASGI app tried before FastAPI's routes: valid JSON served directly.

    A valid body skips FastAPI's generic work (route matching through included routers, the
    caller dependency, the body decoded again), which cost more than scoring seed 001. Anything
    else (other content types, refused bodies: their 4xx problems) goes on to the FastAPI
    route with the body replayed; that route is also what the OpenAPI document shows.
    """

    def __init__(self, route: APIRoute) -> None:
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if _plain_json(request.headers.get("content-type")):
            body = await request.body()
            one = parsed_json(body)
            if one is not None:
                response = await answer(one, request, identity.identity_of(request))
                await response(scope, receive, send)
                return
            receive = _replay(body, receive)
        scope.update(self.route.matches(scope)[1])  # the route FastAPI's handler expects
        await self.route.handle(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Return a receive that gives the body read already, then what the client sends next."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def hot_routes() -> list[BaseRoute]:
    """Return POST /scores (HotScores) to be tried before FastAPI's routes."""
    route = next(r for r in router.routes if isinstance(r, APIRoute) and r.path == router.prefix)
    return [Route(route.path, HotScores(route), methods=["POST"])]


async def compiled_choice(
    choice: schemas.SystemChoice, session: AsyncSession, caller: Identity
) -> engine.CompiledSystem:
    """Return the compiled system a request names, inline or stored."""
    if choice.system is not None:
        return compiled_inline(choice.system)
    assert choice.system_key is not None  # SystemChoice guarantees one of the two
    record = await store.get_system(session, choice.system_key, choice.version, caller)
    _, compiled = store.compiled(record)
    return compiled


def compiled_inline(system: systems.IndicatorSystem) -> engine.CompiledSystem:
    """Compile an inline system (cached by content), or raise the 422 listing its issues."""
    try:
        return engine.compile_system(system)
    except systems.InvalidSystem:
        checked(system)  # raises errors.InvalidSystem with every issue at its JSON path
        raise


async def compiled_lazily(
    choice: schemas.SystemChoice, request: Request, caller: Identity
) -> engine.CompiledSystem:
    """Like compiled_choice, opening a session only when the system is not cached yet."""
    if choice.system is not None:
        return compiled_inline(choice.system)
    if choice.system_key is not None:
        record = store.pinned(choice.system_key, choice.version, caller)
        if record is not None:
            return store.compiled(record)[1]
    # Opening and committing a session costs more than scoring seed 001 from the cache.
    async with request.state.sessionmaker() as session:
        return await compiled_choice(choice, session, caller)


async def answer(one: Parsed, request: Request, caller: Identity) -> Response:
    """Score a parsed body (its access checked every time) and return the Result as JSON."""
    compiled = await compiled_lazily(one.body, request, caller)
    known = one.answers.get(id(compiled))
    if known is not None and known[0]() is compiled:
        content = known[1]
    else:
        try:
            result = compiled.score(one.body.facts, one.body.judgements)
        except engine.ScoringFailed as failed:
            raise errors.CannotScore(
                f"{len(failed.issues)} problem(s) keep the project from being scored",
                errors.field_errors(failed.issues, "body"),
            ) from None
        # The engine's Result is already validated: serialise it once, not again via FastAPI.
        content = result_json.dump(result)
        if len(content) <= BODY_CACHED_BYTES:
            if len(one.answers) >= ANSWERS_PER_BODY:
                one.answers.clear()
            # A dead reference never matches, so a reused id cannot return another's answer.
            one.answers[id(compiled)] = (weakref.ref(compiled), content)
    return Response(content, media_type="application/json")


async def score(body: schemas.ScoreRequest, request: Request, caller: CallerDep) -> Response:
    return await answer(Parsed(body), request, caller)


router.add_api_route(
    "",
    score,
    methods=["POST"],
    response_model=engine.Result,
    summary="Score one project; nothing is stored",
    responses=problem_responses(errors.SystemNotFound, errors.InvalidSystem, errors.CannotScore),
)


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
