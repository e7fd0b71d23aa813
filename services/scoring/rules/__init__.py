"""Scoring rules: every rule kind as data, scored exactly in Decimal, with the arithmetic in words.

Callers import the package and use `rules.score`, `rules.check`, `rules.formulas`, `rules.Rule`.
"""

from collections.abc import Mapping
from decimal import Decimal

from services.scoring.rules import judged, quantitative
from services.scoring.rules.checks import check
from services.scoring.rules.models import (
    CategoricalRule,
    ChangeRule,
    Checkpoint,
    CheckpointsRule,
    CompositeRule,
    FailFallback,
    Input,
    Judgement,
    JudgementRule,
    Option,
    Outcome,
    Override,
    OverrunRule,
    Part,
    PassFailRule,
    QualitativeRule,
    QualitativeTier,
    RateRule,
    Rule,
    RuleInputError,
    ScoreFallback,
    StepRule,
    TargetRule,
    Tier,
    TiersRule,
)

__all__ = [
    "CategoricalRule",
    "ChangeRule",
    "Checkpoint",
    "CheckpointsRule",
    "CompositeRule",
    "FailFallback",
    "Input",
    "Judgement",
    "JudgementRule",
    "Option",
    "Outcome",
    "Override",
    "OverrunRule",
    "Part",
    "PassFailRule",
    "QualitativeRule",
    "QualitativeTier",
    "RateRule",
    "Rule",
    "RuleInputError",
    "ScoreFallback",
    "StepRule",
    "TargetRule",
    "Tier",
    "TiersRule",
    "check",
    "formulas",
    "needs_judgement",
    "score",
]


def needs_judgement(rule: Rule) -> bool:
    """Tell whether the rule is scored by an evaluator rather than from facts."""
    return isinstance(rule, CategoricalRule | CheckpointsRule | JudgementRule | QualitativeRule)


def formulas(rule: Rule) -> dict[str, str]:
    """Return the formula source of each slot the rule reads (none for judged kinds)."""
    if isinstance(rule, CategoricalRule | CheckpointsRule | JudgementRule | QualitativeRule):
        return {}
    return quantitative.formulas(rule)


def score(
    rule: Rule, weight: Decimal, inputs: Mapping[str, Input], judgement: Judgement | None
) -> Outcome | None:
    """Score one level-3 indicator; None while a judged indicator awaits its judgement.

    `inputs` maps each slot of `formulas(rule)` to its value. `judgement.override` is left to
    the caller. Raises RuleInputError when the inputs or the judgement cannot be scored.
    """
    if isinstance(rule, CategoricalRule | CheckpointsRule | JudgementRule | QualitativeRule):
        return judged.score(rule, weight, judgement)
    judged.refuse(judgement, "score", "option", "checkpoints")
    return quantitative.score(rule, weight, inputs)
