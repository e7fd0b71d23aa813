"""Tables of the report service: document jobs, the documents they made, uploaded templates.

Every row belongs to the organisation of the caller who made it (`org_id`); a caller reads
only what its organisation may read. Documents are stored in the database as bytes, not under
var/: they are small (tens to hundreds of kilobytes), a job and its document then commit
together, every replica of the service sees them without a shared volume, and one database
backup holds everything the service owns.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from services.kit.models import JsonColumn, UtcDateTime, own_registry, utcnow


class ReportModel(SQLModel, registry=own_registry()):
    """Base of every report table: its own metadata, apart from the other services."""


class TemplateRecord(ReportModel, table=True):
    """A bureau's own DOCX template; its placeholders were checked when it was uploaded."""

    __tablename__ = "template"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: str | None = Field(default=None, max_length=100, index=True)
    created_by: str = Field(max_length=200)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20, description="report or notice")
    sha256: str = Field(max_length=64)
    size_bytes: int
    placeholders: list[str] = Field(sa_column=Column(JsonColumn, nullable=False))
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class DocumentRecord(ReportModel, table=True):
    """A made document, found again by its cache key (evaluation revision, template, format)."""

    __tablename__ = "document"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: str | None = Field(default=None, max_length=100)
    cache_key: str = Field(max_length=64, unique=True, description="Includes the organisation")
    evaluation_id: uuid.UUID = Field(index=True)
    revision: int
    kind: str = Field(max_length=20)
    format: str = Field(max_length=10)
    template_id: uuid.UUID | None = Field(default=None, foreign_key="template.id")
    media_type: str = Field(max_length=200)
    filename: str = Field(max_length=300)
    size_bytes: int
    sha256: str = Field(max_length=64, description="Of the document's bytes")
    data_sha256: str = Field(max_length=64, description="Of the data it was made from")
    template_sha256: str = Field(max_length=64, description="Of the template or built-in layout")
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class JobRecord(ReportModel, table=True):
    """A request to make one document; it survives restarts of the service."""

    __tablename__ = "job"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    org_id: str | None = Field(default=None, max_length=100)
    caller: dict[str, Any] = Field(
        sa_column=Column(JsonColumn, nullable=False),
        description="Who asked: the worker reads the evaluation as this caller",
    )
    evaluation_id: uuid.UUID = Field(index=True)
    revision: int = Field(description="The evaluation's revision the document is made from")
    kind: str = Field(max_length=20)
    format: str = Field(max_length=10)
    template_id: uuid.UUID | None = Field(default=None, foreign_key="template.id")
    cache_key: str = Field(max_length=64, index=True)
    state: str = Field(default="queued", max_length=20, index=True)
    attempts: int = 0
    claim_token: uuid.UUID | None = Field(default=None, description="Set by the worker holding it")
    lease_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    document_id: uuid.UUID | None = Field(default=None, foreign_key="document.id")
    error: str | None = Field(default=None, max_length=10_000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
