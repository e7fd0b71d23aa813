"""Webhook deliveries: stored per subscription, signed, retried with backoff, logged per try.

A receiver checks `Jixiao-Signature: t=<unix time>,v1=<hex>` where the hex is HMAC-SHA256 of
`<t>.<body>` keyed with the subscription's secret, and refuses old timestamps. Deliveries live
in the gateway database, so they survive restarts; several gateways share the work by claiming
a delivery (`locked_until`) before sending it.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from gateway.directory import Directory
from gateway.events import EVENTS, Event
from gateway.models import Attempt, Delivery, Subscription
from services.kit.models import utcnow

logger = logging.getLogger("jixiao.gateway.webhooks")
BATCH = 20
POLL_S = 1.0
MAX_BACKOFF_S = 3600.0


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the Jixiao-Signature header value for a body sent at a time."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Webhooks:
    """Turn events into deliveries and send them until each is delivered or given up."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: Directory,
        *,
        max_attempts: int,
        backoff_s: float,
        timeout_s: float,
    ) -> None:
        self.sessions = sessions
        self.directory = directory
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.wake = asyncio.Event()

    async def publish(self, event: Event) -> int:
        """Store one delivery per subscription allowed to see the event; return how many."""
        needed = EVENTS[event.type]
        async with self.sessions() as session:
            subscriptions = (
                await session.exec(select(Subscription).where(col(Subscription.active)))
            ).all()
            made = 0
            for subscription in subscriptions:
                caller = self.directory.by_client.get(str(subscription.client_id))
                if caller is None or event.type not in subscription.events:
                    continue
                if needed not in caller.scopes or event.org_id not in caller.readable_orgs:
                    continue
                session.add(
                    Delivery(
                        subscription_id=subscription.id,
                        event_id=event.id,
                        event=event.type,
                        payload=event.payload(),
                    )
                )
                made += 1
            await session.commit()
        if made:
            self.wake.set()
        return made

    async def run(self) -> None:
        """Send due deliveries until cancelled."""
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            while True:
                try:
                    await asyncio.gather(*(self._send(client, d) for d in await self._claim()))
                except Exception:  # the loop must outlive a database hiccup
                    logger.exception("webhook round failed")
                self.wake.clear()
                try:
                    await asyncio.wait_for(self.wake.wait(), POLL_S)
                except TimeoutError:
                    pass

    async def _claim(self) -> list[Delivery]:
        now = utcnow()
        lock = now + timedelta(seconds=self.timeout_s + 5)
        claimed: list[Delivery] = []
        async with self.sessions() as session:
            due = select(Delivery).where(
                Delivery.status == "pending",
                col(Delivery.next_attempt_at) <= now,
                or_(col(Delivery.locked_until).is_(None), col(Delivery.locked_until) < now),
            )
            for delivery in (await session.exec(due.limit(BATCH))).all():
                taken = await session.exec(
                    update(Delivery)
                    .where(col(Delivery.id) == delivery.id)
                    .where(
                        or_(col(Delivery.locked_until).is_(None), col(Delivery.locked_until) < now)
                    )
                    .values(locked_until=lock)
                )
                if taken.rowcount == 1:
                    claimed.append(delivery)
            await session.commit()
        return claimed

    async def _send(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        async with self.sessions() as session:
            subscription = await session.get(Subscription, delivery.subscription_id)
        if subscription is None:
            return
        body = json.dumps(delivery.payload, ensure_ascii=False).encode()
        headers = {
            "content-type": "application/json",
            "jixiao-event": delivery.event,
            "jixiao-delivery": str(delivery.id),
            "jixiao-signature": signature(subscription.secret, int(time.time()), body),
        }
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            response = await client.post(subscription.url, content=body, headers=headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        await self._record(delivery, status, error, (time.perf_counter() - started) * 1000)

    async def _record(
        self, delivery: Delivery, status: int | None, error: str | None, duration_ms: float
    ) -> None:
        async with self.sessions() as session:
            row = await session.get(Delivery, delivery.id)
            if row is None:
                return
            row.attempts += 1
            session.add(
                Attempt(
                    delivery_id=row.id,
                    number=row.attempts,
                    status_code=status,
                    error=error,
                    duration_ms=round(duration_ms, 2),
                )
            )
            row.locked_until = None
            if status is not None and 200 <= status < 300:
                row.status, row.delivered_at = "delivered", utcnow()
            elif row.attempts >= self.max_attempts:
                row.status = "failed"
            else:
                wait = min(self.backoff_s * 2 ** (row.attempts - 1), MAX_BACKOFF_S)
                row.next_attempt_at = utcnow() + timedelta(seconds=wait)
            await session.commit()
        if status is None or not 200 <= status < 300:
            logger.info("webhook delivery %s failed: %s", delivery.id, error or status)
