"""Tables of the survey service: questionnaires (versioned)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.kit.models import JsonColumn, UtcDateTime, own_registry, utcnow


class SurveyModel(SQLModel, registry=own_registry()):
    """Base of every survey table: its own metadata, apart from the other services."""


class QuestionnaireRecord(SurveyModel, table=True):
    """One version of a questionnaire; editing a questionnaire stores a new version."""

    __tablename__ = "questionnaire"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    key: uuid.UUID = Field(index=True, description="Shared by every version of one questionnaire")
    version: int
    name: str = Field(max_length=500)
    body: dict[str, Any] = Field(sa_column=Column(JsonColumn, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
