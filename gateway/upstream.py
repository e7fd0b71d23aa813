"""How the gateway reaches a service: in-process (ASGI) or remote (HTTP), behind one interface.

The forwarding code calls `Upstream.request` and never knows which of the two it has; only
`gateway.main` chooses. Remote calls use gateway.wire, a small keep-alive HTTP/1.1 client,
rather than httpx or aiohttp: see its docstring and README, "How the gateway forwards".
"""

import asyncio
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import httpx
from starlette.types import ASGIApp

from gateway import wire

Headers = list[tuple[bytes, bytes]]  # lower-case names, as ASGI carries them

# RFC 9110 §7.6.1 hop-by-hop fields, plus the ones the transport recomputes.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
        b"expect",  # the gateway has read the whole body already: no 100 Continue upstream
    }
)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class UpstreamResponse:
    """What a service answered."""

    status: int
    headers: Headers
    body: bytes


class Unavailable(Exception):
    """The service could not be reached (refused, reset, DNS)."""

    def __init__(self, reason: str, *, sent: bool = False) -> None:
        super().__init__(reason)
        self.sent = sent  # the request may have reached the service (and acted) before this


class TimedOut(Exception):
    """The service did not answer within the gateway's timeout."""


class Upstream(Protocol):
    """A service the gateway forwards to."""

    name: str

    async def request(
        self,
        method: str,
        target: str,
        headers: Headers,
        body: bytes,
        timeout_s: float | None = None,
    ) -> UpstreamResponse:
        """Send a request with end-to-end header fields only; return the whole answer."""
        ...

    async def aclose(self) -> None: ...


def end_to_end(headers: Headers) -> Headers:
    """Drop hop-by-hop header fields (names are lower-case)."""
    return [(k, v) for k, v in headers if k not in HOP_BY_HOP]


class AsgiUpstream:
    """A service running in this process, called through httpx's ASGI transport."""

    def __init__(self, name: str, app: ASGIApp, timeout_s: float) -> None:
        self.name = name
        self.timeout_s = timeout_s
        # raise_app_exceptions=False: a crash arrives as a 500 response, as it would remotely.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._client = httpx.AsyncClient(transport=transport, base_url=f"http://{name}")

    async def request(
        self,
        method: str,
        target: str,
        headers: Headers,
        body: bytes,
        timeout_s: float | None = None,
    ) -> UpstreamResponse:
        """Call the in-process app."""
        try:
            async with asyncio.timeout(timeout_s or self.timeout_s):
                response = await self._client.request(
                    method, target, headers=end_to_end(headers), content=body
                )
        except TimeoutError as exc:
            raise TimedOut(self.name) from exc
        headers = [(k.lower(), v) for k, v in response.headers.raw]
        return UpstreamResponse(response.status_code, end_to_end(headers), response.content)

    async def aclose(self) -> None:
        """Close the client."""
        await self._client.aclose()


class HttpUpstream:
    """A service in another process, reached over HTTP/1.1 with pooled keep-alive connections."""

    def __init__(
        self,
        name: str,
        base_url: str,
        timeout_s: float,
        connect_timeout_s: float,
        max_connections: int,
    ) -> None:
        self.name = name
        url = urlsplit(base_url)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"{name}: the service URL must be http://host[:port][/path]")
        self.prefix = url.path.rstrip("/")
        self.timeout_s = timeout_s
        self.pool = wire.Pool(url.hostname, url.port or 80, max_connections, connect_timeout_s)

    async def request(
        self,
        method: str,
        target: str,
        headers: Headers,
        body: bytes,
        timeout_s: float | None = None,
    ) -> UpstreamResponse:
        """Send the request; an idempotent one is retried once if a kept-alive connection broke."""
        try:
            async with asyncio.timeout(timeout_s or self.timeout_s):
                answer = await self.pool.request(
                    method, self.prefix + target, headers, body, retry=method in IDEMPOTENT
                )
        except TimeoutError as exc:
            raise TimedOut(self.name) from exc
        except wire.ConnectionFailed as exc:  # written, then the connection broke: it may act
            raise Unavailable(f"{self.name}: {exc}", sent=True) from exc
        except OSError as exc:  # no connection: the service never saw the request
            raise Unavailable(f"{self.name}: {exc}") from exc
        return UpstreamResponse(answer.status, end_to_end(answer.headers), answer.body)

    async def aclose(self) -> None:
        """Close the idle connections."""
        self.pool.close()
