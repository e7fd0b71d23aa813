"""Idempotency-Key on POST: the first response is kept for 24 h and replayed to repeats.

A key belongs to its caller (a client, or a survey token on the public routes). The first
request takes the key while in flight; a twin arriving meanwhile waits for its answer (then
409); the same key with another method, path or body is 422. Responses of 500 and above are
not kept, so that a request the service rolled back (or never received) can be retried; a
504 is the one case where the service may still have acted: retry it only after a read.
"""

import asyncio
import base64
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, Protocol

import redis.asyncio as redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from gateway.models import IdempotencyRecord
from gateway.upstream import UpstreamResponse
from services.kit.models import utcnow

State = Literal["acquired", "busy", "done"]


@dataclass(frozen=True)
class Claim:
    """What taking a key found: it is ours now, another request holds it, or it is done."""

    state: State
    fingerprint: str
    response: UpstreamResponse | None = None


def fingerprint(method: str, target: str, body: bytes) -> str:
    """Return the hash that tells a repeat from a different request under the same key."""
    digest = hashlib.sha256(f"{method} {target}\n".encode())
    digest.update(body)
    return digest.hexdigest()


class Store(Protocol):
    """Where keys and kept responses live."""

    async def claim(self, owner: str, key: str, fp: str, lock_s: float) -> Claim: ...

    async def keep(
        self, owner: str, key: str, fp: str, response: UpstreamResponse, ttl_s: int
    ) -> None: ...

    async def release(self, owner: str, key: str) -> None: ...


def _as_text(headers: list[tuple[bytes, bytes]]) -> list[list[str]]:
    """Header fields as JSON can keep them."""
    return [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers]


def _as_bytes(pairs: list[list[str]]) -> list[tuple[bytes, bytes]]:
    """Header fields kept by `_as_text`, back as ASGI carries them."""
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


def _encode(fp: str, response: UpstreamResponse | None) -> str:
    if response is None:
        return json.dumps({"fp": fp})
    return json.dumps(
        {
            "fp": fp,
            "status": response.status,
            "headers": _as_text(response.headers),
            "body": base64.b64encode(response.body).decode(),
        }
    )


def _decode(raw: str | bytes) -> Claim:
    data = json.loads(raw)
    if "status" not in data:
        return Claim("busy", data["fp"])
    headers = _as_bytes(data["headers"])
    body = base64.b64decode(data["body"])
    return Claim("done", data["fp"], UpstreamResponse(data["status"], headers, body))


class RedisStore:
    """Keys in Redis: shared by every gateway, expired by Redis itself."""

    def __init__(self, url: str, prefix: str) -> None:
        self.redis = redis.Redis.from_url(url)
        self.prefix = prefix

    def _name(self, owner: str, key: str) -> str:
        return f"{self.prefix}:idempotency:{owner}:{key}"

    async def claim(self, owner: str, key: str, fp: str, lock_s: float) -> Claim:
        name = self._name(owner, key)
        if await self.redis.set(name, _encode(fp, None), nx=True, px=int(lock_s * 1000)):
            return Claim("acquired", fp)
        raw = await self.redis.get(name)
        return Claim("busy", fp) if raw is None else _decode(raw)

    async def keep(
        self, owner: str, key: str, fp: str, response: UpstreamResponse, ttl_s: int
    ) -> None:
        await self.redis.set(self._name(owner, key), _encode(fp, response), ex=ttl_s)

    async def release(self, owner: str, key: str) -> None:
        await self.redis.delete(self._name(owner, key))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.redis.aclose()


class DatabaseStore:
    """Keys in the gateway database (the embedded default): a primary key makes the race."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def claim(self, owner: str, key: str, fp: str, lock_s: float) -> Claim:
        now = utcnow()
        async with self.sessions() as session:
            found = await session.get(IdempotencyRecord, (owner, key))
            if found is not None and found.expires_at <= now:
                await session.delete(found)
                await session.commit()
                found = None
            if found is not None:
                if found.status is None:
                    return Claim("busy", found.fingerprint)
                headers = _as_bytes(found.headers or [])
                kept = UpstreamResponse(found.status, headers, found.body or b"")
                return Claim("done", found.fingerprint, kept)
            expires = now + timedelta(seconds=lock_s)
            session.add(IdempotencyRecord(owner=owner, key=key, fingerprint=fp, expires_at=expires))
            try:
                await session.commit()
            except IntegrityError:
                return Claim("busy", fp)  # a twin took it a moment ago
        return Claim("acquired", fp)

    async def keep(
        self, owner: str, key: str, fp: str, response: UpstreamResponse, ttl_s: int
    ) -> None:
        async with self.sessions() as session:
            record = await session.get(IdempotencyRecord, (owner, key))
            if record is None:
                return
            record.status = response.status
            record.headers = _as_text(response.headers)
            record.body = response.body
            record.expires_at = utcnow() + timedelta(seconds=ttl_s)
            await session.commit()

    async def release(self, owner: str, key: str) -> None:
        async with self.sessions() as session:
            record = await session.get(IdempotencyRecord, (owner, key))
            if record is not None:
                await session.delete(record)
                await session.commit()


async def wait_for(
    store: Store, owner: str, key: str, fp: str, *, wait_s: float, lock_s: float
) -> Claim:
    """Poll a busy key until its first request answers, the key frees, or time runs out."""
    deadline = time.monotonic() + wait_s
    delay = 0.02
    while True:
        claim = await store.claim(owner, key, fp, lock_s)
        if claim.state != "busy" or time.monotonic() >= deadline:
            return claim
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.5)
