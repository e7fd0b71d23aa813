"""Base-class factory giving each service its own SQLModel metadata and registry."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator

from services.kit.db import NAMING

# JSON on SQLite, JSONB on PostgreSQL: one column type for both backends.
JsonColumn: Any = JSON().with_variant(JSONB(), "postgresql")


def own_registry() -> registry:
    """Return a registry with its own metadata, so services can share one process."""
    return registry(metadata=MetaData(naming_convention=NAMING))


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use services.kit.models.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)
