"""The gateway's in-memory copy of clients and keys: key checks never wait for the database.

Each process reloads the copy when the directory revision in the database moves (polled every
`directory_refresh_s`, at most 5 s), so a revocation made anywhere holds everywhere in time.
Last-used times are gathered in memory and written in one batch every few seconds.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from gateway import keys
from gateway.models import ApiClient, ApiKey, Share
from services.kit.identity import Identity

logger = logging.getLogger("jixiao.gateway")
FLUSH_EVERY_S = 5.0


@dataclass(frozen=True)
class Caller:
    """An authenticated client as one request sees it."""

    client_id: str
    name: str
    org_id: str
    scopes: frozenset[str]
    readable_orgs: frozenset[str]
    rates: Mapping[str, str]
    key_id: uuid.UUID | None = None
    expires_at: float | None = None  # epoch seconds; None: never

    @cached_property  # one per caller, so its signed header texts are made once too
    def identity(self) -> Identity:
        """Return the identity the services are told about."""
        return Identity(self.client_id, self.org_id, self.scopes, self.readable_orgs)


class Directory:
    """Valid keys by their hash, loaded from the gateway database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], pepper: bytes) -> None:
        self.sessions = sessions
        self.pepper = pepper
        self.by_digest: dict[str, Caller] = {}
        self.by_key_id: dict[uuid.UUID, Caller] = {}
        self.by_client: dict[str, Caller] = {}
        self.revision = -1
        self._used: dict[uuid.UUID, float] = {}

    def lookup(self, key: str) -> Caller | None:
        """Return the caller holding a key, unless it is unknown, revoked or expired."""
        caller = self.by_digest.get(keys.digest(key, self.pepper))
        return self._valid(caller)

    def by_key(self, key_id: uuid.UUID) -> Caller | None:
        """Return the caller of a key id (for tokens made with that key), if still valid."""
        return self._valid(self.by_key_id.get(key_id))

    def _valid(self, caller: Caller | None) -> Caller | None:
        if caller is None:
            return None
        now = time.time()
        if caller.expires_at is not None and caller.expires_at <= now:
            return None
        if caller.key_id is not None:
            self._used[caller.key_id] = now
        return caller

    async def refresh(self) -> bool:
        """Reload when the revision moved; return whether it did."""
        async with self.sessions() as session:
            current = await keys.revision(session)
            if current == self.revision:
                return False
            await self._load(session, current)
        return True

    async def _load(self, session: AsyncSession, revision: int) -> None:
        shares = (await session.exec(select(Share))).all()
        clients = {
            c.id: c for c in (await session.exec(select(ApiClient).where(~col(ApiClient.disabled))))
        }
        valid = select(ApiKey).where(col(ApiKey.revoked_at).is_(None))
        by_digest: dict[str, Caller] = {}
        by_key_id: dict[uuid.UUID, Caller] = {}
        for key in (await session.exec(valid)).all():
            client = clients.get(key.client_id)
            if client is None:
                continue
            org = str(client.organisation_id)
            readable = {org} | {str(s.owner_id) for s in shares if str(s.reader_id) == org}
            caller = Caller(
                client_id=str(client.id),
                name=client.name,
                org_id=org,
                scopes=frozenset(client.scopes),
                readable_orgs=frozenset(readable),
                rates=dict(client.rates),
                key_id=key.id,
                expires_at=None if key.expires_at is None else key.expires_at.timestamp(),
            )
            by_digest[key.digest] = caller
            by_key_id[key.id] = caller
        self.by_client = {c.client_id: c for c in by_key_id.values()}
        self.by_digest, self.by_key_id, self.revision = by_digest, by_key_id, revision

    async def flush(self) -> None:
        """Write the last-used times gathered since the previous flush."""
        used, self._used = self._used, {}
        if not used:
            return
        async with self.sessions() as session:
            await keys.touch(session, {k: datetime.fromtimestamp(t, UTC) for k, t in used.items()})
            await session.commit()

    async def run(self, refresh_s: float) -> None:
        """Keep the copy fresh and last-used times written, until cancelled."""
        last_flush = time.monotonic()
        while True:
            await asyncio.sleep(refresh_s)
            try:
                await self.refresh()
                if time.monotonic() - last_flush >= FLUSH_EVERY_S:
                    last_flush = time.monotonic()
                    await self.flush()
            except Exception:  # a database hiccup must not stop the loop
                logger.exception("directory refresh failed")
