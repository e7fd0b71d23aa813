"""Start the gateway's own parts: its database, the key directory, limits, replays, webhooks."""

import asyncio
import logging
import os
from collections.abc import Mapping
from contextlib import AsyncExitStack, suppress
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from gateway import auth, breaker, idempotency, keys, ratelimit
from gateway.directory import Directory
from gateway.guard import Guard
from gateway.local import LocalSettings, open_upstreams
from gateway.proxy import Parts
from gateway.settings import GatewaySettings
from gateway.webhooks import Webhooks
from services.kit import db, migrations

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")
DEFAULT_PEPPER = b"jixiao api keys"
logger = logging.getLogger("jixiao.gateway")


def pepper(settings: GatewaySettings) -> bytes:
    """Return the key of the API-key hashes."""
    return settings.key_pepper.get_secret_value().encode() or DEFAULT_PEPPER


def ensure_folder(database_url: str) -> None:
    """Create the folder of a SQLite file database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


class SeveralWorkers(RuntimeError):
    """The gateway was started as one of several workers of one server process."""


def one_worker(environ: Mapping[str, str]) -> None:
    """Refuse to start when uvicorn would run several workers (its default is WEB_CONCURRENCY).

    /metrics, the key directory, the limiter's leases and, without Redis, the limits and replays
    live in one process: a scrape would reach one worker at random and read counters that jump.
    Scale with replicas, each scraped as its own target (README, "Operations").
    """
    workers = environ.get("WEB_CONCURRENCY", "").strip()
    if workers.isdigit() and int(workers) > 1:
        raise SeveralWorkers(
            f"WEB_CONCURRENCY={workers}: run one gateway worker per process (uvicorn --workers 1) "
            "and more replicas instead; each replica's /metrics is its own Prometheus target"
        )


async def _task(stack: AsyncExitStack, coroutine: Any) -> None:
    task = asyncio.create_task(coroutine)

    async def stop() -> None:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    stack.push_async_callback(stop)


async def start(
    stack: AsyncExitStack, settings: GatewaySettings, local: LocalSettings, parts: Parts
) -> dict[str, Any]:
    """Start everything the proxy and the admin routes need; return the app's state."""
    one_worker(os.environ)
    ensure_folder(settings.database_url)
    if settings.migrate_on_start:
        await migrations.upgrade_async(ALEMBIC_INI, settings.database_url)
    engine = db.create_engine(settings.database_url)
    stack.push_async_callback(engine.dispose)
    sessions = db.sessionmaker(engine)
    key_pepper = pepper(settings)
    bootstrap = settings.bootstrap_admin_key.get_secret_value()
    if bootstrap:
        async with sessions() as session:
            await keys.bootstrap(session, pepper=key_pepper, key=bootstrap)
            await session.commit()
    directory = Directory(sessions, key_pepper)
    await directory.refresh()
    stack.push_async_callback(directory.flush)
    await _task(stack, directory.run(settings.directory_refresh_s))
    signing = auth.token_key(settings.token_secret.get_secret_value(), parts.secret)
    authenticator = auth.Authenticator(directory, signing, settings.token_ttl_s)
    prefix = f"{settings.redis_prefix}:limits"
    limiter = ratelimit.Limiter(settings.redis_url, prefix)
    parts.guard = Guard(
        authenticator,
        limiter,
        parts.metrics,
        default_rate=settings.default_rate,
        public_rate=settings.public_rate,
    )
    if settings.redis_url:
        replays = idempotency.RedisStore(settings.redis_url, settings.redis_prefix)
        stack.push_async_callback(replays.aclose)
        parts.replays = replays
    else:
        parts.replays = idempotency.DatabaseStore(sessions)
    hooks = Webhooks(
        sessions,
        directory,
        max_attempts=settings.webhook_max_attempts,
        backoff_s=settings.webhook_backoff_s,
        timeout_s=settings.webhook_timeout_s,
    )
    parts.webhooks = hooks
    await _task(stack, hooks.run())
    parts.upstreams.update(await open_upstreams(stack, settings, local))
    for upstream in parts.upstreams.values():
        gauge = parts.metrics.circuit.labels(upstream.name)
        gauge.set(breaker.CLOSED)
        parts.breakers[upstream.name] = breaker.Breaker(
            settings.breaker_failures, settings.breaker_reset_s, gauge.set
        )
    return {
        "engine": engine,
        "sessionmaker": sessions,
        "authenticator": authenticator,
        "guard": parts.guard,
        "directory": directory,
        "pepper": key_pepper,
        "webhooks": hooks,
        "secret": parts.secret,
    }
