"""Forward /api/v1/<service>/<path> to the service; bodies, statuses and problems pass through."""

import logging
from typing import Any

from starlette.types import Receive, Scope, Send

from gateway import upstream
from services.kit import problems

PREFIX = "/api/v1/"
logger = logging.getLogger("jixiao.gateway")


class BodyTooLarge(Exception):
    """The request body is larger than the gateway accepts."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """Read the whole request body, refusing one over the limit."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


class Proxy:
    """The ASGI app behind /api/v1/: one upstream per public service segment."""

    def __init__(self, max_body_bytes: int) -> None:
        self.upstreams: dict[str, upstream.Upstream] = {}  # filled by the gateway's lifespan
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        segment, _, tail = raw_path[len(PREFIX) :].partition(b"/")
        service = self.upstreams.get(segment.decode("latin-1"))
        if service is None:
            names = ", ".join(sorted(self.upstreams))
            await self._problem(
                scope,
                receive,
                send,
                404,
                "Not found",
                "/problems/not-found",
                f"No service at {PREFIX}{segment.decode('latin-1')}; try one of: {names}",
            )
            return
        target = "/" + tail.decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        try:
            body = await read_body(receive, self.max_body_bytes)
        except BodyTooLarge:
            await self._problem(
                scope,
                receive,
                send,
                413,
                "Content too large",
                "/problems/content-too-large",
                f"The request body is larger than {self.max_body_bytes} bytes.",
            )
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        headers.append(("x-forwarded-prefix", PREFIX + segment.decode("latin-1")))
        try:
            answer = await service.request(scope["method"], target, headers, body)
        except upstream.Unavailable:
            await self._problem(
                scope,
                receive,
                send,
                503,
                problems.ServiceUnavailable.title,
                problems.ServiceUnavailable.type,
                f"The {service.name} service is not reachable; try again shortly.",
                service=service.name,
            )
            return
        except upstream.TimedOut:
            await self._problem(
                scope,
                receive,
                send,
                504,
                problems.GatewayTimeout.title,
                problems.GatewayTimeout.type,
                f"The {service.name} service did not answer in time.",
                service=service.name,
            )
            return
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [
                    *((k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers),
                    (b"content-length", str(len(answer.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})

    @staticmethod
    async def _problem(
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        title: str,
        type_: str,
        detail: str,
        **extensions: Any,
    ) -> None:
        response = problems.problem_response(
            status, title, type_, detail, scope["path"], **extensions
        )
        await response(scope, receive, send)
