"""One JSON line per request, with the request id, from kit's RequestLog."""

import io
import json
import logging

import httpx
from fastapi import FastAPI

from services.kit import logs


async def test_one_json_line_per_request_with_its_id() -> None:
    api = FastAPI()

    @api.get("/items/{n}")
    async def item(n: int) -> dict[str, int]:
        return {"n": n}

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logs.access.addHandler(handler)
    logs.access.setLevel(logging.INFO)
    try:
        transport = httpx.ASGITransport(app=logs.RequestLog(api, service="demo"))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            kept = await client.get("/items/7", headers={"x-request-id": "abc-123"})
            made = await client.get("/nowhere")
    finally:
        logs.access.removeHandler(handler)
    assert kept.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert {k: first[k] for k in ("level", "logger", "message", "request_id")} == {
        "level": "info",
        "logger": "jixiao.access",
        "message": "request",
        "request_id": "abc-123",
    }
    assert (first["service"], first["method"], first["path"], first["status"]) == (
        "demo",
        "GET",
        "/items/7",
        200,
    )
    assert (second["path"], second["status"]) == ("/nowhere", 404)
    assert second["request_id"] == made.headers["x-request-id"]
    assert first["duration_ms"] >= 0
    assert first["time"].endswith("+00:00")
    assert len(first["time"]) == 29


def test_utc_time_matches_isoformat_across_seconds() -> None:
    assert logs.utc_time(0.0) == "1970-01-01T00:00:00.000+00:00"
    assert logs.utc_time(1700000000.9996) == "2023-11-14T22:13:20.999+00:00"
    assert logs.utc_time(1700000001.25) == "2023-11-14T22:13:21.250+00:00"
