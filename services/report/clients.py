"""Reading the scoring and survey services: their answers, copied here with the fields we read."""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from services.kit.problems import Problem
from services.report import errors

logger = logging.getLogger("jixiao.report")
M = TypeVar("M", bound=BaseModel)


class Answer(BaseModel):
    """Base of the copied schemas: fields we do not read are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class IndicatorScore(Answer):
    code: str
    name: str
    level_path: list[str]
    weight: Decimal
    final_score: Decimal | None
    score_rate: Decimal | None
    inputs: dict[str, str] = {}
    explanation: str = ""
    deduction_reason: str | None = None


class Group(Answer):
    code: str
    name: str
    weight: Decimal
    score: Decimal
    score_rate: Decimal
    children: list["Group"] = []
    indicator_codes: list[str] = []


class Result(Answer):
    system_name: str
    total_weight: Decimal
    total: Decimal
    score_rate: Decimal
    grade: str | None
    complete: bool
    groups: list[Group]
    indicators: list[IndicatorScore]
    pending: list[str] = []


class TargetRow(Answer):
    level1: str
    level2: str
    name: str
    value: str


class Texts(Answer):
    title: str | None = None
    evaluation_object: str | None = None
    evaluating_unit: str | None = None
    document_number: str | None = None
    report_date: date | None = None
    base_date: date | None = None
    summary: str | None = None
    background: str | None = None
    purpose: str | None = None
    scope: str | None = None
    principles: str | None = None
    methods: str | None = None
    basis: list[str] | None = None
    problems: str | None = None
    suggestions: str | None = None
    result_use: str | None = None
    rectification_deadline: date | None = None
    analysis: dict[str, str] | None = None
    targets: list[TargetRow] | None = None


class Evaluation(Answer):
    id: uuid.UUID
    project_id: uuid.UUID
    system_key: uuid.UUID
    system_version: int
    status: str
    revision: int
    facts: dict[str, str | bool] = {}
    texts: Texts = Texts()
    sources: dict[str, dict[str, str | int | None]] = {}
    result: Result | None
    updated_at: datetime


class Project(Answer):
    id: uuid.UUID
    name: str
    year: int
    implementing_unit: str | None = None
    commissioning_unit: str | None = None


class Node(Answer):
    code: str
    name: str
    weight: Decimal
    explanation: str = ""
    standard: str = ""
    evidence: str = ""
    children: list["Node"] = []


class FactSpec(Answer):
    name: str
    unit: str | None = None
    role: str | None = None


class System(Answer):
    name: str
    facts: list[FactSpec] = []
    indicators: list[Node]


class SystemVersion(Answer):
    key: uuid.UUID
    version: int
    system: System


class SurveyQuestion(Answer):
    code: str
    text: str
    kind: str | None = None
    counts: dict[str, int] = {}
    n: int
    satisfaction: Decimal | None = None
    satisfaction_percent: str | None = None


class SurveyResults(Answer):
    survey_id: str
    n: int
    satisfaction: Decimal | None = None
    satisfaction_percent: str | None = None
    questions: list[SurveyQuestion] = []


@dataclass(frozen=True)
class Survey:
    """The survey behind one fact: its results, or why they could not be read."""

    fact: str
    survey_id: str
    results: SurveyResults | None
    unavailable: str | None = None


@dataclass(frozen=True)
class Sources:
    """Everything a document is made from, as read from the other services."""

    evaluation: Evaluation
    project: Project
    system: SystemVersion
    surveys: list[Survey]


async def _get(client: httpx.AsyncClient, path: str, model: type[M], missing: Problem) -> M:
    """GET a JSON document and read it into `model`, mapping failures to problems."""
    try:
        answer = await client.get(path)
    except httpx.TimeoutException:
        raise errors.UpstreamUnavailable(
            f"{client.base_url.host} did not answer {path} in time"
        ) from None
    except httpx.TransportError as exc:
        raise errors.UpstreamUnavailable(
            f"{client.base_url.host} is not reachable ({type(exc).__name__})"
        ) from None
    if answer.status_code == 404:
        raise missing
    if answer.status_code != 200:
        raise errors.UpstreamFailed(f"{path}: {client.base_url.host} answered {answer.status_code}")
    try:
        return model.model_validate_json(answer.content)
    except ValidationError as exc:
        raise errors.UpstreamFailed(
            f"{path}: unexpected answer ({exc.error_count()} errors)"
        ) from None


async def evaluation(client: httpx.AsyncClient, evaluation_id: uuid.UUID) -> Evaluation:
    """Read an evaluation with its result from the scoring service."""
    missing = errors.EvaluationNotFound(f"No evaluation {evaluation_id} in the scoring service")
    return await _get(client, f"/evaluations/{evaluation_id}", Evaluation, missing)


async def survey(client: httpx.AsyncClient, fact: str, source: dict[str, Any]) -> Survey | None:
    """Read the results of the survey named by a source, or say why they are missing."""
    survey_id = source.get("survey_id")
    if not survey_id:
        return None
    try:
        missing = errors.UpstreamFailed(f"survey {survey_id} not found")
        results = await _get(client, f"/surveys/{survey_id}/results", SurveyResults, missing)
    except Problem as exc:
        logger.warning("survey results unavailable", extra={"fields": {"detail": exc.detail}})
        return Survey(fact, str(survey_id), None, exc.detail or exc.title)
    return Survey(fact, str(survey_id), results)


async def sources(
    scoring: httpx.AsyncClient, survey_client: httpx.AsyncClient, record: Evaluation
) -> Sources:
    """Read the project, the system version and the surveys an evaluation refers to."""
    project_missing = errors.UpstreamFailed(f"project {record.project_id} not found")
    system_missing = errors.UpstreamFailed(f"system {record.system_key} not found")
    project = await _get(scoring, f"/projects/{record.project_id}", Project, project_missing)
    system = await _get(
        scoring,
        f"/systems/{record.system_key}/versions/{record.system_version}",
        SystemVersion,
        system_missing,
    )
    found = [await survey(survey_client, fact, src) for fact, src in sorted(record.sources.items())]
    return Sources(record, project, system, [s for s in found if s is not None])
