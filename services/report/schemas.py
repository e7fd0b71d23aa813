"""Request and response bodies of the report API (the tables live in models.py)."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DocumentRequest(BaseModel):
    """Which document to make of an evaluation."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["report", "notice"] = Field(
        default="report", description="report: 绩效评价报告; notice: 绩效评价结果反馈告知书"
    )
    format: Literal["docx", "pdf", "html", "md"] = "pdf"
    template_id: uuid.UUID | None = Field(
        default=None, description="An uploaded DOCX template (format must be docx)"
    )


class DocumentPublic(BaseModel):
    """A made document: where to download it, and what it was made from."""

    id: uuid.UUID
    url: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    data_sha256: str = Field(description="SHA-256 of the data the document was made from")
    template_sha256: str = Field(description="SHA-256 of the template or built-in layout")
    revision: int
    created_at: datetime


class JobPublic(BaseModel):
    """A document job and, once done, its document."""

    id: uuid.UUID
    url: str
    state: Literal["queued", "running", "done", "failed"]
    evaluation_id: uuid.UUID
    revision: int
    kind: str
    format: str
    template_id: uuid.UUID | None
    attempts: int
    error: str | None
    document: DocumentPublic | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class TemplatePublic(BaseModel):
    """An uploaded DOCX template and the data names it uses."""

    id: uuid.UUID
    name: str
    kind: str
    sha256: str
    size_bytes: int
    placeholders: list[str]
    created_at: datetime


class TemplatesPublic(BaseModel):
    """Uploaded templates, newest first."""

    items: list[TemplatePublic]


class DataNames(BaseModel):
    """Every name a template may use; `[]` marks the items of a list (loop over it)."""

    names: list[str]
