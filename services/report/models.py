"""Tables of the report service: document jobs."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from services.kit.models import JsonColumn, UtcDateTime, own_registry, utcnow


class ReportModel(SQLModel, registry=own_registry()):
    """Base of every report table: its own metadata, apart from the other services."""


class JobRecord(ReportModel, table=True):
    """A request to make one document; it survives restarts of the service."""

    __tablename__ = "job"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=50)
    state: str = Field(default="queued", max_length=20, index=True)
    params: dict[str, Any] = Field(sa_column=Column(JsonColumn, nullable=False))
    error: str | None = Field(default=None, max_length=10_000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
