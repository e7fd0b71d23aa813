"""Clients that retry a request until it is acknowledged, and what they were told on the way."""

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

PROBLEM = "application/problem+json"
IN_PROGRESS = "/problems/idempotency-in-progress"


@dataclass
class Delivery:
    """One logical request and every answer its attempts got (0: no answer at all)."""

    key: str
    statuses: list[int] = field(default_factory=list)
    answer: httpx.Response | None = None  # the final one: 2xx, a refusal, or the last failure

    @property
    def acknowledged(self) -> bool:
        """Say whether the client was finally told that the request succeeded."""
        return self.answer is not None and 200 <= self.answer.status_code < 300


@dataclass
class Log:
    """What every client saw: deliveries, and the bodies of the gateway's 503s."""

    deliveries: list[Delivery] = field(default_factory=list)
    unavailable: list[dict[str, Any]] = field(default_factory=list)
    server_errors: list[dict[str, Any]] = field(default_factory=list)
    progress: asyncio.Event = field(default_factory=asyncio.Event)  # set on each acknowledgement

    def acknowledged(self) -> list[Delivery]:
        """Return the deliveries that were finally acknowledged."""
        return [d for d in self.deliveries if d.acknowledged]

    def failed(self) -> list[Delivery]:
        """Return the deliveries whose client was finally told that they failed."""
        return [d for d in self.deliveries if not d.acknowledged]

    async def more(self, count: int, timeout_s: float = 60.0) -> None:
        """Wait until `count` more deliveries than now have been acknowledged."""
        wanted = len(self.acknowledged()) + count
        async with asyncio.timeout(timeout_s):
            while len(self.acknowledged()) < wanted:
                self.progress.clear()
                await self.progress.wait()


def retryable(response: httpx.Response) -> bool:
    """Say whether a client should send the same request again: 5xx, 429, a busy key."""
    if response.status_code >= 500 or response.status_code == 429:
        return True
    if response.status_code == 409 and response.headers.get("content-type") == PROBLEM:
        return bool(response.json().get("type") == IN_PROGRESS)
    return False


def _seen(response: httpx.Response) -> dict[str, Any]:
    """Return a failure as the test keeps it: its media type and body."""
    seen: dict[str, Any] = {"status": response.status_code}
    seen["content_type"] = response.headers.get("content-type")
    try:
        seen["body"] = response.json()
    except ValueError:
        seen["body"] = response.text
    return seen


async def deliver(
    client: httpx.AsyncClient,
    log: Log,
    key: str,
    method: str,
    url: str,
    *,
    give_up_s: float,
    pause_s: float = 0.05,
    max_pause_s: float = 0.4,
    **kwargs: Any,
) -> Delivery:
    """Send a request again and again, unchanged, until it is answered for good or time is up.

    The pause between attempts doubles up to `max_pause_s`, as a polite client's would.
    """
    delivery = Delivery(key)
    log.deliveries.append(delivery)
    deadline = time.monotonic() + give_up_s
    while True:
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.TransportError:
            delivery.statuses.append(0)
        else:
            delivery.statuses.append(response.status_code)
            delivery.answer = response
            if response.status_code == 503:
                log.unavailable.append(_seen(response))
            elif response.status_code >= 500:
                log.server_errors.append(_seen(response))
            if not retryable(response):
                log.progress.set()
                return delivery
        if time.monotonic() >= deadline:
            return delivery
        await asyncio.sleep(pause_s)
        pause_s = min(pause_s * 2, max_pause_s)
