"""A service whose database does not answer says 503 naming itself; a bad statement stays 500."""

import sqlite3

import httpx
from fastapi import FastAPI
from sqlalchemy import exc

from services.kit import problems


def app_raising(error: Exception) -> FastAPI:
    api = FastAPI()
    problems.install(api, service="scoring")

    @api.get("/things")
    async def things() -> None:
        raise error

    return api


async def call(api: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/things")


async def test_a_lost_connection_is_a_503_naming_the_service() -> None:
    lost = exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
    response = await call(app_raising(lost))
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert (body["type"], body["service"], body["instance"]) == (
        "/problems/service-unavailable",
        "scoring",
        "/things",
    )


async def test_a_bad_statement_is_still_a_500() -> None:
    bad = exc.ProgrammingError("SELECT nonsense", {}, Exception("syntax error"))
    response = await call(app_raising(bad))
    assert response.status_code == 500
    assert response.json()["type"] == "/problems/internal"


async def test_sqlite_a_locked_file_is_503_and_a_missing_table_500() -> None:
    locked = exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    missing = exc.OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))
    assert (await call(app_raising(locked))).status_code == 503
    assert (await call(app_raising(missing))).status_code == 500
