"""Merge the services' OpenAPI documents into the gateway's one document."""

import copy
import json
import re
from typing import Any

from gateway import scopes

# Schemas that every service takes from services.kit: identical, so they are listed once.
SHARED_SCHEMAS = frozenset({"ProblemDetail", "FieldError", "Health"})
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _component_name(service: str, name: str) -> str:
    return name if name in SHARED_SCHEMAS else f"{service.capitalize()}{name}"


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            # "$ref", and the values of a discriminator's "mapping" too.
            if isinstance(value, str) and value.startswith("#/components/schemas/"):
                name = value.rsplit("/", 1)[1]
                out[key] = f"#/components/schemas/{renames.get(name, name)}"
            else:
                out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def _plain_defaults(schema: Any) -> None:
    """Move object defaults of model-typed properties into their description.

    Valid OpenAPI, but client generators (openapi-python-client) cannot give a model-typed
    property a default and then drop the whole model; the service still applies it.
    """
    for prop in (schema.get("properties") or {}).values() if isinstance(schema, dict) else ():
        default = prop.get("default")
        if isinstance(default, dict) and "$ref" in json.dumps(prop):
            del prop["default"]
            text = f"Default: {json.dumps(default, ensure_ascii=False)}."
            prop["description"] = f"{prop['description']} {text}" if "description" in prop else text


def merge(base: dict[str, Any], services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Return base plus every service's operations under /api/v1/<segment>, names made unique.

    `services` maps the public path segment (e.g. "reports") to that service's document.
    """
    merged = copy.deepcopy(base)
    paths = merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    tags: list[dict[str, Any]] = list(merged.get("tags", []))
    for segment, document in sorted(services.items()):
        source_schemas = document.get("components", {}).get("schemas", {})
        renames = {name: _component_name(segment, name) for name in source_schemas}
        for name, schema in source_schemas.items():
            new_name = renames[name]
            renamed = _rename_refs(schema, renames)
            if new_name in schemas and json.dumps(schemas[new_name], sort_keys=True) != json.dumps(
                renamed, sort_keys=True
            ):
                raise ValueError(f"component {new_name} differs between services")
            _plain_defaults(renamed)
            if new_name != name and isinstance(renamed, dict):
                # Generators name classes after the title: keep them unique too.
                renamed["title"] = new_name.replace("-", "")
            schemas[new_name] = renamed
        for path, item in document.get("paths", {}).items():
            public = f"/api/v1/{segment}{path}" if path != "/" else f"/api/v1/{segment}"
            new_item = _rename_refs(item, renames)
            for method, operation in new_item.items():
                if method not in METHODS:
                    continue
                operation["operationId"] = (
                    f"{segment}_{operation.get('operationId', method + path)}"
                )
                operation["tags"] = [
                    f"{segment}" if t == "health" else f"{segment}: {t}"
                    for t in operation.get("tags", [])
                ] or [segment]
            paths[public] = new_item
        for tag in document.get("tags", []):
            tags.append({**tag, "name": f"{segment}: {tag['name']}"})
    if tags:
        merged["tags"] = tags
    return merged


DESCRIPTION = (
    "Performance evaluation of special funds (财政专项资金绩效评价): scoring, surveys and "
    "reports behind one address. Authenticate with an API key in `X-API-Key`, or exchange "
    "client credentials (the client id and one of its keys) at `/oauth/token` for a bearer "
    "token. Every route names the scope it needs. Limits answer 429 with `Retry-After` and "
    "`RateLimit-*`; a POST with an `Idempotency-Key` acts once, its response replayed for 24 h."
)
PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetail"}
GATEWAY_PROBLEMS = {
    "401": ("Unauthenticated", "/problems/unauthenticated", "Send an API key (X-API-Key)."),
    "403": ("Forbidden", "/problems/forbidden", "This route needs the scope scoring:write."),
    "409": (
        "Request in progress",
        "/problems/idempotency-in-progress",
        "A request with this Idempotency-Key is still being handled; retry shortly.",
    ),
    "413": ("Content too large", "/problems/content-too-large", "The body is too large."),
    "429": ("Too many requests", "/problems/rate-limited", "Retry after 12 s."),
    "503": ("Service unavailable", "/problems/service-unavailable", "Not reachable."),
    "504": ("Upstream timeout", "/problems/upstream-timeout", "Did not answer in time."),
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Repeat a POST safely: the first response is replayed for 24 h.",
    "schema": {"type": "string", "maxLength": 255},
    "example": "7c1e9a52-4f7b-4d8e-9a55-1d2f0f8f7f01",
}
OWN_SCOPES = {"/admin": "admin", "/webhooks": "webhooks"}


def _schemes() -> dict[str, Any]:
    return {
        "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "OAuth2": {
            "type": "oauth2",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/oauth/token",
                    "scopes": {s: f"the {s} scope" for s in sorted(scopes.SCOPES)},
                }
            },
        },
    }


def _scope(path: str, method: str) -> tuple[str | None, bool]:
    """Return the scope an operation needs (None: public) and whether the proxy serves it."""
    if path.startswith("/api/v1/"):
        segment, _, rest = path[len("/api/v1/") :].partition("/")
        return (
            None if scopes.is_public(segment, method, "/" + rest) else _rule(segment, method, rest)
        ), True
    for prefix, scope in OWN_SCOPES.items():
        if path.startswith(prefix):
            return scope, False
    return None, False


def _rule(segment: str, method: str, rest: str) -> str | None:
    return scopes.rule(segment, method.upper(), "/" + re.sub(r"\{[^}]+\}", "x", rest)).scope


def _problem(status: str, title: str, type_: str, detail: str) -> dict[str, Any]:
    example = {"type": type_, "title": title, "status": int(status), "detail": detail}
    return {
        "description": title,
        "content": {"application/problem+json": {"schema": PROBLEM_REF, "example": example}},
    }


def secure(document: dict[str, Any]) -> dict[str, Any]:
    """Add security schemes, each operation's scope, its gateway problems and their examples."""
    document.setdefault("components", {})["securitySchemes"] = _schemes()
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            scope, proxied = _scope(path, method)
            health = path.endswith(("/healthz", "/readyz"))
            if "security" not in operation:
                operation["security"] = (
                    [] if scope is None else [{"ApiKey": [scope]}, {"OAuth2": [scope]}]
                )
            statuses = ["401", "403", "429"] if scope else ([] if health else ["429"])
            if proxied and not health:
                statuses += ["503", "504"]
                if method in ("post", "put", "patch"):
                    statuses.append("413")
                if method == "post":
                    statuses.append("409")
                    operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY))
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(status, _problem(status, *GATEWAY_PROBLEMS[status]))
            for status, response in responses.items():
                content = response.get("content", {}).get("application/problem+json")
                if content is not None and "example" not in content:
                    title = response.get("description", "Problem")
                    content["example"] = {
                        "type": "about:blank",
                        "title": title,
                        "status": int(status),
                    }
    return document
