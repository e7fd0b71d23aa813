"""Check an evaluation for inconsistencies a careful reviewer would flag, without refusing it.

Where scoring refuses (`engine.ScoringFailed`), this lists: a judged score below full marks
with no reason, every override with both scores, a reported value or score that its formula
or rule contradicts at the reported precision (seed 001 prints 安全风险隐患整改率 99.75%
where 412/412 = 100%), weights that do not add up, missing facts and pending judgements.
"""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from services.scoring import engine, numbers, rules
from services.scoring import system as systems
from services.scoring.engine import values as vals

Kind = Literal[
    "system",
    "weight",
    "missing_fact",
    "invalid_input",
    "unscorable",
    "missing_reason",
    "pending",
    "override",
    "reported_value",
    "reported_score",
    "unknown_reported",
]
ZERO = Decimal(0)
NO_REASON = "（未填写扣分原因）"


class Finding(BaseModel):
    """One inconsistency, at a JSON path into the evaluation: `reported.<name>`, `facts.<name>`."""

    model_config = ConfigDict(frozen=True)

    path: str
    code: str | None  # the level-3 indicator concerned, if any
    kind: Kind
    message: str
    expected: str | None = None  # what the system computes, printed at the reported precision
    reported: str | None = None  # what the evaluation states


def check_evaluation(
    system: systems.IndicatorSystem,
    facts: Mapping[str, vals.Value],
    judgements: Mapping[str, rules.Judgement],
    reported: Mapping[str, Decimal],
) -> list[Finding]:
    """List every inconsistency of an evaluation; never raises for the evaluation's content."""
    findings = [_system_finding(issue) for issue in systems.validate_system(system)]
    if any(finding.kind == "system" for finding in findings):
        return findings  # the system cannot be compiled, so nothing can be recomputed
    compiled = engine.CompiledSystem(system)
    derivation = compiled.derive(facts)
    findings += [
        Finding(path=f"facts.{name}", code=None, kind="missing_fact", message=f"{name} 未提供")
        for name in compiled.types
        if name not in facts
    ]
    refused = {issue.path for issue in derivation.issues}
    findings += [_input(issue, None) for issue in derivation.issues]
    findings += [_input(issue, None) for issue in compiled.unknown_codes(judgements)]
    scores: dict[str, Decimal | None] = {}
    for leaf in compiled.leaves:
        result, leaf_findings = _score(compiled, leaf, derivation, judgements.get(leaf.code))
        findings += [finding for finding in leaf_findings if finding.path not in refused]
        scores[leaf.code] = None if result is None else result.final_score
    _add_groups(compiled.groups, compiled.leaves, scores)
    for key, value in reported.items():
        findings += _reported(compiled, derivation, scores, key, value)
    return findings


def _system_finding(issue: systems.Issue) -> Finding:
    weight = issue.path == "total_weight" or issue.path.endswith(".weight")
    kind: Kind = "weight" if weight else "system"
    return Finding(path=issue.path, code=None, kind=kind, message=issue.message)


def _input(issue: systems.Issue, code: str | None) -> Finding:
    kind: Kind = "invalid_input" if code is None else "unscorable"
    if issue.path.endswith(".reason"):
        kind = "missing_reason"
    return Finding(path=issue.path, code=code, kind=kind, message=issue.message)


def _score(
    compiled: engine.CompiledSystem,
    leaf: engine.Leaf,
    derivation: engine.Derivation,
    judgement: rules.Judgement | None,
) -> tuple[engine.IndicatorResult | None, list[Finding]]:
    """Score one indicator, turning refusals and overrides into findings."""
    scored = compiled.score_indicator(leaf, derivation, judgement)
    result: engine.IndicatorResult | None = None
    findings: list[Finding] = []
    if isinstance(scored, engine.IndicatorResult):
        result = scored
    else:
        findings = [_input(issue, leaf.code) for issue in scored]
    if judgement is not None and any(f.kind == "missing_reason" for f in findings):
        # Score it as if the reason were given, so that the sums can still be checked.
        stand_in = judgement.model_copy(update={"reason": NO_REASON})
        retried = compiled.score_indicator(leaf, derivation, stand_in)
        result = retried if isinstance(retried, engine.IndicatorResult) else None
    if result is None:
        return None, findings
    path = f"judgements.{leaf.code}"
    if result.pending:
        message = f"{leaf.code} {leaf.name} 尚待评价人评分"
        findings.append(Finding(path=path, code=leaf.code, kind="pending", message=message))
    elif result.overridden:
        computed = "—" if result.computed_score is None else str(result.computed_score)
        message = (
            f"{leaf.code} {leaf.name} 计算得分 {computed}，评价人调整为 {result.final_score}"
            f"（{result.override_reason}）"
        )
        findings.append(
            Finding(
                path=f"{path}.override",
                code=leaf.code,
                kind="override",
                message=message,
                expected=computed,
                reported=str(result.final_score),
            )
        )
    return result, findings


def _add_groups(
    groups: list[engine.Group],
    leaves: list[engine.Leaf],
    scores: dict[str, Decimal | None],
) -> None:
    """Add level-2, level-1 and total scores (None when a part is unknown) to `scores`."""

    def total(parts: list[Decimal | None]) -> Decimal | None:
        return None if None in parts else sum((p for p in parts if p is not None), ZERO)

    for one in groups:
        for two in one.children:
            scores[two.code] = total([scores[leaves[i].code] for i in two.leaves])
        scores[one.code] = total([scores[two.code] for two in one.children])
    scores["total"] = total([scores[one.code] for one in groups])


def _reported(
    compiled: engine.CompiledSystem,
    derivation: engine.Derivation,
    scores: Mapping[str, Decimal | None],
    key: str,
    value: Decimal,
) -> list[Finding]:
    """Compare one reported value or score with what the system computes from the facts."""
    path = f"reported.{key}"
    if key in compiled.formats:
        kind: Kind = "reported_value"
        fmt = compiled.formats[key]
        computed = derivation.values.get(key)
        if computed is None:
            why = derivation.missing.get(key)
            reason = why.reason if why is not None else f"{key} 未提供"
            return [Finding(path=path, code=None, kind=kind, message=f"无法核对 {key}：{reason}")]
        if isinstance(computed, bool):
            return [
                Finding(path=path, code=None, kind=kind, message=f"{key} 是是/否值，不能核对数值")
            ]
    elif key in scores:
        kind, fmt = "reported_score", "number"
        computed = scores[key]
        if computed is None:
            message = f"无法核对 {key} 的得分：有指标未能计分"
            return [Finding(path=path, code=None, kind=kind, message=message)]
    else:
        message = f"{key} 既不是事实或推导值，也不是指标编码或 total"
        return [Finding(path=path, code=None, kind="unknown_reported", message=message)]
    if not value.is_finite():
        return [Finding(path=path, code=None, kind=kind, message=f"{key} 的报告值不是有限数")]
    exponent = value.as_tuple().exponent
    # A value is checked at the precision it is printed with; a score is exact to the cent,
    # so a printed 5 means 5.00, not anything from 4.50 to 5.49. Past eight decimals the
    # rounding could exceed the 28 digits of decimal arithmetic.
    places = max(exponent, -8) if isinstance(exponent, int) else 0
    places = min(places, -2) if kind == "reported_score" else places
    rounded = computed.quantize(Decimal(1).scaleb(places), rounding=ROUND_HALF_UP)
    if rounded == value:
        return []
    expected, stated = _print(rounded, fmt, places), format(value, "f")
    if fmt == "percent":
        stated = _print(value, fmt, places)
    formula = next((parsed.source for name, parsed, _ in compiled.derived if name == key), None)
    if formula is None:
        message = f"{key} 报告得分 {stated}，但按评分规则计算为 {expected}"
    else:
        message = f"{key} 报告为 {stated}，但 {formula} = {expected}"
    code = key if key in compiled.codes else None
    return [
        Finding(
            path=path, code=code, kind=kind, message=message, expected=expected, reported=stated
        )
    ]


def _print(value: Decimal, fmt: vals.Format, places: int) -> str:
    """Print a value at the reported precision: 0.9975 as 99.75%, 88 as 88."""
    if fmt == "percent":
        percent = (value * numbers.HUNDRED).quantize(Decimal(1).scaleb(min(places + 2, 0)))
        return f"{format(percent, 'f')}%"
    return format(value.quantize(Decimal(1).scaleb(places)), "f")
