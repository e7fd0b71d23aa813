"""Forward /api/v1/<service>/<path> to the service; bodies, statuses and problems pass through.

On the way: the caller's own x-jixiao-* headers and credentials are dropped, the guard admits
the request (key or token, scope, rate), a POST with an Idempotency-Key acts once, the circuit
of the service may refuse at once, and the identity the services trust is signed and added.
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Receive, Scope, Send

from gateway import events, idempotency, scopes, upstream
from gateway.breaker import Breaker
from gateway.guard import Admission, Guard, Refusal
from gateway.metrics import Metrics
from gateway.webhooks import Webhooks
from services.kit import identity, problems

PREFIX = "/api/v1/"
SETTLE_MARGIN_S = 5.0
# The caller's credentials stay here; hop-by-hop fields are the gateway's own to set.
DROPPED = frozenset({b"x-api-key", b"authorization", b"cookie"}) | upstream.HOP_BY_HOP
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


@dataclass
class Parts:
    """What the proxy works with; the gateway's lifespan fills in the parts it starts."""

    max_body_bytes: int
    secret: bytes
    metrics: Metrics
    idempotency_ttl_s: int = 86400
    idempotency_wait_s: float = 10.0
    timeout_s: float = 30.0  # how long a caller waits for a service's answer
    lock_s: float = 60.0  # how long a keyed request may take before its key frees itself
    upstreams: dict[str, upstream.Upstream] = field(default_factory=dict)
    breakers: dict[str, Breaker] = field(default_factory=dict)
    guard: Guard | None = None
    replays: idempotency.Store | None = None
    webhooks: Webhooks | None = None


class Proxy:
    """The ASGI app behind /api/v1/: one upstream per public service segment."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self._background: set[asyncio.Task[Any]] = set()

    @property
    def upstreams(self) -> dict[str, upstream.Upstream]:
        """The services by public segment."""
        return self.parts.upstreams

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        parts = self.parts
        started = time.perf_counter()
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        segment_b, _, tail = raw_path[len(PREFIX) :].partition(b"/")
        segment = segment_b.decode("latin-1")
        service = parts.upstreams.get(segment)
        if service is None:
            names = ", ".join(sorted(parts.upstreams))
            detail = f"No service at {PREFIX}{segment}; try one of: {names}"
            await _problem(scope, receive, send, 404, "Not found", "/problems/not-found", detail)
            return
        method: str = scope["method"]
        path = "/" + tail.decode("latin-1")
        target = path + (
            "?" + scope["query_string"].decode("latin-1") if scope["query_string"] else ""
        )
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        assert parts.guard is not None
        client = scope.get("client")
        address = client[0] if client else "unknown"
        admitted = await parts.guard.admit(
            service.name, scopes.rule(segment, method, path), headers, address
        )
        if isinstance(admitted, Refusal):
            await _problem(
                scope, receive, send, admitted.status, admitted.title, admitted.type,
                admitted.detail, headers=admitted.headers,
            )  # fmt: skip
            self._count(service.name, method, admitted.status, started)
            return
        try:
            body = await read_body(receive, parts.max_body_bytes)
        except BodyTooLarge:
            detail = f"The request body is larger than {parts.max_body_bytes} bytes."
            await _problem(
                scope,
                receive,
                send,
                413,
                "Content too large",
                "/problems/content-too-large",
                detail,
            )
            return
        key = _header(headers, b"idempotency-key") if method == "POST" else None
        answer = await self._once(service, segment, method, target, headers, body, admitted, key)
        extra = admitted.limit.headers() if admitted.limit else []
        if isinstance(answer, _Problem):
            await _problem(
                scope, receive, send, answer.status, answer.title, answer.type, answer.detail,
                headers=extra + answer.headers, **answer.extensions,
            )  # fmt: skip
            self._count(service.name, method, answer.status, started)
            return
        response, replayed = answer
        if replayed:
            extra.append((b"idempotent-replayed", b"true"))
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [
                    *response.headers,
                    (b"content-length", b"%d" % len(response.body)),
                    *extra,
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.body})
        self._count(service.name, method, response.status, started)
        if not replayed and (segment, method) in events.WATCHED:
            self._publish(segment, method, path, response, admitted)

    async def _once(
        self,
        service: upstream.Upstream,
        segment: str,
        method: str,
        target: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        admitted: Admission,
        key: str | None,
    ) -> "tuple[upstream.UpstreamResponse, bool] | _Problem":
        """Forward, or replay what the first request with this Idempotency-Key got."""
        store = self.parts.replays
        if key is None or store is None:
            return await self._forward(service, segment, method, target, headers, body, admitted)
        if not 0 < len(key) <= 255:
            return _Problem(
                422,
                "Invalid request",
                "/problems/invalid-request",
                "Idempotency-Key must be 1 to 255 characters.",
            )
        fp = idempotency.fingerprint(method, target, body)
        wait, lock = self.parts.idempotency_wait_s, self.parts.lock_s
        try:
            claim = await store.claim(admitted.owner, key, fp, lock)
            if claim.state == "busy" and claim.fingerprint == fp:
                claim = await idempotency.wait_for(
                    store, admitted.owner, key, fp, wait_s=wait, lock_s=lock
                )
        except Exception:  # its store is down: the key cannot be held, so do not act at all
            logger.exception("idempotency store failed; request not forwarded")
            detail = "Idempotency-Keys cannot be checked just now; nothing was done. Retry shortly."
            return _unavailable("gateway", detail, retry_after_s=1)
        if claim.fingerprint != fp:
            detail = "This Idempotency-Key was used with another request (method, path or body)."
            return _Problem(
                422, "Idempotency key reused", "/problems/idempotency-key-reused", detail
            )
        if claim.state == "busy":
            detail = "A request with this Idempotency-Key is still being handled; retry shortly."
            return _Problem(409, "Request in progress", "/problems/idempotency-in-progress", detail)
        if claim.state == "done":
            assert claim.response is not None
            return claim.response, True
        # The exchange runs on its own and settles the key, even after the caller was told 504
        # or went away: an answer that comes late is kept for the retry (which gets 409 until
        # then), instead of freeing the key for a second act.
        settle = self._settle(service, segment, method, target, headers, body, admitted, key, fp)
        task = asyncio.create_task(settle)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.parts.timeout_s)
        except TimeoutError:
            self.parts.metrics.upstream_errors.labels(service.name, "timeout").inc()
            return _timed_out(service.name)

    async def _settle(
        self,
        service: upstream.Upstream,
        segment: str,
        method: str,
        target: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        admitted: Admission,
        key: str,
        fp: str,
    ) -> "tuple[upstream.UpstreamResponse, bool] | _Problem":
        """Forward a keyed request and record its outcome for the key."""
        store, owner, parts = self.parts.replays, admitted.owner, self.parts
        assert store is not None
        # Within the key's lock, so no retry can take the key while this may still act.
        within = parts.lock_s - SETTLE_MARGIN_S
        answer = await self._forward(
            service, segment, method, target, headers, body, admitted, timeout_s=within
        )
        try:
            if isinstance(answer, _Problem):
                if not answer.unsure:  # never reached the service: a retry may act
                    await store.release(owner, key)
                # else: it may have acted; the key stays taken until its lock runs out
            elif answer[0].status >= 500:  # the service failed and rolled back: retry may act
                await store.release(owner, key)
            else:
                await store.keep(owner, key, fp, answer[0], parts.idempotency_ttl_s)
        except Exception:  # the answer stands; the key frees itself when its lock runs out
            logger.exception("idempotency store failed after the request was handled")
        return answer

    async def _forward(
        self,
        service: upstream.Upstream,
        segment: str,
        method: str,
        target: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        admitted: Admission,
        timeout_s: float | None = None,
    ) -> "tuple[upstream.UpstreamResponse, bool] | _Problem":
        parts = self.parts
        breaker = parts.breakers.get(service.name)
        if breaker is not None and not breaker.allow():
            parts.metrics.upstream_errors.labels(service.name, "circuit_open").inc()
            detail = (
                f"The {service.name} service is failing; the gateway refuses calls to it for now."
            )
            return _unavailable(service.name, detail, retry_after_s=breaker.retry_after_s())
        forwarded = [(b"x-forwarded-prefix", f"{PREFIX}{segment}".encode())]
        host = forwarded_host = None
        for k, v in headers:
            if k == b"host":
                host = v
            elif k == b"x-forwarded-host":
                forwarded_host = v
            elif k not in DROPPED and not k.startswith(b"x-jixiao-"):
                forwarded.append((k, v))
        # The host the caller used (or a proxy before us saw), so a service can print absolute
        # public links (survey QR codes).
        public_host = forwarded_host or host
        if public_host:
            forwarded.append((b"x-forwarded-host", public_host))
        forwarded += (
            (k.encode(), v.encode())
            for k, v in identity.sign(parts.secret, admitted.identity, method, target)
        )
        started = time.perf_counter()
        try:
            answer = await service.request(method, target, forwarded, body, timeout_s)
        except upstream.Unavailable as exc:
            self._failed(service.name, breaker, "unavailable")
            detail = f"The {service.name} service is not reachable; try again shortly."
            return _unavailable(service.name, detail, unsure=exc.sent)
        except upstream.TimedOut:
            self._failed(service.name, breaker, "timeout")
            return _timed_out(service.name)
        parts.metrics.traffic.upstream_latency.observe(service.name, time.perf_counter() - started)
        if breaker is not None:
            breaker.succeeded()
        return answer, False

    def _failed(self, name: str, breaker: Breaker | None, kind: str) -> None:
        self.parts.metrics.upstream_errors.labels(name, kind).inc()
        if breaker is not None:
            breaker.failed()

    def _count(self, service: str, method: str, status: int, started: float) -> None:
        self.parts.metrics.traffic.answered(service, method, status, time.perf_counter() - started)

    def _publish(
        self,
        segment: str,
        method: str,
        path: str,
        response: upstream.UpstreamResponse,
        admitted: Admission,
    ) -> None:
        event = events.derive(
            segment, method, path, response.status, response.body, admitted.identity.org_id
        )
        hooks = self.parts.webhooks
        if event is None or hooks is None:
            return
        self.parts.metrics.webhook_deliveries.labels(event.type).inc()
        task = asyncio.create_task(hooks.publish(event))
        self._background.add(task)
        task.add_done_callback(self._background.discard)


@dataclass(frozen=True)
class _Problem:
    status: int
    title: str
    type: str
    detail: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    extensions: dict[str, Any] = field(default_factory=dict)
    unsure: bool = False  # the service may have acted on the request before this went wrong


def _unavailable(
    service: str, detail: str, *, retry_after_s: int | None = None, unsure: bool = False
) -> _Problem:
    retry = [] if retry_after_s is None else [(b"retry-after", b"%d" % retry_after_s)]
    return _Problem(
        503,
        problems.ServiceUnavailable.title,
        problems.ServiceUnavailable.type,
        detail,
        retry,
        {"service": service},
        unsure=unsure,
    )


def _timed_out(service: str) -> _Problem:
    return _Problem(
        504,
        problems.GatewayTimeout.title,
        problems.GatewayTimeout.type,
        f"The {service} service did not answer in time.",
        [],
        {"service": service},
        unsure=True,
    )


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


async def _problem(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    title: str,
    type_: str,
    detail: str,
    headers: list[tuple[bytes, bytes]] | None = None,
    **extensions: Any,
) -> None:
    response = problems.problem_response(status, title, type_, detail, scope["path"], **extensions)
    response.raw_headers.extend(headers or [])
    await response(scope, receive, send)
