"""What scoring returns, as the API serves it (decimals as exact strings: "88.00"), or why not."""

from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict

from services.scoring import numbers, rules
from services.scoring.engine import values as vals
from services.scoring.engine.plan import Group, Leaf
from services.scoring.system import Issue

ZERO = Decimal(0)
RATE_PLACES = Decimal("0.0001")


class ScoringFailed(ValueError):
    """The facts or judgements cannot be scored; `issues` lists every reason, with its path."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(f"{issue.path}: {issue.message}" for issue in issues))
        self.issues = issues


class ResultModel(BaseModel):
    """Base of the result models: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class IndicatorResult(ResultModel):
    """The score of one level-3 indicator, how it was reached, and what it read."""

    code: str
    name: str
    level_path: list[str]
    weight: Decimal
    computed_score: Decimal | None  # the rule's score; for judged kinds only when overridden
    final_score: Decimal | None  # None while pending
    score_rate: Decimal | None  # final / weight as a fraction with four decimals: 0.6667
    inputs: dict[str, str]
    explanation: str
    deduction_reason: str | None
    overridden: bool
    override_reason: str | None
    pending: bool


class GroupResult(ResultModel):
    """A level-1 or level-2 indicator: the sum of its children's rounded scores."""

    code: str
    name: str
    weight: Decimal
    score: Decimal  # while judgements are pending, the sum of the scored children
    score_rate: Decimal
    children: list["GroupResult"]  # the level-2 groups of a level-1 group
    indicator_codes: list[str]  # the level-3 codes of a level-2 group, in Result.indicators


class Result(ResultModel):
    """An evaluation: the total, the grade once complete, the group tree and every indicator."""

    system_name: str
    total_weight: Decimal
    total: Decimal
    score_rate: Decimal
    grade: str | None
    complete: bool
    groups: list[GroupResult]
    indicators: list[IndicatorResult]
    pending: list[str]


def score_rate(score: Decimal, weight: Decimal) -> Decimal:
    """Return score / weight as a fraction with four decimals (a percentage with two)."""
    return numbers.rate(score, weight).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def group_result(
    group: Group, score: Decimal, children: list[GroupResult], codes: list[str]
) -> GroupResult:
    """Build a level-1 or level-2 result from the sum of its children's rounded scores."""
    return GroupResult(
        code=group.code,
        name=group.name,
        weight=group.weight,
        score=score,
        score_rate=score_rate(score, group.weight),
        children=children,
        indicator_codes=codes,
    )


def blame(leaf: Leaf, error: rules.RuleInputError, cause: vals.Missing | None) -> list[Issue]:
    """Point a rule's refusal at the judgement field or at the facts behind it."""
    message = f"{leaf.code} {leaf.name}：{error.message}"
    if error.field.startswith("judgement."):
        path = f"judgements.{leaf.code}.{error.field.removeprefix('judgement.')}"
        return [Issue(path=path, message=message)]
    if cause is not None:
        return [Issue(path=path, message=f"{message}（{cause.reason}）") for path in cause.paths]
    slot = next((slot for slot in leaf.slots if slot.key == error.field), None)
    paths = [f"facts.{name}" for name in slot.facts] if slot is not None else []
    return [Issue(path=path, message=message) for path in paths or ["facts"]]


def indicator_result(
    leaf: Leaf,
    printed: dict[str, str],
    outcome: rules.Outcome | None,
    override: rules.Override | None,
) -> IndicatorResult | list[Issue]:
    """Build a level-3 result, applying the evaluator's override when there is one."""
    computed = None if outcome is None or outcome.judged else outcome.score
    final = None if outcome is None else outcome.score
    explanation = "" if outcome is None else outcome.explanation
    deduction = None if outcome is None else outcome.deduction_reason
    reason = None
    if override is not None:
        path = f"judgements.{leaf.code}.override"
        issues = (
            []
            if override.reason.strip()
            else [Issue(path=f"{path}.reason", message="an override needs its reason")]
        )
        if not ZERO <= override.score <= leaf.weight:
            message = f"an override must lie within 0–{leaf.weight}"
            issues.insert(0, Issue(path=f"{path}.score", message=message))
        if issues:
            return issues
        computed, final, reason = final, numbers.round2(override.score), override.reason
        explanation = f"{explanation}；评价人调整为 {final}（{reason}）".lstrip("；")
        deduction = reason if final < leaf.weight else None
    return IndicatorResult(
        code=leaf.code,
        name=leaf.name,
        level_path=leaf.level_path,
        weight=leaf.weight,
        computed_score=computed,
        final_score=final,
        score_rate=None if final is None else score_rate(final, leaf.weight),
        inputs=printed,
        explanation=explanation,
        deduction_reason=deduction,
        overridden=reason is not None,
        override_reason=reason,
        pending=final is None,
    )
