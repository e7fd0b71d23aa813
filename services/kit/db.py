"""Database engines and the per-request session: SQLite (embedded) or PostgreSQL (psycopg 3)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

# Constraint names that Alembic can diff and drop on every backend (fastapi-best-practices).
NAMING = {
    "ix": "%(column_0_label)s_idx",
    "uq": "%(table_name)s_%(column_0_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


def async_url(url: str) -> URL:
    """Return the URL with the async driver of its backend (aiosqlite, psycopg)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def sync_url(url: str) -> URL:
    """Return the URL with the blocking driver of its backend (for Alembic and scripts)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite")
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def create_engine(
    url: str, *, pool_size: int = 5, max_overflow: int = 10, pool_pre_ping: bool = True
) -> AsyncEngine:
    """Create the async engine for a database URL, with SQLite tuned for concurrent use."""
    target = async_url(url)
    sizes = {"pool_size": pool_size, "max_overflow": max_overflow}
    if target.get_backend_name() == "sqlite":
        in_memory = target.database in (None, "", ":memory:")  # one shared connection: no pool
        engine = create_async_engine(target, **({} if in_memory else sizes))  # nothing to ping
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(target, pool_pre_ping=pool_pre_ping, **sizes)


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory every request uses."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Open a session that commits at the end of the block and rolls back on error."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yield a session that commits after the handler and rolls back on error."""
    async with transaction(request.state.sessionmaker) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
