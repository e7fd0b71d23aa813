"""The gateway's HTTP/1.1 client against a raw server on loopback that answers as scripted."""

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from asgi_lifespan import LifespanManager

from gateway import upstream, wire
from gateway.main import create_app
from services.kit.clients import service_client
from tests.conftest import NewDatabase
from tests.gateway.conftest import ADMIN_KEY, gateway_settings, local_settings

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
                "POST", "/scores?x=1", [(b"content-type", b"application/json")], b'{"a":1}'
            )
            assert (answer.status, answer.body) == (200, b'{"ok":true}')
        await service.aclose()
    assert server.connections == 1
    assert server.requests[0] == (
        b"POST /scores?x=1 HTTP/1.1\r\nhost: 127.0.0.1:%d\r\ncontent-type: application/json\r\n"
        b'content-length: 7\r\n\r\n{"a":1}' % server.port
    )
    assert answer.headers == [(b"content-type", b"application/json")]  # content-length recomputed


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
        [(b"x-request-id", b"r1")],
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
        answer = await service.request("POST", "/a", [], b"{}")
        await service.aclose()
    assert (answer.status, answer.body) == (200, b"[]")


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

    held: list[asyncio.StreamWriter] = []

    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read(1)

    listener = await asyncio.start_server(never, "127.0.0.1", 0)
    async with listener:
        port = listener.sockets[0].getsockname()[1]
        silent = upstream.HttpUpstream("report", f"http://127.0.0.1:{port}", 0.2, 1.0, 4)
        with pytest.raises(upstream.TimedOut):
            await silent.request("GET", "/healthz", [], b"")
        for writer in held:
            writer.close()
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


async def test_the_gateway_forwards_end_to_end_fields_and_its_signed_identity(
    new_database: NewDatabase,
) -> None:
    async with serving(lambda head, n: ok()) as server:
        settings = gateway_settings(new_database, scoring_url=f"http://127.0.0.1:{server.port}")
        app = create_app(settings, local_settings(new_database))
        async with (
            LifespanManager(app, startup_timeout=60) as manager,
            service_client("http://public.example", manager.app) as client,
        ):
            answer = await client.post(
                "/api/v1/scoring/scores?x=1",
                content=b"{}",
                headers={
                    "x-api-key": ADMIN_KEY,
                    "cookie": "a=b",
                    "connection": "keep-alive, x-private",
                    "expect": "100-continue",
                    "x-jixiao-client-id": "forged",
                    "x-custom": "kept",
                    "content-type": "application/json",
                },
            )
    assert answer.status_code == 200
    assert answer.json() == {"ok": True}
    head = server.requests[-1].decode("latin-1").split("\r\n")
    assert head[0] == "POST /scores?x=1 HTTP/1.1"
    fields = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    assert fields["host"] == f"127.0.0.1:{server.port}"
    assert fields["x-forwarded-prefix"] == "/api/v1/scoring"
    assert fields["x-forwarded-host"] == "public.example"
    assert fields["x-custom"] == "kept"
    assert fields["content-length"] == "2"
    for dropped in ("x-api-key", "cookie", "connection", "expect"):
        assert dropped not in fields
    assert fields["x-jixiao-client-id"] != "forged"
    assert len(fields["x-jixiao-signature"]) == 64


def test_it_runs_on_uvloop_as_under_uvicorn() -> None:
    import uvloop

    async def exchange() -> tuple[int, bytes]:
        async with serving(lambda head, n: ok(b"[1]")) as server:
            service = remote(server)
            answer = await service.request("GET", "/a", [], b"")
            await service.aclose()
        return answer.status, answer.body

    # In a thread of its own: a protocol that uvloop cannot start hangs rather than raises.
    result: list[tuple[int, bytes]] = []
    thread = threading.Thread(target=lambda: result.append(uvloop.run(exchange())), daemon=True)
    thread.start()
    thread.join(10)
    assert result == [(200, b"[1]")]
