"""How the gateway reaches a service: in-process (ASGI) or remote (HTTP), behind one interface.

The forwarding code calls `Upstream.request` and never knows which of the two it has; only
`gateway.main` chooses. Remote calls use an aiohttp session rather than httpx: measured on
these machines, httpx kept 14–18% of a service's throughput when forwarding, aiohttp ≈ 100%
(see README, "Why aiohttp forwards").
"""

import asyncio
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import httpx
from starlette.types import ASGIApp

Headers = list[tuple[str, str]]

# RFC 9110 §7.6.1 hop-by-hop fields, plus the ones the transport recomputes.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
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


class TimedOut(Exception):
    """The service did not answer within the gateway's timeout."""


class Upstream(Protocol):
    """A service the gateway forwards to."""

    name: str

    async def request(
        self, method: str, target: str, headers: Headers, body: bytes
    ) -> UpstreamResponse: ...

    async def aclose(self) -> None: ...


def end_to_end(headers: Headers) -> Headers:
    """Drop hop-by-hop header fields."""
    return [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]


class AsgiUpstream:
    """A service running in this process, called through httpx's ASGI transport."""

    def __init__(self, name: str, app: ASGIApp, timeout_s: float) -> None:
        self.name = name
        self.timeout_s = timeout_s
        # raise_app_exceptions=False: a crash arrives as a 500 response, as it would remotely.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._client = httpx.AsyncClient(transport=transport, base_url=f"http://{name}")

    async def request(
        self, method: str, target: str, headers: Headers, body: bytes
    ) -> UpstreamResponse:
        """Call the in-process app."""
        try:
            async with asyncio.timeout(self.timeout_s):
                response = await self._client.request(
                    method, target, headers=end_to_end(headers), content=body
                )
        except TimeoutError as exc:
            raise TimedOut(self.name) from exc
        return UpstreamResponse(
            response.status_code, end_to_end(list(response.headers.multi_items())), response.content
        )

    async def aclose(self) -> None:
        """Close the client."""
        await self._client.aclose()


class HttpUpstream:
    """A service in another process, reached over HTTP with a pooled aiohttp session."""

    def __init__(
        self,
        name: str,
        base_url: str,
        timeout_s: float,
        connect_timeout_s: float,
        max_connections: int,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=connect_timeout_s)
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:  # created lazily: aiohttp needs a running loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.max_connections),
                timeout=self.timeout,
                auto_decompress=False,  # pass compressed bodies through untouched
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
            )
        return self._session

    async def request(
        self, method: str, target: str, headers: Headers, body: bytes
    ) -> UpstreamResponse:
        """Send the request; retry once on a broken connection when the method is idempotent."""
        attempts = 2 if method in IDEMPOTENT else 1
        for attempt in range(attempts):
            try:
                return await self._send(method, target, headers, body)
            except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
                raise TimedOut(self.name) from exc
            except aiohttp.ClientError as exc:
                if attempt + 1 == attempts:
                    raise Unavailable(f"{self.name}: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")

    async def _send(
        self, method: str, target: str, headers: Headers, body: bytes
    ) -> UpstreamResponse:
        session = self._open()
        async with session.request(
            method,
            self.base_url + target,
            headers=end_to_end(headers),
            data=body or None,
            allow_redirects=False,
        ) as response:
            content = await response.read()
            # aiohttp keeps the wire's case; ASGI wants lower-case names.
            headers = [(k.lower(), v) for k, v in response.headers.items()]
            return UpstreamResponse(response.status, end_to_end(headers), content)

    async def aclose(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
