"""Test helpers: fresh databases on SQLite or PostgreSQL, started apps, loopback processes."""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import psycopg
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Receive, Scope, Send

from services.kit import identity
from services.kit.clients import service_client

POSTGRES_URL_ENV = "JIXIAO_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://root@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    """Return the URL of a PostgreSQL database the tests may create databases from."""
    return os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create a fresh, uniquely named PostgreSQL database; drop it afterwards."""
    admin = postgres_admin_url()
    name = f"jixiao_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_schema_url(database_url: str) -> str:
    """Create an empty schema in the database and return a URL whose search_path is it."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(database_url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@asynccontextmanager
async def started(app: ASGIApp, base_url: str = "http://test") -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan and yield a client that calls it in-process."""
    async with LifespanManager(app, startup_timeout=60) as manager:
        async with service_client(base_url, manager.app) as client:
            yield client


def caller(client_id: str, org_id: str, *shared_from: str) -> identity.Identity:
    """Return a caller of an organisation with every service scope, reading `shared_from` too."""
    scopes = {"scoring:read", "scoring:write", "survey:manage", "reports:read", "reports:write"}
    return identity.Identity(
        client_id, org_id, frozenset(scopes), frozenset({org_id, *shared_from})
    )


def signed_as(client: httpx.AsyncClient, who: identity.Identity) -> httpx.AsyncClient:
    """Make a client sign its requests as the gateway does for `who` (a service's own tests)."""
    secret = identity.secret_bytes()

    async def sign(request: httpx.Request) -> None:
        target = request.url.raw_path.decode("ascii")
        request.headers.update(dict(identity.sign(secret, who, request.method, target)))

    client.event_hooks["request"] = [*client.event_hooks["request"], sign]
    return client


class SignedApp:
    """ASGI wrapper that signs every request as `who`, as the gateway would (for fuzzers)."""

    def __init__(self, app: ASGIApp, who: identity.Identity) -> None:
        self.app = app
        self.who = who

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            signed = identity.sign(
                identity.secret_bytes(), self.who, scope["method"], identity.target_of(scope)
            )
            headers = [(k, v) for k, v in scope["headers"] if not k.startswith(b"x-jixiao-")]
            scope = {**scope, "headers": [*headers, *((k.encode(), v.encode()) for k, v in signed)]}
        await self.app(scope, receive, send)


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def uvicorn_command(app_path: str, port: int) -> list[str]:
    """Return the command that serves an app on a loopback port with one worker."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app_path,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    """Poll a health URL until it answers 200; fail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not become healthy in {timeout_s} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process, killing it if it does not end within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
