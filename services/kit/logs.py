"""JSON logs, one line per request, carrying the request id from X-Request-ID."""

import json
import logging
import os
import sys
import time
from contextvars import ContextVar
from typing import Any, ClassVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = b"x-request-id"
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access = logging.getLogger("jixiao.access")


_second: tuple[int, str] = (-1, "")  # the last second formatted, reused by the lines within it


def utc_time(created: float) -> str:
    """Return an ISO 8601 UTC time with milliseconds, e.g. 2026-11-21T15:28:27.982+00:00."""
    global _second
    second = int(created)
    if second != _second[0]:
        _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{_second[1]}.{int((created - second) * 1000):03d}+00:00"


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object per line, Chinese kept readable."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": utc_time(record.created),
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


class AccessRecord(logging.LogRecord):
    """The record of one request, made cheaply."""

    # LogRecord.__init__ looks up the calling frame, the thread and the process, which access
    # lines never print: a third of the cost of each line. Fixed values stand in for them (as
    # instance attributes: %-style formatters read the record's __dict__).
    BLANK: ClassVar[dict[str, Any]] = {
        "pathname": "",
        "filename": "",
        "module": "",
        "funcName": "",
        "lineno": 0,
        "args": (),
        "exc_info": None,
        "exc_text": None,
        "stack_info": None,
        "thread": None,
        "threadName": None,
        "process": None,
        "processName": None,
        "taskName": None,
        "relativeCreated": 0.0,
        "name": access.name,
        "msg": "request",
        "levelno": logging.INFO,
        "levelname": "INFO",
    }

    def __init__(self, fields: dict[str, Any]) -> None:  # no super().__init__: see above
        self.__dict__.update(self.BLANK)
        self.created = time.time()
        self.msecs = (self.created - int(self.created)) * 1000
        self.fields = fields


def new_request_id() -> str:
    """Return a fresh request id: 32 random hex digits."""
    return os.urandom(16).hex()


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
            if access.isEnabledFor(logging.INFO):
                fields = {
                    "service": self.service,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                }
                access.handle(AccessRecord(fields))
            request_id.reset(token)
