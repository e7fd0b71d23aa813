"""The app factory every service shares: lifespan, database, migrations, health, problems, logs."""

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, cast

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings
from sqlalchemy import text

from services.kit import db, identity, logs, migrations, problems

# A state hook adds to the lifespan state; it is given kit's state so far (engine,
# sessionmaker, settings) so it can reuse the engine. The two-argument form is the older one.
StateHook = Callable[[FastAPI, AsyncExitStack, dict[str, Any]], Awaitable[dict[str, Any]]]
PlainStateHook = Callable[[FastAPI, AsyncExitStack], Awaitable[dict[str, Any]]]


class ServiceSettings(BaseSettings):
    """Settings every service has; each service subclasses it with its own env prefix.

    The database pool settings are read as <PREFIX>POOL_SIZE, <PREFIX>MAX_OVERFLOW and
    <PREFIX>POOL_PRE_PING (SURVEY_POOL_SIZE, ...); SQLite ignores the pre-ping.
    """

    database_url: str = "sqlite:///./var/service.db"
    migrate_on_start: bool = True
    log_level: str = "INFO"
    pool_size: int = Field(default=5, ge=1, description="Database connections kept per process")
    max_overflow: int = Field(
        default=10, ge=0, description="Connections opened beyond pool_size in a burst, then closed"
    )
    pool_pre_ping: bool = Field(
        default=True,
        description="Test a pooled connection before each use: a database restart then costs "
        "no failed request, at one round trip per checkout",
    )


class Health(BaseModel):
    """Liveness or readiness of one service."""

    status: str
    service: str
    database: str | None = None


def _health_router(name: str) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", response_model=Health, summary="The process is alive")
    async def healthz() -> Health:
        return Health(status="ok", service=name)

    @router.get(
        "/readyz",
        response_model=Health,
        summary="The database answers",
        responses=problems.problem_responses(problems.ServiceUnavailable),
    )
    async def readyz(request: Request) -> Health | JSONResponse:
        try:
            async with request.state.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "not ready", never a 500
            return problems.problem_response(
                503,
                problems.ServiceUnavailable.title,
                problems.ServiceUnavailable.type,
                f"{name}: database does not answer ({type(exc).__name__})",
                "/readyz",
                service=name,
            )
        return Health(status="ready", service=name, database="ok")

    return router


def create_service_app(
    *,
    name: str,
    title: str,
    description: str,
    settings: ServiceSettings,
    alembic_ini: Path,
    routers: Sequence[APIRouter],
    state_hook: StateHook | PlainStateHook | None = None,
) -> FastAPI:
    """Build a service: migrated database, session per request, health, problem+json, logs."""
    secret = identity.secret_bytes()
    hook_takes_state = state_hook is not None and len(inspect.signature(state_hook).parameters) == 3

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        logs.configure(settings.log_level)
        if settings.migrate_on_start:
            await migrations.upgrade_async(alembic_ini, settings.database_url)
        engine = db.create_engine(
            settings.database_url,
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_pre_ping=settings.pool_pre_ping,
        )
        async with AsyncExitStack() as stack:
            stack.push_async_callback(engine.dispose)
            state: dict[str, Any] = {
                "engine": engine,
                "sessionmaker": db.sessionmaker(engine),
                "settings": settings,
            }
            if hook_takes_state:
                state.update(await cast(StateHook, state_hook)(app, stack, dict(state)))
            elif state_hook is not None:
                state.update(await cast(PlainStateHook, state_hook)(app, stack))
            for value in state.values():  # calls to other services carry the caller's identity
                if isinstance(value, httpx.AsyncClient):
                    identity.sign_client(value, secret, name)
            yield state

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    problems.install(app, service=name)
    # One included router: FastAPI (0.165) walks each included router on every request.
    combined = APIRouter()
    for router in (_health_router(name), *routers):
        combined.routes.extend(router.routes)
    app.include_router(combined)
    app.add_middleware(identity.IdentityCheck, secret=secret)
    app.add_middleware(logs.RequestLog, service=name)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            app.openapi_schema = problems.document_problems(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
