"""RFC 9457 problem details: the one error shape of every service and of the gateway."""

import logging
import sqlite3
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("jixiao.problems")


class FieldError(BaseModel):
    """One invalid field: where it is and what is wrong with it."""

    model_config = ConfigDict(extra="allow")
    path: str
    message: str


class ProblemDetail(BaseModel):
    """The body of every non-2xx response (RFC 9457)."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class Problem(Exception):
    """An error that knows its HTTP status and renders as problem+json."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal Server Error"
    type: ClassVar[str] = "about:blank"

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extensions = extensions


class NotFound(Problem):
    status, title, type = 404, "Not found", "/problems/not-found"


class Conflict(Problem):
    status, title, type = 409, "Conflict", "/problems/conflict"


class InvalidRequest(Problem):
    """A request that parsed but breaks a rule; carries one entry per bad field."""

    status, title, type = 422, "Invalid request", "/problems/invalid-request"

    def __init__(self, detail: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail, errors=errors)


class ServiceUnavailable(Problem):
    status, title, type = 503, "Service unavailable", "/problems/service-unavailable"


class GatewayTimeout(Problem):
    status, title, type = 504, "Upstream timeout", "/problems/upstream-timeout"


def problem_response(
    status: int,
    title: str,
    type_: str = "about:blank",
    detail: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """Build an application/problem+json response."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def location(loc: tuple[Any, ...] | list[Any]) -> str:
    """Turn a pydantic location into a dotted path: ('body', 'facts', 0) -> 'body.facts[0]'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _instance(request: Request) -> str:
    # Behind the gateway the public path is the forwarded prefix plus the service's own path.
    return request.headers.get("x-forwarded-prefix", "") + request.url.path


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(
        exc.status, exc.title, exc.type, exc.detail, _instance(request), **exc.extensions
    )


METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    """List every method the path supports (Starlette names only the first route's).

    Each method is tried on the routes: included routers (FastAPI 0.165) do not show their
    routes' methods, but they do match.
    """
    routes = request.app.router.routes
    allowed = [
        method
        for method in METHODS
        if any(r.matches({**request.scope, "method": method})[0] == Match.FULL for r in routes)
    ]
    return ", ".join(allowed)


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    title = {404: "Not found"}.get(exc.status_code) or HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(
        exc.status_code, title, detail=detail, instance=_instance(request), headers=headers or None
    )


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"path": location(err["loc"]), "message": err["msg"], "type": err["type"]}
        for err in exc.errors()
    ]
    return problem_response(
        422,
        "Invalid request",
        "/problems/invalid-request",
        f"{len(errors)} invalid field(s): " + ", ".join(e["path"] for e in errors),
        _instance(request),
        errors=errors,
    )


async def _on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500,
        "Internal Server Error",
        "/problems/internal",
        "The server failed to handle this request; it has been logged.",
        _instance(request),
    )


# SQLite reports a missing table as an OperationalError too: only these mean "not now".
SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk I/O error")


def _unavailable(exc: Exception) -> bool:
    """Tell a database that did not answer (retry later) from a statement that is wrong."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
        return True
    if not isinstance(exc, sa_exc.OperationalError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        return str(exc.orig).startswith(SQLITE_UNAVAILABLE)
    return True  # psycopg: connection lost or refused, shutdown, deadlock, serialization


def _database_down(service: str) -> Any:
    async def on_database_error(request: Request, exc: Exception) -> JSONResponse:
        # Connection refused, lost or invalidated, a deadlock, a locked SQLite file: the
        # database did not do the work, so the request may be sent again. Anything else a
        # driver raises (a wrong statement, a missing table) stays a 500.
        if not _unavailable(exc):
            return await _on_unhandled(request, exc)
        logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        response = problem_response(
            503,
            ServiceUnavailable.title,
            ServiceUnavailable.type,
            f"The {service} service cannot reach its database just now; retry shortly.",
            _instance(request),
            service=service,
        )
        response.headers["retry-after"] = "1"
        return response

    return on_database_error


def install(app: FastAPI, service: str | None = None) -> None:
    """Render every error of the app as problem+json (a lost database as 503, naming `service`)."""
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation)
    if service is not None:
        app.add_exception_handler(sa_exc.DBAPIError, _database_down(service))
    app.add_exception_handler(Exception, _on_unhandled)


def problem_responses(*problems: type[Problem]) -> dict[int | str, dict[str, Any]]:
    """Declare problems on a route so OpenAPI shows them."""
    declared: dict[int | str, dict[str, Any]] = {}
    listed: tuple[type[Problem], ...] = (*problems, InvalidRequest)
    for problem in listed:
        declared[problem.status] = {"model": ProblemDetail, "description": problem.title}
    return declared


def _as_problem(response: dict[str, Any]) -> None:
    """Declare an error response as problem+json, unless it declared a body of its own."""
    content: dict[str, Any] = response.get("content") or {}
    json_schema = (content.get("application/json") or {}).get("schema") or {}
    ref = json_schema.get("$ref", "")
    if ref and not ref.endswith(("/ProblemDetail", "/HTTPValidationError")):
        return  # a model of its own (OAuth2's TokenError, RFC 6749)
    other = {media: value for media, value in content.items() if media != "application/json"}
    if other and "application/json" not in content:
        return  # declared only in another type (the answer page's HTML)
    problem = {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
    response["content"] = {**other, PROBLEM_JSON: problem}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Make every 4xx/5xx response of an OpenAPI document a problem+json ProblemDetail."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if "requestBody" in operation:  # a body that is not JSON at all: FastAPI's 400
                operation["responses"].setdefault("400", {"description": "Bad Request"})
            for status, response in operation.get("responses", {}).items():
                if str(status)[0] in "45":
                    _as_problem(response)
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["ProblemDetail"] = ProblemDetail.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    defs = schemas["ProblemDetail"].pop("$defs", {})
    schemas.update(defs)
    return schema
