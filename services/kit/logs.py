"""JSON logs, one line per request, carrying the request id from X-Request-ID."""

import json
import logging
import sys
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = b"x-request-id"
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access = logging.getLogger("jixiao.access")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line, Chinese kept readable."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            line["request_id"] = rid
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str = "INFO") -> None:
    """Send every jixiao log line to stderr as JSON (idempotent)."""
    root = logging.getLogger("jixiao")
    root.setLevel(level.upper())
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.propagate = False


def new_request_id() -> str:
    """Return a fresh request id."""
    return uuid.uuid4().hex


def incoming_request_id(scope: Scope) -> str | None:
    """Return the X-Request-ID the caller sent, if it is a sane token."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            text = bytes(value).decode("latin-1")
            if 0 < len(text) <= 128 and text.isprintable():
                return text
    return None


class RequestLog:
    """ASGI middleware: keep or make X-Request-ID, return it, and log one line per request."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = incoming_request_id(scope)
        rid = incoming or new_request_id()
        if incoming is None:  # the handler and any upstream call see the id we made
            scope["headers"] = [*scope.get("headers", ()), (REQUEST_ID_HEADER, rid.encode())]
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0] != REQUEST_ID_HEADER]
                message["headers"] = [*headers, (REQUEST_ID_HEADER, rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access.info(
                "request",
                extra={
                    "fields": {
                        "service": self.service,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    }
                },
            )
            request_id.reset(token)
