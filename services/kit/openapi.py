"""Examples in an app's OpenAPI document: each operation's request body and its answers.

A service keeps its examples in its own `openapi_examples` module, keyed by (method, path) as in
its own document, and hooks them to its app with `attach`; the gateway's merged document keeps
them. An example that names an operation, body or answer the document lacks is an error.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from services.kit.app import Health

JSON, FORM = "application/json", "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Example:
    """One operation's example request body (JSON, a form, or both) and JSON answers by status."""

    request: Any = None
    responses: Mapping[int, Any] = field(default_factory=dict)
    form: Mapping[str, str] | None = None  # OAuth2's token request, the answer page's post


Examples = Mapping[tuple[str, str], Example]


class UnknownOperation(LookupError):
    """An example names an operation, a request body or an answer the document does not have."""


def _media(holder: dict[str, Any] | None, media_type: str, what: str) -> dict[str, Any]:
    media: dict[str, Any] | None = ((holder or {}).get("content") or {}).get(media_type)
    if media is None:
        raise UnknownOperation(f"{what} has no {media_type} body to hold an example")
    return media


def add(document: dict[str, Any], examples: Examples) -> dict[str, Any]:
    """Put every example into its place in the document; return the document."""
    for (method, path), example in examples.items():
        name = f"{method} {path}"
        operation = document.get("paths", {}).get(path, {}).get(method.lower())
        if operation is None:
            raise UnknownOperation(f"{name}: the document has no such operation")
        body = operation.get("requestBody")
        if example.request is not None:
            _media(body, JSON, f"{name} request")["example"] = example.request
        if example.form is not None:
            _media(body, FORM, f"{name} request")["example"] = dict(example.form)
        for status, answer in example.responses.items():
            response = operation.get("responses", {}).get(str(status))
            _media(response, JSON, f"{name} answer {status}")["example"] = answer
    return document


def attach(app: FastAPI, examples: Callable[[], Examples]) -> None:
    """Make the app's OpenAPI document carry the examples, built when it is first generated."""
    generate = app.openapi  # caches the document in app.openapi_schema
    added = False

    def openapi() -> dict[str, Any]:
        nonlocal added
        document = generate()
        if not added:  # a failure to build them fails every call, never a bare document
            add(document, examples())
            added = True
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def health(service: str) -> dict[tuple[str, str], Example]:
    """Return the examples of the health routes every service has (services.kit.app)."""
    alive = Health(status="ok", service=service)
    ready = Health(status="ready", service=service, database="ok")
    return {
        ("GET", "/healthz"): Example(responses={200: alive.model_dump(mode="json")}),
        ("GET", "/readyz"): Example(responses={200: ready.model_dump(mode="json")}),
    }
