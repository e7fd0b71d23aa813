"""httpx clients for calling another service: one code path, in-process or remote."""

from contextlib import AsyncExitStack

import httpx
from starlette.types import ASGIApp


def service_client(
    base_url: str, app: ASGIApp | None = None, timeout_s: float = 5.0
) -> httpx.AsyncClient:
    """Return a client for a service: over HTTP, or straight into an app running in-process."""
    # raise_app_exceptions=False: a crash in the called app arrives as a 500 in both modes.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False) if app else None
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout_s)


async def open_client(
    stack: AsyncExitStack, base_url: str, app: ASGIApp | None = None, timeout_s: float = 5.0
) -> httpx.AsyncClient:
    """Open a client that closes with the stack; `app` must already be started (its lifespan)."""
    return await stack.enter_async_context(service_client(base_url, app, timeout_s))
