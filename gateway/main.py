"""The gateway app: /api/v1/<service>/… forwarded, one merged OpenAPI, health of everything."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import openapi, upstream
from gateway.proxy import PREFIX, Proxy
from gateway.settings import GatewaySettings
from services.kit import logs, problems
from services.report.main import create_app as create_report_app
from services.report.settings import ReportSettings
from services.scoring.main import create_app as create_scoring_app
from services.scoring.settings import ScoringSettings
from services.survey.main import create_app as create_survey_app
from services.survey.settings import SurveySettings

# Public path segment -> service name. Reports are plural in URLs, as the issue asks.
SEGMENTS = {"scoring": "scoring", "survey": "survey", "reports": "report"}
READY_TIMEOUT_S = 3.0


class Gateway:
    """The ASGI entry point: /api/v1/ goes to the proxy, the rest to the gateway's own API."""

    def __init__(self, api: FastAPI, proxy: Proxy) -> None:
        self.api = api
        self.proxy = proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.proxy(scope, receive, send)
        else:
            await self.api(scope, receive, send)


@dataclass(frozen=True)
class LocalSettings:
    """Settings of the services the gateway runs in its own process (those without a URL)."""

    scoring: ScoringSettings | None = None
    survey: SurveySettings | None = None
    report: ReportSettings | None = None


def _remote_url(settings: GatewaySettings, service: str) -> str | None:
    url: str | None = getattr(settings, f"{service}_url")
    return url or None


async def _start(stack: AsyncExitStack, app: ASGIApp) -> ASGIApp:
    # Migrations run in the lifespan; a first start on PostgreSQL can take a few seconds.
    manager = LifespanManager(app, startup_timeout=120, shutdown_timeout=30)
    return (await stack.enter_async_context(manager)).app


async def open_upstreams(
    stack: AsyncExitStack, settings: GatewaySettings, local: LocalSettings
) -> dict[str, upstream.Upstream]:
    """Start the in-process services and connect to the remote ones."""
    running: dict[str, ASGIApp] = {}
    # Started in dependency order: scoring reads survey results, report reads both.
    if _remote_url(settings, "survey") is None:
        running["survey"] = await _start(stack, create_survey_app(local.survey))
    if _remote_url(settings, "scoring") is None:
        scoring_app = create_scoring_app(local.scoring, peers=dict(running))
        running["scoring"] = await _start(stack, scoring_app)
    if _remote_url(settings, "report") is None:
        # The report service reads scoring and survey: in-process ones are handed over directly.
        report_app = create_report_app(local.report, peers=dict(running))
        running["report"] = await _start(stack, report_app)
    upstreams: dict[str, upstream.Upstream] = {}
    for segment, service in SEGMENTS.items():
        url = _remote_url(settings, service)
        if url is None:
            upstreams[segment] = upstream.AsgiUpstream(
                service, running[service], settings.timeout_s
            )
        else:
            upstreams[segment] = upstream.HttpUpstream(
                service,
                url,
                settings.timeout_s,
                settings.connect_timeout_s,
                settings.max_connections,
            )
        stack.push_async_callback(upstreams[segment].aclose)
    return upstreams


def _traced() -> upstream.Headers:
    """Headers for the gateway's own upstream calls: the current request's id."""
    rid = logs.request_id.get()
    return [("x-request-id", rid)] if rid else []


async def _ready(service: upstream.Upstream) -> tuple[str, dict[str, Any]]:
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            answer = await service.request("GET", "/readyz", _traced(), b"")
    except (upstream.Unavailable, upstream.TimedOut, TimeoutError) as exc:
        return service.name, {"status": "unavailable", "detail": type(exc).__name__}
    if answer.status == 200:
        return service.name, {"status": "ready"}
    return service.name, {"status": "not ready", "http_status": answer.status}


def create_app(
    settings: GatewaySettings | None = None, local: LocalSettings | None = None
) -> ASGIApp:
    """Build the gateway, with the in-process services' settings when not from the environment."""
    settings = settings or GatewaySettings()
    local = local or LocalSettings()
    proxy = Proxy(max_body_bytes=settings.max_body_bytes)
    cached_openapi: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logs.configure(settings.log_level)
        async with AsyncExitStack() as stack:
            proxy.upstreams = await open_upstreams(stack, settings, local)
            yield

    api = FastAPI(
        title="jixiao",
        version="1.0.0",
        description="Performance evaluation of special funds (财政专项资金绩效评价): scoring, "
        "surveys and reports behind one address.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    problems.install(api)

    @api.get("/healthz", tags=["health"], summary="The gateway process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @api.get(
        "/readyz",
        tags=["health"],
        summary="Every service and its database answer",
        responses=problems.problem_responses(problems.ServiceUnavailable),
    )
    async def readyz() -> JSONResponse:
        results = dict(await asyncio.gather(*(_ready(u) for u in proxy.upstreams.values())))
        if all(r["status"] == "ready" for r in results.values()):
            return JSONResponse({"status": "ready", "services": results})
        down = ", ".join(name for name, r in results.items() if r["status"] != "ready")
        return problems.problem_response(
            503,
            problems.ServiceUnavailable.title,
            problems.ServiceUnavailable.type,
            f"Not ready: {down}",
            "/readyz",
            services=results,
        )

    @api.get("/openapi.json", include_in_schema=False)
    async def merged_openapi() -> JSONResponse:
        if cached_openapi:
            return JSONResponse(cached_openapi)
        documents: dict[str, dict[str, Any]] = {}
        for segment, service in proxy.upstreams.items():
            try:
                answer = await service.request("GET", "/openapi.json", _traced(), b"")
            except (upstream.Unavailable, upstream.TimedOut):
                continue
            if answer.status == 200:
                documents[segment] = json.loads(answer.body)
        base = problems.document_problems(api.openapi())
        document = openapi.merge(base, documents)
        if len(documents) == len(proxy.upstreams):  # complete: keep it; else retry next time
            cached_openapi.update(document)
        return JSONResponse(document)

    @api.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="jixiao API")

    @api.get("/", include_in_schema=False)
    async def index() -> dict[str, Any]:
        return {
            "name": "jixiao",
            "docs": "/docs",
            "openapi": "/openapi.json",
            "services": {segment: f"{PREFIX}{segment}" for segment in SEGMENTS},
        }

    return logs.RequestLog(Gateway(api, proxy), service="gateway")


app = create_app()
