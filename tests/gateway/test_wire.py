"""The gateway's HTTP/1.1 client against a raw server on loopback that answers as scripted."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from gateway import upstream, wire

Script = Callable[[bytes, int], bytes | None]  # (request head, n-th request) -> raw answer


class Server:
    """Counts connections and requests; answers each request with what the script returns."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.requests: list[bytes] = []
        self.port = 0
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                body = await reader.readexactly(length)
                self.requests.append(head + body)
                answer = self.script(head, len(self.requests))
                if answer is None:  # close without answering
                    break
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


@asynccontextmanager
async def serving(script: Script) -> AsyncIterator[Server]:
    server = Server(script)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield server
        for writer in server.writers:  # the listener closing leaves its connections open
            writer.close()
        await asyncio.sleep(0)


def ok(body: bytes = b'{"ok":true}', extra: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + extra
        + (b"content-length: %d\r\n\r\n" % len(body) + body)
    )


def remote(server: Server, timeout_s: float = 2.0) -> upstream.HttpUpstream:
    return upstream.HttpUpstream("scoring", f"http://127.0.0.1:{server.port}", timeout_s, 1.0, 4)


async def test_a_request_is_one_write_and_connections_are_kept_alive() -> None:
    async with serving(lambda head, n: ok()) as server:
        service = remote(server)
        for _ in range(3):
            answer = await service.request(
                "POST", "/scores?x=1", [("content-type", "application/json")], b'{"a":1}'
            )
            assert (answer.status, answer.body) == (200, b'{"ok":true}')
        await service.aclose()
    assert server.connections == 1
    assert server.requests[0] == (
        b"POST /scores?x=1 HTTP/1.1\r\nhost: 127.0.0.1:%d\r\ncontent-type: application/json\r\n"
        b'content-length: 7\r\n\r\n{"a":1}' % server.port
    )
    assert answer.headers == [("content-type", "application/json")]  # content-length recomputed


async def test_a_chunked_answer_is_joined() -> None:
    chunked = (
        b"HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\nx-request-id: r1\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    async with serving(lambda head, n: chunked) as server:
        service = remote(server)
        first = await service.request("GET", "/a", [], b"")
        second = await service.request("GET", "/a", [], b"")
        await service.aclose()
    assert (first.status, first.body, first.headers) == (
        201,
        b"hello world",
        [("x-request-id", "r1")],
    )
    assert second.body == b"hello world"
    assert server.connections == 1


async def test_an_answer_ended_by_closing_the_connection() -> None:
    raw = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nall of it"
    async with serving(lambda head, n: raw) as server:
        service = remote(server)
        answer = await service.request("GET", "/a", [], b"")
        again = await service.request("GET", "/a", [], b"")
        await service.aclose()
    assert answer.body == again.body == b"all of it"
    assert server.connections == 2  # not kept alive


async def test_an_interim_100_continue_is_skipped() -> None:
    raw = b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"[]")
    async with serving(lambda head, n: raw) as server:
        service = remote(server)
        answer = await service.request("POST", "/a", [("expect", "100-continue")], b"{}")
        await service.aclose()
    assert (answer.status, answer.body) == (200, b"[]")
    assert b"expect" not in server.requests[0]  # hop-by-hop: the gateway has the whole body


async def test_head_ends_with_the_header() -> None:
    raw = b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n"
    async with serving(lambda head, n: raw) as server:
        service = remote(server, timeout_s=1.0)
        answer = await service.request("HEAD", "/a", [], b"")
        await service.aclose()
    assert (answer.status, answer.body) == (200, b"")


def closes_the_second(head: bytes, n: int) -> bytes | None:
    return None if n == 2 else ok()


async def test_a_broken_kept_alive_connection_is_retried_for_get_only() -> None:
    async with serving(closes_the_second) as server:
        service = remote(server)
        await service.request("GET", "/a", [], b"")
        answer = await service.request("GET", "/a", [], b"")  # closed unanswered, sent again
        assert answer.status == 200
        assert (len(server.requests), server.connections) == (3, 2)
        await service.aclose()
    async with serving(closes_the_second) as server:
        service = remote(server)
        await service.request("POST", "/a", [], b"{}")
        with pytest.raises(upstream.Unavailable):
            await service.request("POST", "/a", [], b"{}")  # may have acted: never sent twice
        assert len(server.requests) == 2
        await service.aclose()


async def test_a_stopped_service_is_unavailable_and_a_silent_one_times_out() -> None:
    async with serving(lambda head, n: ok()) as server:
        port = server.port
    stopped = upstream.HttpUpstream("survey", f"http://127.0.0.1:{port}", 1.0, 1.0, 4)
    with pytest.raises(upstream.Unavailable):
        await stopped.request("GET", "/healthz", [], b"")

    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        await asyncio.sleep(10)

    listener = await asyncio.start_server(never, "127.0.0.1", 0)
    async with listener:
        port = listener.sockets[0].getsockname()[1]
        silent = upstream.HttpUpstream("report", f"http://127.0.0.1:{port}", 0.2, 1.0, 4)
        with pytest.raises(upstream.TimedOut):
            await silent.request("GET", "/healthz", [], b"")
        assert silent.pool.idle == []  # the late answer could confuse the next request
        await silent.aclose()


async def test_at_most_the_limit_of_connections_at_once() -> None:

    async with serving(lambda head, n: ok()) as server:
        service = upstream.HttpUpstream("scoring", f"http://127.0.0.1:{server.port}", 2.0, 1.0, 2)
        answers = await asyncio.gather(*(service.request("GET", "/a", [], b"") for _ in range(20)))
        await service.aclose()
    assert [a.status for a in answers] == [200] * 20
    assert server.connections <= 2


def test_the_url_must_be_plain_http() -> None:
    with pytest.raises(ValueError, match="http://host"):
        upstream.HttpUpstream("scoring", "https://scoring.internal", 1.0, 1.0, 4)
    service = upstream.HttpUpstream("scoring", "http://scoring:8001/base/", 1.0, 1.0, 4)
    assert (service.pool.authority, service.prefix) == ("scoring:8001", "/base")


def test_encode_adds_a_length_only_where_a_body_belongs() -> None:
    assert wire.encode("GET", "/a", "h:1", [], b"") == b"GET /a HTTP/1.1\r\nhost: h:1\r\n\r\n"
    assert wire.encode("POST", "/a", "h:1", [], b"") == (
        b"POST /a HTTP/1.1\r\nhost: h:1\r\ncontent-length: 0\r\n\r\n"
    )
