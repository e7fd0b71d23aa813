"""Autocommit PostgreSQL connections for the one-statement submit: no session, one round trip.

A sheet stored by one statement (writes.INSERT_ONE) needs no transaction around it: in
autocommit the statement is its own transaction, durable when it returns. Measured here
(bench/survey_profile.py), a session from the engine around that statement cost three round
trips (BEGIN, the statement, COMMIT) and three times the CPU of the statement alone.
"""

import asyncio
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import pq
from sqlalchemy.ext.asyncio import AsyncEngine

Connection = psycopg.AsyncConnection[Any]


class _DeadConnection(Exception):
    """A kept connection that the database closed while it was idle."""


class AutocommitPool:
    """At most `size` autocommit connections, opened when first needed and kept while healthy."""

    def __init__(self, engine: AsyncEngine, size: int) -> None:
        # The engine's own dialect says how it connects (URL, options, type adapters).
        self._args, self._kwargs = engine.dialect.create_connect_args(engine.sync_engine.url)
        self._idle: list[Connection] = []
        self._slots = asyncio.Semaphore(size)

    async def _connect(self) -> Connection:
        return await psycopg.AsyncConnection.connect(
            *self._args, **self._kwargs, autocommit=True, cursor_factory=psycopg.AsyncRawCursor
        )

    async def fetchone(self, query: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
        """Run one statement ($1, $2 … placeholders) in its own transaction; return its first row.

        A kept connection dies quietly when the database restarts, and only its next statement
        finds out: then the kept connections are dropped and the statement is tried once more
        on a new one. Callers' statements must be safe to repeat (ON CONFLICT DO NOTHING).
        """
        try:
            return await self._run(query, params, fresh=False)
        except _DeadConnection:
            await self.close()
            return await self._run(query, params, fresh=True)

    async def _run(self, query: str, params: Sequence[Any], fresh: bool) -> tuple[Any, ...] | None:
        async with self._slots:
            reused = bool(self._idle) and not fresh
            connection = self._idle.pop() if reused else await self._connect()
            try:
                cursor = await connection.execute(query, params)
                row: tuple[Any, ...] | None = await cursor.fetchone()
                return row
            except psycopg.OperationalError as error:
                if reused and connection.broken:
                    raise _DeadConnection from error
                raise
            finally:
                await self._give_back(connection)

    async def _give_back(self, connection: Connection) -> None:
        status = connection.info.transaction_status
        if not connection.closed and status == pq.TransactionStatus.IDLE:
            self._idle.append(connection)
        else:  # broken, or cancelled mid-statement: never lend it again
            await connection.close()

    async def close(self) -> None:
        """Close every idle connection (at shutdown)."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
