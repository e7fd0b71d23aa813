"""The gateway app: /api/v1/<service>/… forwarded, one merged OpenAPI, health of everything."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway import (
    access,
    admin,
    openapi,
    openapi_examples,
    runtime,
    subscriptions,
    tokens,
    upstream,
)
from gateway.local import SEGMENTS
from gateway.local import LocalSettings as LocalSettings
from gateway.metrics import Metrics
from gateway.proxy import PREFIX, Parts, Proxy
from gateway.settings import GatewaySettings
from services.kit import identity, logs, problems
from services.kit import openapi as kit_openapi

READY_TIMEOUT_S = 3.0
GATEWAY = identity.Identity.service("gateway")


class ServiceReadiness(BaseModel):
    """Whether one service and its database answer."""

    status: Literal["ready", "not ready", "unavailable"]
    detail: str | None = Field(default=None, description="Why it is unavailable")
    http_status: int | None = Field(default=None, description="What it answered, if not ready")


class Readiness(BaseModel):
    """Every service is ready."""

    status: Literal["ready"]
    services: dict[str, ServiceReadiness]


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


def _own_call(secret: bytes, target: str) -> upstream.Headers:
    """Headers for the gateway's own upstream calls: its signed identity, the request id."""
    rid = logs.request_id.get()
    fields = identity.sign(secret, GATEWAY, "GET", target)
    if rid:
        fields.append(("x-request-id", rid))
    return [(k.encode(), v.encode()) for k, v in fields]


async def _ready(service: upstream.Upstream, secret: bytes) -> tuple[str, dict[str, Any]]:
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            answer = await service.request("GET", "/readyz", _own_call(secret, "/readyz"), b"")
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
    secret = identity.secret_bytes(settings.internal_secret)
    parts = Parts(
        max_body_bytes=settings.max_body_bytes,
        secret=secret,
        metrics=Metrics(),
        idempotency_ttl_s=settings.idempotency_ttl_s,
        idempotency_wait_s=settings.idempotency_wait_s,
        timeout_s=settings.timeout_s,
        lock_s=settings.timeout_s + 30,
    )
    proxy = Proxy(parts)
    cached_openapi: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        logs.configure(settings.log_level)
        async with AsyncExitStack() as stack:
            yield await runtime.start(stack, settings, local, parts)

    api = FastAPI(
        title="jixiao",
        version="1.0.0",
        description=openapi.DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    problems.install(api)
    api.add_middleware(access.LimitHeaders)
    kit_openapi.attach(api, openapi_examples.examples)
    for router in (tokens.router, admin.router, subscriptions.router, subscriptions.internal):
        api.include_router(router)

    @api.get("/healthz", tags=["health"], summary="The gateway process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @api.get(
        "/readyz",
        tags=["health"],
        summary="Every service and its database answer",
        response_model=Readiness,
        response_model_exclude_none=True,
        responses=problems.problem_responses(problems.ServiceUnavailable),
    )
    async def readyz() -> Readiness | JSONResponse:
        checks = (_ready(u, secret) for u in parts.upstreams.values())
        results = dict(await asyncio.gather(*checks))
        if all(r["status"] == "ready" for r in results.values()):
            return Readiness.model_validate({"status": "ready", "services": results})
        down = ", ".join(name for name, r in results.items() if r["status"] != "ready")
        return problems.problem_response(
            503,
            problems.ServiceUnavailable.title,
            problems.ServiceUnavailable.type,
            f"Not ready: {down}",
            "/readyz",
            services=results,
        )

    @api.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(parts.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @api.get("/openapi.json", include_in_schema=False)
    async def merged_openapi() -> JSONResponse:
        if cached_openapi:
            return JSONResponse(cached_openapi)
        documents: dict[str, dict[str, Any]] = {}
        for segment, service in parts.upstreams.items():
            call = _own_call(secret, "/openapi.json")
            try:
                answer = await service.request("GET", "/openapi.json", call, b"")
            except (upstream.Unavailable, upstream.TimedOut):
                continue
            if answer.status == 200:
                documents[segment] = json.loads(answer.body)
        base = problems.document_problems(api.openapi())
        document = openapi.secure(openapi.merge(base, documents))
        if len(documents) == len(parts.upstreams):  # complete: keep it; else retry next time
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

    app: ASGIApp = Gateway(api, proxy)
    if settings.cors_origins:
        app = CORSMiddleware(
            app,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["content-type", "idempotency-key", "x-api-key", "authorization"],
            expose_headers=[
                "ratelimit-limit",
                "ratelimit-remaining",
                "ratelimit-reset",
                "retry-after",
            ],
        )
    return logs.RequestLog(app, service="gateway")


app = create_app()
