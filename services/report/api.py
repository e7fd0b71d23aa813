"""HTTP routes of the report service: document jobs, downloads and uploaded templates."""

import asyncio
import hashlib
import uuid
from typing import Annotated, Literal
from urllib.parse import quote

import httpx
from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kit.db import SessionDep
from services.kit.identity import Identity, IdentityDep
from services.kit.problems import problem_responses
from services.report import clients, data, errors, jobs, placeholders, render
from services.report.models import DocumentRecord, JobRecord, TemplateRecord
from services.report.render import custom
from services.report.schemas import (
    DataNames,
    DocumentPublic,
    DocumentRequest,
    JobPublic,
    TemplatePublic,
    TemplatesPublic,
)
from services.report.worker import Worker

router = APIRouter(tags=["reports"])
DOCX = render.MEDIA_TYPES["docx"]
UPLOAD_TYPES = (DOCX, "application/octet-stream")


def scoring_client(request: Request) -> httpx.AsyncClient:
    """Return the client of the scoring service opened in the lifespan."""
    client: httpx.AsyncClient = request.state.scoring
    return client


ScoringDep = Annotated[httpx.AsyncClient, Depends(scoring_client)]


def public(request: Request, path: str) -> str:
    """Return a path as the caller sees it (behind the gateway: with its prefix)."""
    return request.headers.get("x-forwarded-prefix", "") + path


def document_public(request: Request, record: DocumentRecord) -> DocumentPublic:
    """Describe a stored document and where to download it."""
    return DocumentPublic.model_validate(
        {
            **record.model_dump(exclude={"content"}),
            "url": public(request, f"/documents/{record.id}"),
        }
    )


async def job_public(session: AsyncSession, request: Request, job: JobRecord) -> JobPublic:
    """Describe a job, with its document once there is one."""
    document = None
    if job.document_id is not None:
        query = select(DocumentRecord).where(DocumentRecord.id == job.document_id)
        record = (await session.exec(query.options(defer(DocumentRecord.content)))).one()  # type: ignore[arg-type]
        document = document_public(request, record)
    return JobPublic.model_validate(
        {**job.model_dump(), "url": public(request, f"/jobs/{job.id}"), "document": document}
    )


async def readable_template(
    session: AsyncSession, caller: Identity, template_id: uuid.UUID
) -> TemplateRecord:
    """Return a template the caller's organisation may read, or raise TemplateNotFound."""
    template = await session.get(TemplateRecord, template_id)
    if template is None or not caller.may_read(template.org_id):
        raise errors.TemplateNotFound(f"No template {template_id}")
    return template


async def chosen_template(
    session: AsyncSession, caller: Identity, body: DocumentRequest
) -> TemplateRecord | None:
    """Return the uploaded template a request names, checked against the request and the data."""
    if body.template_id is None:
        return None
    template = await readable_template(session, caller, body.template_id)
    wrong = []
    if body.format != "docx":
        wrong.append({"path": "body.format", "message": "an uploaded template makes DOCX only"})
    if template.kind != body.kind:
        wrong.append({"path": "body.kind", "message": f"the template is for a {template.kind}"})
    # The data names come with the code: a name a template used may be gone after an upgrade.
    known = set(data.dotted(data.names()))
    wrong += [
        {"path": name, "message": f"unknown placeholder {name}"}
        for name in template.placeholders
        if name not in known
    ]
    if wrong:
        raise errors.InvalidTemplate("; ".join(w["message"] for w in wrong), wrong)
    return template


@router.post(
    "/evaluations/{evaluation_id}/documents",
    status_code=202,
    response_model=JobPublic,
    summary="Ask for a document of an evaluation; the job's Location is returned at once",
    responses=problem_responses(
        errors.EvaluationNotFound,
        errors.TemplateNotFound,
        errors.EvaluationIncomplete,
        errors.UpstreamFailed,
        errors.UpstreamUnavailable,
    ),
)
async def create_document(
    evaluation_id: uuid.UUID,
    body: DocumentRequest,
    session: SessionDep,
    scoring: ScoringDep,
    caller: IdentityDep,
    request: Request,
    response: Response,
    background: BackgroundTasks,
) -> JobPublic:
    template = await chosen_template(session, caller, body)
    evaluation = await clients.evaluation(scoring, evaluation_id)
    if evaluation.result is None or not evaluation.result.complete:
        pending = evaluation.result.pending if evaluation.result else []
        raise errors.EvaluationIncomplete(
            "A document needs a completely scored evaluation", pending=pending
        )
    job = await jobs.enqueue(
        session,
        caller=caller,
        evaluation_id=evaluation_id,
        revision=evaluation.revision,
        kind=body.kind,
        fmt=body.format,
        template=template,
    )
    await session.flush()
    worker: Worker | None = request.state.worker
    if worker is not None and job.state == "queued":
        background.add_task(worker.notify)  # after the commit, so the worker sees the job
    response.headers["Location"] = public(request, f"/jobs/{job.id}")
    return await job_public(session, request, job)


@router.get(
    "/jobs/{job_id}",
    response_model=JobPublic,
    summary="Read a document job: queued, running, done (with its document) or failed",
    responses=problem_responses(errors.JobNotFound),
)
async def get_job(
    job_id: uuid.UUID,
    session: SessionDep,
    caller: IdentityDep,
    request: Request,
    response: Response,
) -> JobPublic:
    job = await session.get(JobRecord, job_id)
    if job is None or not caller.may_read(job.org_id):
        raise errors.JobNotFound(f"No job {job_id}")
    if job.state in jobs.ACTIVE:
        response.headers["Retry-After"] = "1"
    return await job_public(session, request, job)


def content_disposition(filename: str, fallback: str) -> str:
    """Return an attachment header with a Chinese file name (RFC 6266, RFC 8187)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    "/documents/{document_id}",
    response_class=Response,
    summary="Download a made document",
    responses={
        200: {"content": {t: {} for t in render.MEDIA_TYPES.values()}, "description": "The file"},
        304: {"description": "Not modified (If-None-Match)"},
        **problem_responses(errors.DocumentNotFound),
    },
)
async def download_document(
    document_id: uuid.UUID, session: SessionDep, caller: IdentityDep, request: Request
) -> Response:
    record = await session.get(DocumentRecord, document_id)
    if record is None or not caller.may_read(record.org_id):
        raise errors.DocumentNotFound(f"No document {document_id}")
    etag = f'"{record.sha256}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=86400"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    fallback = (
        f"{render.ASCII_NAMES[record.kind]}-{record.evaluation_id.hex[:8]}-r{record.revision}"
    )
    headers["Content-Disposition"] = content_disposition(
        record.filename, f"{fallback}.{record.format}"
    )
    return Response(record.content, media_type=record.media_type, headers=headers)


@router.get(
    "/templates/names",
    response_model=DataNames,
    summary="List the data names an uploaded template may use",
)
async def list_data_names() -> DataNames:
    return DataNames(names=data.dotted(data.names()))


async def read_upload(request: Request, limit: int) -> bytes:
    """Read a request body, refusing one larger than the limit before reading it all."""
    if request.headers.get("content-type", "").split(";")[0].strip() not in UPLOAD_TYPES:
        raise errors.UnsupportedTemplate(f"Send the template as {DOCX}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise errors.TemplateTooLarge(f"A template may have at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/templates",
    status_code=201,
    response_model=TemplatePublic,
    summary="Upload a DOCX template; every placeholder is checked against the data names",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses=problem_responses(
        errors.InvalidTemplate, errors.TemplateTooLarge, errors.UnsupportedTemplate
    ),
)
async def upload_template(
    session: SessionDep,
    caller: IdentityDep,
    request: Request,
    response: Response,
    name: Annotated[str, Query(min_length=1, max_length=200)],
    kind: Literal["report", "notice"] = "report",
) -> TemplateRecord:
    content = await read_upload(request, request.state.settings.max_template_bytes)
    try:
        report = await asyncio.to_thread(custom.check, content)
    except custom.NotDocx as exc:
        raise errors.UnsupportedTemplate(str(exc)) from None
    except custom.Oversized as exc:
        raise errors.TemplateTooLarge(str(exc)) from None
    if report.problems:
        found = [{"path": p["placeholder"], "message": p["message"]} for p in report.problems]
        raise errors.InvalidTemplate(placeholders.describe(report), found)
    record = TemplateRecord(
        org_id=caller.org_id,
        created_by=caller.client_id,
        name=name,
        kind=kind,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        placeholders=placeholders.used(report),
        content=content,
    )
    session.add(record)
    await session.flush()
    response.headers["Location"] = public(request, f"/templates/{record.id}")
    return record


@router.get("/templates", response_model=TemplatesPublic, summary="List uploaded templates")
async def list_templates(session: SessionDep, caller: IdentityDep) -> TemplatesPublic:
    query = select(TemplateRecord).options(defer(TemplateRecord.content))  # type: ignore[arg-type]
    if not caller.internal:
        query = query.where(col(TemplateRecord.org_id).in_(caller.readable_orgs))
    records = (await session.exec(query.order_by(col(TemplateRecord.created_at).desc()))).all()
    return TemplatesPublic(
        items=[TemplatePublic.model_validate(r, from_attributes=True) for r in records]
    )


@router.get(
    "/templates/{template_id}",
    response_model=TemplatePublic,
    summary="Read an uploaded template's description",
    responses=problem_responses(errors.TemplateNotFound),
)
async def get_template(
    template_id: uuid.UUID, session: SessionDep, caller: IdentityDep
) -> TemplateRecord:
    return await readable_template(session, caller, template_id)
