"""A small HTTP/1.1 client for the gateway's calls to services: pooled keep-alive connections.

Why not aiohttp or httpx: forwarding is the gateway's whole hot path, and a general client
spends more CPU per request on its own machinery than the service spends answering a trivial
route (see README, "How the gateway forwards"). This client does only what forwarding needs:
one write per request, a C parser (httptools, uvicorn's own) for the answer, connections kept
alive in a LIFO pool. Services are ours (uvicorn), so there is no HTTP/2, no proxies, no
redirects, no cookies and no decompression.
"""

import asyncio
import time
from collections.abc import Sequence
from typing import cast

import httptools

# uvicorn closes idle connections after 5 s; reuse ours for less, so a request is never written
# into a connection the service is closing at that moment.
IDLE_S = 4.0
NO_BODY_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
FRAMING = frozenset({b"content-length", b"transfer-encoding"})


class ConnectionFailed(Exception):
    """The connection broke before a whole answer came back."""

    def __init__(self, reason: str, *, answered: bool) -> None:
        super().__init__(reason)
        self.answered = answered  # some of an answer had arrived


class Answer:
    """A whole answer: status, lower-case header fields, body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[Answer] | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.closed = False
        self.keep = False
        self.received = False
        self.head = False  # the request was HEAD: the answer ends with its header
        self.until_close = False
        self.framed = False  # the answer says where its body ends (a length, or chunks)
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # cast, not isinstance: uvloop's transports (uvicorn's loop) do not subclass asyncio's.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(f"malformed answer: {exc}")

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.until_close and exc is None:  # a body delimited by the end of the connection
            self._answer()
        self._fail("connection closed" if exc is None else f"connection lost: {exc}")

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if name in FRAMING:
            self.framed = True
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_headers_complete(self) -> None:
        if self.head:  # the parser would wait for a body of content-length bytes
            self._answer()
            return
        self.until_close = not self.framed

    def on_message_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 200:  # an interim answer (100 Continue): the real one follows
            self.headers, self.body = [], []
            return
        self.keep = self.parser.should_keep_alive()
        self._answer()

    def _answer(self) -> None:
        answer = Answer(self.parser.get_status_code(), self.headers, b"".join(self.body))
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(answer)

    # the pool's side
    def send(self, data: bytes, *, head: bool = False) -> "asyncio.Future[Answer]":
        """Write a whole request; return the future of its answer."""
        assert self.transport is not None
        self.headers, self.body, self.received, self.head = [], [], False, head
        self.keep = self.until_close = self.framed = False
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter

    def close(self) -> None:
        """Close the connection (its answer, if any is pending, is abandoned)."""
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.cancel()
        if self.transport is not None:
            self.transport.close()

    def _fail(self, reason: str) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionFailed(reason, answered=self.received))
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()


def encode(
    method: str, target: str, host: str, headers: Sequence[tuple[bytes, bytes]], body: bytes
) -> bytes:
    """Return the bytes of a request: head and body in one piece, for one write."""
    parts = [f"{method} {target} HTTP/1.1\r\nhost: {host}\r\n".encode("latin-1")]
    for name, value in headers:
        parts += (name, b": ", value, b"\r\n")
    if body or method not in NO_BODY_METHODS:
        parts.append(b"content-length: %d\r\n" % len(body))
    parts += (b"\r\n", body)
    return b"".join(parts)


class Pool:
    """Keep-alive connections to one host:port, at most `limit` in use at once."""

    def __init__(self, host: str, port: int, limit: int, connect_timeout_s: float) -> None:
        self.host, self.port = host, port
        self.authority = f"{host}:{port}"
        self.connect_timeout_s = connect_timeout_s
        self.idle: list[Connection] = []
        self.slots = asyncio.Semaphore(limit)

    async def request(
        self,
        method: str,
        target: str,
        headers: Sequence[tuple[bytes, bytes]],
        body: bytes,
        *,
        retry: bool,
    ) -> Answer:
        """Send a request and return its answer; raise ConnectionFailed or OSError.

        With `retry` (idempotent methods only), a request whose reused connection broke before
        any answer came is sent once more on a fresh connection.
        """
        data = encode(method, target, self.authority, headers, body)
        async with self.slots:
            connection, reused = await self._connection()
            while True:
                try:
                    answer = await connection.send(data, head=method == "HEAD")
                    break
                except ConnectionFailed as exc:
                    # Most likely a kept-alive connection the service was closing as we wrote.
                    if not (retry and reused and not exc.answered):
                        raise
                except BaseException:
                    connection.close()  # cancelled or timed out: the answer may still come
                    raise
                connection, reused = await self._connect(), False
            if connection.keep and not connection.closed and method != "HEAD":
                connection.idle_since = time.monotonic()
                self.idle.append(connection)
            else:
                connection.close()
            return answer

    async def _connection(self) -> tuple[Connection, bool]:
        now = time.monotonic()
        while self.idle:
            connection = self.idle.pop()
            if not connection.closed and now - connection.idle_since < IDLE_S:
                return connection, True
            connection.close()
        return await self._connect(), False

    async def _connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self.connect_timeout_s):
            _, connection = await loop.create_connection(Connection, self.host, self.port)
        return connection

    def close(self) -> None:
        """Close every idle connection."""
        while self.idle:
            self.idle.pop().close()
