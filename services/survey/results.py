"""A survey's results from grouped counts: per question, satisfaction, CI and Cronbach's alpha.

This is the contract other services read (`GET /surveys/{id}/results`): decimals are strings
rounded half-up, fractions have four places ("0.9872") and percentages two ("98.72%").
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, Field

from services.survey import questionnaire as q
from services.survey import stats
from services.survey.answers import HUNDREDTHS, Compiled


class QuestionResult(BaseModel):
    """One question: how many answered, how many at each level (seed 001's 表3)."""

    code: str
    text: str
    kind: str
    n: int = Field(description="Counted sheets that answered this question")
    counts: dict[str, int] = Field(description="By level, band or option label, in form order")
    satisfaction: Decimal | None = Field(
        description="Likert: Σ count × value / n; scored: mean / max"
    )
    satisfaction_percent: str | None
    mean: Decimal | None = Field(default=None, description="Scored items: mean points")
    points: dict[str, int] | None = Field(default=None, description="Scored items: by points")


class TotalCount(BaseModel):
    """How many sheets reached one total (100-point forms)."""

    total: Decimal
    count: int


class Results(BaseModel):
    """What a survey found, over its counted (not rejected) sheets."""

    survey_id: uuid.UUID
    questionnaire_id: uuid.UUID
    method: q.Method | None
    n: int = Field(description="Sheets counted: every sheet not rejected")
    rejected: int = Field(description="Sheets rejected in review: kept, not counted")
    target: int | None
    response_rate: Decimal | None = Field(description="n / target, four places")
    satisfaction: Decimal | None = Field(description="A fraction, four places: 0.9872")
    satisfaction_percent: str | None = Field(description='The same printed: "98.72%"')
    ci95: tuple[Decimal, Decimal] | None = Field(
        description="95% interval of the satisfaction fraction (float arithmetic, then rounded)"
    )
    cronbach_alpha: Decimal | None = Field(
        description="Internal consistency of the scale items when every sheet answered them all"
    )
    mean: Decimal | None = Field(default=None, description="100-point forms: mean total")
    median: Decimal | None = Field(default=None, description="100-point forms: median total")
    max_total: int | None = Field(default=None, description="100-point forms: most points")
    distribution: list[TotalCount] | None = Field(
        default=None, description="100-point forms: sheets per total, highest first"
    )
    groups: dict[str, int] = Field(description="Counted sheets per respondent group, if given")
    questions: list[QuestionResult]


@dataclass(frozen=True)
class Tallies:
    """What the results queries return: small grouped tables, never rows per answer."""

    counts: list[tuple[int, int, int]]  # (question, level, sheets)
    sheets: list[tuple[int, int, int]]  # (score_total, score_items, sheets)
    groups: list[tuple[str, int]]
    rejected: int


def _fraction(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return stats.round4(numerator / denominator) if denominator else None


def _question(question: q.Question, levels: dict[int, int]) -> QuestionResult:
    n = sum(levels.values())
    base = {"code": question.code, "text": question.text, "kind": question.kind, "n": n}
    if isinstance(question, q.LikertQuestion):
        counts = {level.label: levels.get(i, 0) for i, level in enumerate(question.levels)}
        weighted = sum(levels.get(i, 0) * level.value for i, level in enumerate(question.levels))
        raw = Decimal(weighted) / (n * stats.HUNDRED) if n else None
        return QuestionResult(
            **base,
            counts=counts,
            satisfaction=stats.round4(raw) if raw is not None else None,
            satisfaction_percent=stats.percent(raw) if raw is not None else None,
        )
    if isinstance(question, q.ScoredQuestion):
        bands = {band.label: 0 for band in question.bands}
        for points, count in levels.items():
            bands[q.band_of(question, points)] += count
        mean = Decimal(sum(p * c for p, c in levels.items())) / n if n else None
        raw = mean / question.max_points if mean is not None else None
        return QuestionResult(
            **base,
            counts=bands,
            satisfaction=stats.round4(raw) if raw is not None else None,
            satisfaction_percent=stats.percent(raw) if raw is not None else None,
            mean=stats.round2(mean) if mean is not None else None,
            points={str(p): levels[p] for p in sorted(levels, reverse=True)},
        )
    if isinstance(question, q.ChoiceQuestion):
        counts = {option: levels.get(i, 0) for i, option in enumerate(question.options)}
        return QuestionResult(**base, counts=counts, satisfaction=None, satisfaction_percent=None)
    return QuestionResult(**base, counts={}, satisfaction=None, satisfaction_percent=None)


def _scale_items(
    form: Compiled, by_question: dict[int, dict[int, int]]
) -> list[list[tuple[int, int]]]:
    """Each scale item's (value ×100, count) rows, Likert levels turned into their values."""
    items: list[list[tuple[int, int]]] = []
    for index, question in enumerate(form.questionnaire.questions):
        levels = by_question.get(index, {})
        if isinstance(question, q.LikertQuestion):
            values = [int(level.value * HUNDREDTHS) for level in question.levels]
            items.append([(values[level], count) for level, count in levels.items()])
        elif isinstance(question, q.ScoredQuestion):
            items.append([(points * HUNDREDTHS, count) for points, count in levels.items()])
    return items


def build(
    survey_id: uuid.UUID,
    questionnaire_id: uuid.UUID,
    form: Compiled,
    target: int | None,
    tallies: Tallies,
) -> Results:
    """Compute every figure of the results from the grouped tallies."""
    questionnaire = form.questionnaire
    by_question: dict[int, dict[int, int]] = defaultdict(dict)
    for question, level, count in tallies.counts:
        by_question[question][level] = count
    questions = [
        _question(qq, by_question.get(i, {})) for i, qq in enumerate(questionnaire.questions)
    ]
    n = sum(count for _, _, count in tallies.sheets)
    method = questionnaire.method
    results = Results(
        survey_id=survey_id,
        questionnaire_id=questionnaire_id,
        method=method,
        n=n,
        rejected=tallies.rejected,
        target=target,
        response_rate=_fraction(Decimal(n), Decimal(target)) if target else None,
        satisfaction=None,
        satisfaction_percent=None,
        ci95=None,
        cronbach_alpha=None,
        groups=dict(tallies.groups),
        questions=questions,
    )
    items = _scale_items(form, by_question)
    scale_total = stats.HUNDRED * HUNDREDTHS  # a Likert value of 100% in hundredths
    raw: Decimal | None = None
    if method == "likert":
        answers = sum(count * m for _, m, count in tallies.sheets)
        weighted = sum(count * y for y, _, count in tallies.sheets)
        raw = Decimal(weighted) / (answers * scale_total) if answers else None
        interval = stats.ratio_ci95(tallies.sheets)
    elif method == "points":
        results.max_total = questionnaire.max_total
        scale_total = Decimal(questionnaire.max_total * HUNDREDTHS)
        totals = [(y, count) for y, _, count in tallies.sheets]
        if n:
            mean = Decimal(sum(y * c for y, c in totals)) / (n * HUNDREDTHS)
            middle = stats.median(totals)
            results.mean = stats.round2(mean)
            results.median = stats.round2(middle / HUNDREDTHS) if middle is not None else None
            raw = mean / questionnaire.max_total
        results.distribution = _distribution(totals)
        interval = stats.ratio_ci95((y, 1, count) for y, _, count in tallies.sheets)
    else:
        interval = None
    if raw is not None:
        results.satisfaction = stats.round4(raw)
        results.satisfaction_percent = stats.percent(raw)
    if interval is not None:
        low, high = (min(max(v / float(scale_total), 0.0), 1.0) for v in interval)
        results.ci95 = (stats.to_decimal4(low), stats.to_decimal4(high))
    complete = all(m == len(items) for _, m, count in tallies.sheets if count)
    if complete and n:
        alpha = stats.cronbach_alpha(items, [(y, count) for y, _, count in tallies.sheets])
        results.cronbach_alpha = stats.to_decimal4(alpha) if alpha is not None else None
    return results


def _distribution(totals: list[tuple[int, int]]) -> list[TotalCount]:
    merged: dict[int, int] = defaultdict(int)
    for y, count in totals:
        merged[y] += count
    return [
        TotalCount(total=(Decimal(y) / HUNDREDTHS).normalize() + 0, count=merged[y])
        for y in sorted(merged, reverse=True)
    ]
