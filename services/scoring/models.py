"""Tables of the scoring service: indicator systems (versioned), projects, evaluations, audit.

Systems, projects and evaluations belong to the organisation of the client that made them
(`org_id`); a caller reads what its organisation owns or was shared, and changes only its own.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.kit.models import JsonColumn, UtcDateTime, own_registry, utcnow


class ScoringModel(SQLModel, registry=own_registry()):
    """Base of every scoring table: its own metadata, apart from the other services."""


class IndicatorSystemRecord(ScoringModel, table=True):
    """One version of an indicator system; editing a system stores a new version."""

    __tablename__ = "indicator_system"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    key: uuid.UUID = Field(index=True, description="Shared by every version of one system")
    version: int
    name: str = Field(max_length=500)
    body: dict[str, Any] = Field(sa_column=Column(JsonColumn, nullable=False))
    org_id: str | None = Field(default=None, max_length=100, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    created_by: str | None = Field(default=None, max_length=200)


class ProjectRecord(ScoringModel, table=True):
    """A project: one fund in one year, with its units and its facts."""

    __tablename__ = "project"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=500)
    year: int
    implementing_unit: str | None = Field(default=None, max_length=500)
    commissioning_unit: str | None = Field(default=None, max_length=500)
    org_id: str | None = Field(default=None, max_length=100, index=True)
    created_by: str | None = Field(default=None, max_length=200)
    facts: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonColumn, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class EvaluationRecord(ScoringModel, table=True):
    """An evaluation of a project against one pinned indicator-system version."""

    __tablename__ = "evaluation"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    project_id: uuid.UUID = Field(foreign_key="project.id", index=True)
    system_id: uuid.UUID = Field(foreign_key="indicator_system.id")
    org_id: str | None = Field(default=None, max_length=100, index=True)
    created_by: str | None = Field(default=None, max_length=200)
    status: str = Field(default="draft", max_length=20)
    revision: int = Field(default=1, description="Increases with every change")
    facts: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonColumn, nullable=False)
    )
    judgements: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonColumn, nullable=False)
    )
    reported: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonColumn, nullable=False)
    )
    texts: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonColumn, nullable=False)
    )
    sources: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JsonColumn, nullable=False),
        description="Where a fact came from, e.g. a survey's result and its n",
    )
    result: dict[str, Any] | None = Field(
        default=None,
        sa_column=Column(JsonColumn, nullable=True),
        description="The result frozen at finalization; recomputed while not finalized",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class AuditEntry(ScoringModel, table=True):
    """One change to an evaluation: who, when, what, old and new, why. Append-only."""

    __tablename__ = "audit_entry"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    evaluation_id: uuid.UUID = Field(foreign_key="evaluation.id", index=True)
    revision: int = Field(description="The evaluation's revision this change produced")
    position: int = Field(description="Order of the entry within that revision")
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=50)
    field: str | None = Field(default=None, max_length=500)
    old: Any = Field(default=None, sa_column=Column(JsonColumn, nullable=True))
    new: Any = Field(default=None, sa_column=Column(JsonColumn, nullable=True))
    reason: str | None = Field(default=None, max_length=10_000)
