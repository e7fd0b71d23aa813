"""Request and response bodies of the scoring API (the tables live in models.py)."""

import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from services.kit.problems import FieldError
from services.kit.texts import Printable
from services.scoring import rules
from services.scoring.engine import Result
from services.scoring.grades import GradeScale
from services.scoring.rules import models as rule_models
from services.scoring.system import IndicatorSystem

MAX_VERSION = 1_000_000  # versions are counted from 1; a bound keeps ids inside any integer column
# Limits sized for government documents: a name or title fits a line of a report (200);
# cover fields and target rows a paragraph (500); a chapter of a report (背景, 问题, 建议…)
# 20,000 characters, about ten printed pages.
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Printable
]
Text = Annotated[str, StringConstraints(max_length=20_000), Printable]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), Printable
]


def _fact(value: object) -> Decimal | bool:
    """Read a fact: true/false, or a decimal given as a string or a JSON number."""
    if isinstance(value, bool):
        return value
    # Bounded length: Decimal() on a megabyte of digits is slow work for one field.
    if isinstance(value, int | float | Decimal) or (isinstance(value, str) and len(value) <= 64):
        try:
            number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
        except InvalidOperation:
            number = None
        # Printed in positional notation it must stay within the 64 characters the schema
        # declares: 1e-208 is accepted as a JSON number but would print 210 digits.
        if number is not None and number.is_finite() and len(format(number, "f")) <= 64:
            return number
    raise ValueError(
        "must be a decimal number of at most 64 characters written out (a JSON number or a "
        'string like "140.5") or true/false'
    )


def _dump_fact(value: Decimal | bool) -> str | bool:
    # Positional notation, never "1E-119": the documented pattern, and what people read.
    return value if isinstance(value, bool) else format(value, "f")


# One error per bad fact, naming it, rather than one per member of a union.
FactValue = Annotated[
    Decimal | bool,
    PlainValidator(_fact),
    PlainSerializer(_dump_fact),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "boolean"},
                {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "maxLength": 64},
                {"type": "number"},
            ]
        }
    ),
]
# A system holds at most a few hundred indicators and facts (seed 001: 24 and 40); 2,000 per
# map leaves room for the largest county systems without letting one body hold millions.
Facts = Annotated[dict[Name, FactValue], Field(max_length=2_000)]
Judgements = Annotated[dict[Name, rules.Judgement], Field(max_length=2_000)]
Reported = Annotated[dict[Name, rule_models.Number], Field(max_length=2_000)]


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class SystemChoice(Body):
    """Either an inline indicator system, or a stored one by key (and version, default latest)."""

    system: IndicatorSystem | None = None
    system_key: uuid.UUID | None = None
    version: StrictInt | None = Field(default=None, ge=1, le=MAX_VERSION)

    @model_validator(mode="after")
    def _exactly_one(self) -> "SystemChoice":
        if (self.system is None) == (self.system_key is None):
            raise ValueError("give either `system` (inline) or `system_key`, not both or neither")
        if self.version is not None and self.system_key is None:
            raise ValueError("`version` goes with `system_key`")
        return self


class ScoreRequest(SystemChoice):
    """Score one project statelessly: nothing is stored."""

    facts: Facts = Field(
        default_factory=dict, examples=[{"预算资金": "140", "实际到位资金": "140"}]
    )
    judgements: Judgements = Field(default_factory=dict)


class BatchProject(Body):
    """One project of a batch, named by the caller's own id."""

    id: Name
    facts: Facts = Field(default_factory=dict)
    judgements: Judgements = Field(default_factory=dict)


class BatchScoreRequest(SystemChoice):
    """Score many projects against one system in one request."""

    projects: Annotated[list[BatchProject], Field(min_length=1, max_length=5_000)]
    detail: Literal["summary", "full"] = Field(
        default="summary", description="summary: totals, grade and level-3 scores; full: Result"
    )


class IndicatorScore(BaseModel):
    """A level-3 score in a batch summary."""

    code: str
    final_score: Decimal | None
    deduction_reason: str | None


class ResultSummary(BaseModel):
    """What an automated caller usually needs of a result."""

    total: Decimal
    grade: str | None
    complete: bool
    indicators: list[IndicatorScore]


class BatchItem(BaseModel):
    """The outcome for one project of a batch: a result, or the reasons it could not be scored."""

    id: str
    summary: ResultSummary | None = None
    result: Result | None = None
    errors: list[FieldError] | None = None


class BatchScoreResponse(BaseModel):
    """Every project of a batch, in request order."""

    scored: int
    failed: int
    items: list[BatchItem]


class SystemSummary(BaseModel):
    """One stored version of an indicator system, without its tree."""

    id: uuid.UUID
    key: uuid.UUID
    version: int
    name: str
    org_id: str | None = Field(description="The organisation that owns it")
    created_at: datetime
    created_by: str | None


class SystemPublic(SystemSummary):
    """One stored version of an indicator system, with its tree and its grade bands."""

    system: IndicatorSystem
    scale: GradeScale = Field(description="The grade scale resolved: a preset's bands spelled out")


class SystemsPublic(BaseModel):
    """The latest version of each stored system."""

    items: list[SystemSummary]


class TemplateSummary(BaseModel):
    """A built-in indicator system that can be copied to start a new one."""

    name: str
    title: str
    indicators: int
    total_weight: Decimal


class TemplatesPublic(BaseModel):
    """Every built-in template."""

    items: list[TemplateSummary]


class ProjectBase(Body):
    """A project: one fund in one year, with its units."""

    name: ShortText
    year: StrictInt = Field(ge=1990, le=2100)
    implementing_unit: ShortText | None = None
    commissioning_unit: ShortText | None = None


class ProjectCreate(ProjectBase):
    """A new project and the facts known so far."""

    facts: Facts = Field(default_factory=dict)


class ProjectUpdate(Body):
    """Fields to change on a project; facts are merged, a null fact removes it."""

    name: ShortText | None = None
    year: StrictInt | None = Field(default=None, ge=1990, le=2100)
    implementing_unit: ShortText | None = None
    commissioning_unit: ShortText | None = None
    facts: dict[Name, FactValue | None] | None = Field(default=None, max_length=2_000)


class ProjectPublic(ProjectBase):
    """A stored project."""

    id: uuid.UUID
    org_id: str | None = Field(description="The organisation that owns it")
    created_by: str | None
    facts: dict[str, FactValue]
    created_at: datetime
    updated_at: datetime


class ProjectsPublic(BaseModel):
    """Stored projects, newest first."""

    items: list[ProjectPublic]


class TargetRow(Body):
    """One row of the declared performance targets (绩效指标申报表, seed 001 表1)."""

    level1: ShortText
    level2: ShortText
    name: ShortText
    value: ShortText = Field(description="As declared, e.g. ≥ 500 家次")


class EvaluationTexts(Body):
    """The evaluator's words and the report's cover data, kept with the evaluation."""

    title: ShortText | None = None
    evaluation_object: ShortText | None = None
    evaluating_unit: ShortText | None = None
    document_number: ShortText | None = None
    report_date: date | None = None
    base_date: date | None = None
    summary: Text | None = None
    background: Text | None = None
    purpose: Text | None = None
    scope: Text | None = None
    principles: Text | None = None
    methods: Text | None = None
    # 评价依据 cites laws and documents: 200 is several times the longest list seen in reports;
    # a 绩效指标申报表 has one row per declared target, a few dozen, 500 at most.
    basis: Annotated[list[Text], Field(max_length=200)] | None = None
    problems: Text | None = None
    suggestions: Text | None = None
    result_use: Text | None = None
    rectification_deadline: date | None = None
    targets: Annotated[list[TargetRow], Field(max_length=500)] | None = None
    analysis: Annotated[dict[Name, Text], Field(max_length=2_000)] | None = Field(
        default=None, description="Per level-3 code, the paragraph analysing that indicator"
    )


class EvaluationCreate(Body):
    """A new evaluation of a project against a stored system version (default: latest)."""

    project_id: uuid.UUID
    system_key: uuid.UUID
    version: StrictInt | None = Field(default=None, ge=1, le=MAX_VERSION)
    facts: Facts = Field(default_factory=dict, description="Added to the project's facts")
    judgements: Judgements = Field(default_factory=dict)
    reported: Reported = Field(default_factory=dict)
    texts: EvaluationTexts = Field(default_factory=EvaluationTexts)


class EvaluationUpdate(Body):
    """Changes to an evaluation; facts and judgements merge, a null entry removes one."""

    facts: dict[Name, FactValue | None] | None = Field(default=None, max_length=2_000)
    judgements: dict[Name, rules.Judgement | None] | None = Field(default=None, max_length=2_000)
    reported: dict[Name, rule_models.Number | None] | None = Field(default=None, max_length=2_000)
    texts: EvaluationTexts | None = None
    reason: Text | None = Field(default=None, description="Why, written to the audit log")


class SurveySource(Body):
    """Which survey's result becomes the fact."""

    survey_id: uuid.UUID
    reason: Text | None = None


class StatusChange(Body):
    """A status change; reopening a finalized evaluation needs a reason."""

    reason: Text | None = None


class EvaluationPublic(BaseModel):
    """A stored evaluation with its current result, or the reasons it cannot be scored yet."""

    id: uuid.UUID
    project_id: uuid.UUID
    org_id: str | None = Field(description="The organisation that owns it (the project's)")
    created_by: str | None
    system_id: uuid.UUID
    system_key: uuid.UUID
    system_version: int
    status: Literal["draft", "submitted", "finalized"]
    revision: int
    facts: dict[str, FactValue]
    judgements: dict[str, rules.Judgement]
    reported: dict[str, Decimal]
    texts: EvaluationTexts
    sources: dict[str, dict[str, str | int | None]] = Field(
        description="Per fact, where its value came from: survey_id, n, satisfaction, read_at"
    )
    result: Result | None
    issues: list[FieldError]
    created_at: datetime
    updated_at: datetime


class AuditEntryPublic(BaseModel):
    """One recorded change."""

    id: uuid.UUID
    at: datetime
    actor: str
    action: str
    field: str | None
    old: object
    new: object
    reason: str | None


class AuditLog(BaseModel):
    """Every change to an evaluation, oldest first."""

    items: list[AuditEntryPublic]
