"""Scoring rules: every rule kind as data, scored exactly in Decimal, with the arithmetic in words.

Callers import the package and use `rules.Rule` and the models it unites.
"""

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
    "needs_judgement",
]


def needs_judgement(rule: Rule) -> bool:
    """Tell whether the rule is scored by an evaluator rather than from facts."""
    return isinstance(rule, CategoricalRule | CheckpointsRule | JudgementRule | QualitativeRule)
