"""Spreadsheets over HTTP: import systems and facts (multipart uploads), export XLSX and CSV."""

import uuid
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile
from starlette.types import Message

from services.kit.db import SessionDep
from services.kit.problems import FieldError, InvalidRequest, Problem, problem_responses
from services.scoring import engine, errors, rules, schemas, service, store
from services.scoring.api.deps import CallerDep
from services.scoring.api.scores import compiled_choice
from services.scoring.api.systems import summary
from services.scoring.excel import facts, importer, projects, report, workbook
from services.scoring.system import IndicatorSystem, Issue

router = APIRouter(tags=["spreadsheets"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
Format = Annotated[Literal["xlsx", "csv"], Query(description="xlsx (default) or csv (UTF-8, BOM)")]
# Multipart framing around the file: boundaries, part headers and the small form fields.
FORM_OVERHEAD_BYTES = 64 * 1024


class FileTooLarge(Problem):
    status, title, type = 413, "File too large", "/problems/file-too-large"


class UnreadableFile(InvalidRequest):
    type, title = "/problems/unreadable-file", "Unreadable spreadsheet"


class InvalidSheet(InvalidRequest):
    """A sheet that cannot become a system: every cell at fault by its Excel address."""

    type, title = "/problems/invalid-sheet", "Invalid spreadsheet"


class InvalidFacts(InvalidRequest):
    """Facts rows with unknown columns or bad values, each by its Excel address."""

    type, title = "/problems/invalid-facts", "Invalid facts"


class SystemImport(BaseModel):
    """What an import made (and stored, unless it was a dry run)."""

    stored: schemas.SystemSummary | None
    system: IndicatorSystem
    report: report.ImportReport
    judgements: dict[str, rules.Judgement]
    facts: dict[str, schemas.FactValue]


class FactsImport(BaseModel):
    """The rows stored, and the rows left out with why (when the good rows were kept)."""

    created: int
    updated: int
    projects: list[projects.ImportedProject]
    errors: list[FieldError]


def _cell_errors(issues: list[Issue]) -> list[dict[str, str]]:
    return [{"path": issue.path, "message": issue.message} for issue in issues]


async def upload(request: Request) -> tuple[bytes, dict[str, str]]:
    """Read a multipart upload's `file` and fields, refusing a body over the size limit."""
    limit = workbook.MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        most = workbook.MAX_UPLOAD_BYTES
        raise FileTooLarge(f"the upload has {declared} bytes; files of at most {most} are accepted")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise FileTooLarge(f"files of at most {workbook.MAX_UPLOAD_BYTES} bytes are accepted")

    async def replay() -> Message:
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=20)
    except Exception as error:  # malformed multipart; Starlette raises several kinds
        raise UnreadableFile(
            "the body is not a multipart form with a file",
            [{"path": "body", "message": str(error)}],
        ) from None
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            message = [{"path": "body.file", "message": "Field required"}]
            raise InvalidRequest("a file is required", message)
        data = await file.read()
    finally:
        await form.close()
    if len(data) > workbook.MAX_UPLOAD_BYTES:
        raise FileTooLarge(f"files of at most {workbook.MAX_UPLOAD_BYTES} bytes are accepted")
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    return data, fields


def _flag(fields: dict[str, str], name: str) -> bool:
    value = fields.get(name, "false").strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise InvalidRequest(
            f"{name} must be true or false",
            [{"path": f"body.{name}", "message": "must be true or false"}],
        )
    return value in ("true", "1", "yes", "on")


def _unreadable(error: workbook.Unreadable | workbook.TooLarge) -> Problem:
    if isinstance(error, workbook.TooLarge):
        return FileTooLarge(str(error))
    return UnreadableFile(str(error), [{"path": "body.file", "message": str(error)}])


UPLOAD = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        }
    }
}


@router.post(
    "/imports/systems",
    response_model=SystemImport,
    summary="Import an indicator system from XLSX/CSV in the seed layout (dry_run: store nothing)",
    openapi_extra=UPLOAD,
    responses=problem_responses(FileTooLarge, InvalidSheet, UnreadableFile),
)
async def import_system(
    request: Request, response: Response, session: SessionDep, caller: CallerDep
) -> SystemImport:
    data, fields = await upload(request)
    try:
        imported = importer.import_system(
            data,
            sheet_name=fields.get("sheet") or None,
            name=fields.get("name") or None,
            grade_scale=fields.get("grade_scale") or None,
            with_judgements=_flag(fields, "judgements"),
        )
    except (workbook.Unreadable, workbook.TooLarge) as error:
        raise _unreadable(error) from None
    except report.ImportFailed as failed:
        raise InvalidSheet(
            f"{len(failed.issues)} problem(s) in the sheet", _cell_errors(failed.issues)
        ) from None
    stored = None
    if not _flag(fields, "dry_run"):
        stored = summary(await store.add_system(session, imported.system, caller))
        response.status_code = 201
    return SystemImport(
        stored=stored,
        system=imported.system,
        report=imported.report,
        judgements=imported.judgements,
        facts=imported.facts,
    )


# The exports answer a file, not JSON: declared so, a generated client reads bytes.
FILES: dict[str, Any] = {
    "description": "The file: XLSX by default, CSV (UTF-8 with BOM) with format=csv",
    "content": {
        XLSX: {"schema": {"type": "string", "format": "binary"}},
        CSV: {"schema": {"type": "string"}},
    },
}


def _file(data: bytes, fmt: str, stem: str) -> Response:
    name = f"{stem}.{fmt}"
    disposition = f"attachment; filename=\"export.{fmt}\"; filename*=UTF-8''{quote(name)}"
    media = XLSX if fmt == "xlsx" else CSV
    return Response(data, media_type=media, headers={"content-disposition": disposition})


def _scored(
    system: IndicatorSystem, result: engine.Result | None, fmt: str, **given: Any
) -> Response:
    # Loaded with the first export: openpyxl costs the idle service a tenth of its memory.
    from services.scoring.excel import exporter

    if fmt == "csv":
        return _file(exporter.write_csv(system, result), fmt, system.name)
    return _file(exporter.write_xlsx(system, result, **given), fmt, system.name)


def _cannot_score(issues: list[Issue], prefix: str = "body") -> errors.CannotScore:
    return errors.CannotScore(
        f"{len(issues)} problem(s) keep the project from being scored",
        errors.field_errors(issues, prefix),
    )


@router.get(
    "/systems/{key}/export",
    response_class=Response,
    summary="Export a stored system (latest or a version) as XLSX or CSV",
    responses={200: FILES, **problem_responses(errors.SystemNotFound)},
)
async def export_system(
    key: uuid.UUID,
    session: SessionDep,
    caller: CallerDep,
    format: Format = "xlsx",
    version: Annotated[int | None, Query(ge=1, le=schemas.MAX_VERSION)] = None,
) -> Response:
    system, _ = store.compiled(await store.get_system(session, key, version, caller))
    return _scored(system, None, format)


@router.get(
    "/evaluations/{evaluation_id}/export",
    response_class=Response,
    summary="Export an evaluation's scored table as XLSX or CSV",
    responses={200: FILES, **problem_responses(errors.EvaluationNotFound, errors.CannotScore)},
)
async def export_evaluation(
    evaluation_id: uuid.UUID, session: SessionDep, caller: CallerDep, format: Format = "xlsx"
) -> Response:
    record = await store.get_evaluation(session, evaluation_id, caller)
    system, compiled = store.compiled(await store.get_system_by_id(session, record.system_id))
    result, issues = service.score(compiled, record)
    if result is None:
        raise _cannot_score(issues, "")
    given = {
        "judgements": service.load_judgements(record.judgements),
        "facts": service.load_facts(record.facts),
    }
    return _scored(system, result, format, **given)


@router.post(
    "/scores/export",
    response_class=Response,
    summary="Score one project and return the scored table; nothing is stored",
    responses={
        200: FILES,
        **problem_responses(errors.SystemNotFound, errors.InvalidSystem, errors.CannotScore),
    },
)
async def export_score(
    body: schemas.ScoreRequest, session: SessionDep, caller: CallerDep, format: Format = "xlsx"
) -> Response:
    compiled = await compiled_choice(body, session, caller)
    try:
        result = compiled.score(body.facts, body.judgements)
    except engine.ScoringFailed as failed:
        raise _cannot_score(failed.issues) from None
    return _scored(compiled.system, result, format, judgements=body.judgements, facts=body.facts)


@router.post(
    "/scores/batch/export",
    response_class=Response,
    summary="Score many projects and return one summary sheet, a row per project",
    responses={
        200: FILES,
        **problem_responses(errors.SystemNotFound, errors.InvalidSystem, errors.CannotScore),
    },
)
async def export_batch(
    body: schemas.BatchScoreRequest,
    session: SessionDep,
    caller: CallerDep,
    format: Format = "xlsx",
) -> Response:
    compiled = await compiled_choice(body, session, caller)
    items: list[tuple[str, engine.Result]] = []
    issues: list[Issue] = []
    for index, project in enumerate(body.projects):
        try:
            items.append((project.id, compiled.score(project.facts, project.judgements)))
        except engine.ScoringFailed as failed:
            issues += [
                Issue(path=f"projects[{index}].{i.path}", message=i.message) for i in failed.issues
            ]
    if issues:
        raise _cannot_score(issues)
    from services.scoring.excel import summary as summaries  # with the first export, as above

    writer = summaries.write_csv if format == "csv" else summaries.write_xlsx
    return _file(writer(compiled.system, items), format, f"{compiled.system.name}（汇总）")


@router.post(
    "/imports/facts",
    status_code=201,
    response_model=FactsImport,
    summary="Create or update projects from a facts sheet: a row per project, a column per fact",
    openapi_extra=UPLOAD,
    responses=problem_responses(FileTooLarge, InvalidFacts, UnreadableFile, errors.SystemNotFound),
)
async def import_facts(request: Request, session: SessionDep, caller: CallerDep) -> FactsImport:
    data, fields = await upload(request)
    keep_good = _flag(fields, "keep_good")
    try:
        options = _FactsOptions.model_validate({k: v for k, v in fields.items() if v.strip()})
    except ValidationError as error:
        raise InvalidRequest(
            "invalid form fields",
            [{"path": f"body.{e['loc'][0]}", "message": e["msg"]} for e in error.errors()],
        ) from None
    types = None
    if options.system_key is not None:
        system, _ = store.compiled(
            await store.get_system(session, options.system_key, options.version, caller)
        )
        types = {fact.name: fact.type for fact in system.facts}
    try:
        sheet = facts.read_facts(data, types, fields.get("sheet") or None)
    except (workbook.Unreadable, workbook.TooLarge) as error:
        raise _unreadable(error) from None
    existing = await projects.check_rows(session, sheet, options.year, caller)
    if sheet.issues and (not keep_good or not sheet.good()):
        raise InvalidFacts(
            f"{len(sheet.issues)} problem(s) in the facts sheet", _cell_errors(sheet.issues)
        )
    stored = [
        projects.store_row(session, row, existing.get(row.id), options.year, caller)
        for row in sheet.good()
    ]
    await session.flush()
    created = sum(1 for item in stored if item.created)
    return FactsImport(
        created=created,
        updated=len(stored) - created,
        projects=stored,
        errors=[FieldError(**e) for e in _cell_errors(sheet.issues)],
    )


class _FactsOptions(BaseModel):
    """The form fields of a facts import besides the file."""

    model_config = {"extra": "ignore"}
    system_key: uuid.UUID | None = None
    version: int | None = Field(default=None, ge=1, le=schemas.MAX_VERSION)
    year: int | None = Field(default=None, ge=1990, le=2100)
