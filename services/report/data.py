"""The data a document is made from: every name a template may use, every number printed.

Numbers arrive here already printed (scores with two decimals, rates as percentages), so each
format shows the same text and none of them rounds again.
"""

import hashlib
import json
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict


class Data(BaseModel):
    """Base of the document data: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Funds(Data):
    """项目资金情况: amounts in `unit`, "—" where the evaluation has no such fact."""

    unit: str
    budget: str
    adjusted_budget: str
    arrived: str
    spent: str
    execution_rate: str


class Target(Data):
    """One row of the performance-target table (绩效目标)."""

    level1: str
    level2: str
    name: str
    value: str


class Indicator(Data):
    """A level-3 indicator: its place, weight, score, reason and the analysis paragraph."""

    code: str
    level1: str
    level2: str
    name: str
    weight: str
    score: str
    score_rate: str
    reason: str  # "/" when nothing was deducted, as the seeds print it
    explanation: str  # 指标解释
    standard: str  # 评分标准
    evidence: str
    calculation: str  # how the score was reached, as the scoring engine explains it
    paragraph: str  # the evaluator's analysis, or the facts and calculation when none
    summary: str  # 该指标满分…, 评价得…, 得分率…, 扣分原因…


class Level2(Data):
    """A level-2 indicator with its level-3 children."""

    code: str
    name: str
    weight: str
    score: str
    score_rate: str
    indicators: list[Indicator]


class Level1(Data):
    """A level-1 indicator (决策, 过程…) with its children and its one-line summary."""

    code: str
    name: str
    weight: str
    score: str
    score_rate: str
    summary: str
    children: list[Level2]


class SurveyQuestion(Data):
    """One question of a satisfaction survey: how many chose each answer."""

    text: str
    counts: list[str]
    n: str
    satisfaction: str


class Survey(Data):
    """The satisfaction table of one survey (满意度调查结果)."""

    fact: str
    n: str
    satisfaction: str
    labels: list[str]
    questions: list[SurveyQuestion]


class ReportData(Data):
    """Everything the report and the result notice print."""

    evaluation_id: str
    revision: int
    status: str
    status_label: str  # 草稿, 已提交, 已定稿
    draft: bool
    title: str
    document_number: str
    project_name: str
    year: str
    evaluation_object: str
    implementing_unit: str
    commissioning_unit: str
    evaluating_unit: str
    report_date: str  # 2025年3月31日
    report_date_iso: str  # 2025-03-31
    report_month: str  # 二〇二五年三月, for the cover
    base_date: str
    rectification_deadline: str
    summary: str
    background: str
    purpose: str
    scope: str
    principles: str
    methods: str
    basis: list[str]
    problems: str
    suggestions: str
    result_use: str
    system_name: str
    system_summary: str  # how many indicators on each level, and the full score
    total: str
    total_weight: str
    score_rate: str
    grade: str
    conclusion: str
    notice_opening: str  # the result notice's first paragraph
    notice_requirement: str  # what the implementing unit must do, and by when
    funds: Funds
    targets: list[Target]
    level1: list[Level1]
    indicators: list[Indicator]
    surveys: list[Survey]
    survey_note: str  # why a survey's table is missing, or ""

    def sha256(self) -> str:
        """Return the SHA-256 of the data as canonical JSON."""
        text = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


# A name's shape: None for a value, a dict for an object's fields, a 1-tuple for a list's item.
Shape = dict[str, Any] | tuple[Any] | None


def shape(annotation: Any) -> Shape:
    """Return the shape of a type: what names and items a template can reach through it."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {name: shape(field.annotation) for name, field in annotation.model_fields.items()}
    if get_origin(annotation) is list:
        return (shape(get_args(annotation)[0]),)
    return None


EXTRA_NAMES: dict[str, Shape] = {"chart": None}  # the score-rate chart, as an image


def names() -> dict[str, Shape]:
    """Return every top-level name a template may use, with its shape."""
    top = shape(ReportData)
    assert isinstance(top, dict)
    return {**top, **EXTRA_NAMES}


def dotted(tree: Shape, prefix: str = "") -> list[str]:
    """List the names of a shape as dotted paths, `[]` marking a list's items."""
    if isinstance(tree, dict):
        found: list[str] = []
        for name, child in tree.items():
            path = f"{prefix}.{name}" if prefix else name
            found += [path, *dotted(child, path)]
        return found
    if isinstance(tree, tuple):
        return dotted(tree[0], f"{prefix}[]")
    return []
