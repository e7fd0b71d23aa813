"""Rule models: every scoring rule kind as validated data, and what scoring reads and returns."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)

from services.kit.texts import Printable


def _refuse_bool(value: object) -> object:
    """Refuse a boolean where a number belongs."""
    # Lax decimal parsing in older pydantic versions reads true as 1; a parameter never means that.
    if isinstance(value, bool):
        raise ValueError("Input should be a number, not a boolean")
    return value


Number = Annotated[Decimal, BeforeValidator(_refuse_bool)]
NonNegative = Annotated[Number, Field(ge=0)]
Positive = Annotated[Number, Field(gt=0)]
# A rule's labels, option texts and reasons are lines of a scoring table: 2,000 characters is
# a long paragraph. Lists of tiers, options and checkpoints hold what one standard can say.
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000), Printable
]
Reason = Annotated[str, StringConstraints(max_length=20_000), Printable]
Formula = Text
MAX_ITEMS = 100
Format = Literal["percent", "number"]
PartialStep = Literal["whole", "ignore", "pro_rata"]


class RuleModel(BaseModel):
    """Base of every rule model: immutable, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FailFallback(RuleModel):
    """Refuse to score: scoring raises a RuleInputError naming the missing value."""

    outcome: Literal["error"]


class ScoreFallback(RuleModel):
    """Score a declared number of points, with its reason."""

    outcome: Literal["score"]
    score: NonNegative
    reason: Text


Fallback = Annotated[FailFallback | ScoreFallback, Field(discriminator="outcome")]
FAIL = FailFallback(outcome="error")


class QuantitativeRule(RuleModel):
    """Base of the rules that read values through formulas."""

    on_missing: Fallback = FAIL


class RateRule(QuantitativeRule):
    """Score the rate times the weight: 得分=资金到位率×3分."""

    kind: Literal["rate"] = "rate"
    value: Formula
    cap: StrictBool = True


class TargetRule(QuantitativeRule):
    """Full marks when the target is met, else pro rata (财预〔2020〕10号 self-evaluation)."""

    kind: Literal["target"] = "target"
    value: Formula
    direction: Literal[">=", "<=", "=="]
    target: Number


class StepRuleBase(QuantitativeRule):
    """Full marks up to a threshold, then a deduction per step beyond it, floored at zero."""

    value: Formula
    full_at: Number
    step: Positive
    points_per_step: NonNegative
    partial_step: PartialStep
    zero_beyond: Number | None = None


class StepRule(StepRuleBase):
    """Deduct per step of shortfall (>=) or excess (<=): 每下降5%扣1分（不足5%按5%计算）."""

    kind: Literal["step"] = "step"
    direction: Literal[">=", "<="]


class OverrunRule(StepRuleBase):
    """Deduct per step of excess over a ceiling: 成本控制率≤100%得6分，每超出1%扣1分."""

    kind: Literal["overrun"] = "overrun"


class Tier(RuleModel):
    """One tier: the points when `value op than` holds."""

    op: Literal[">", ">=", "<", "<=", "==", "!="]
    than: Number
    points: NonNegative


class TiersRule(QuantitativeRule):
    """Score the points of the first tier that holds, else `otherwise`."""

    kind: Literal["tiers"] = "tiers"
    value: Formula
    tiers: list[Tier] = Field(min_length=1, max_length=MAX_ITEMS)
    otherwise: NonNegative = Decimal(0)


class PassFailRule(QuantitativeRule):
    """Full marks when the condition holds, else zero."""

    kind: Literal["pass_fail"] = "pass_fail"
    condition: Formula
    fail_reason: Text | None = None


class ChangeRule(QuantitativeRule):
    """Move a base score by steps of relative change against last year, clamped to [min, max]."""

    kind: Literal["change"] = "change"
    current: Formula
    last_year: Formula
    better: Literal["lower", "higher"]
    base_points: NonNegative
    step: Positive
    malus_per_step: NonNegative
    bonus_per_step: NonNegative
    max: Number | None = None  # None: the indicator's weight
    min: Number = Decimal(0)
    partial_step: PartialStep
    when_last_year_zero: Fallback = FAIL


class Option(RuleModel):
    """One option the evaluator may pick."""

    key: Text
    label: Text
    points: NonNegative


class CategoricalRule(RuleModel):
    """The evaluator picks an option; its points are the score."""

    kind: Literal["categorical"] = "categorical"
    options: list[Option] = Field(min_length=1, max_length=MAX_ITEMS)


class Checkpoint(RuleModel):
    """One checkpoint (评分要点) worth up to its points."""

    key: Text
    text: Text
    points: NonNegative


class CheckpointsRule(RuleModel):
    """The evaluator awards each checkpoint 0 to its points; the score is the sum."""

    kind: Literal["checkpoints"] = "checkpoints"
    checkpoints: list[Checkpoint] = Field(min_length=1, max_length=MAX_ITEMS)


class JudgementRule(RuleModel):
    """The evaluator scores within [min, max] (计0—8分)."""

    kind: Literal["judgement"] = "judgement"
    min: Number = Decimal(0)
    max: Number | None = None  # None: the indicator's weight


class QualitativeTier(RuleModel):
    """One qualitative tier: [min, max) as fractions of the weight, closed at 100%."""

    key: Text
    label: Text
    min: Number
    max: Number


MOF_TIERS = (
    QualitativeTier(key="achieved", label="达成预期指标", min=Decimal("0.8"), max=Decimal(1)),
    QualitativeTier(
        key="partial", label="部分达成并具有一定效果", min=Decimal("0.6"), max=Decimal("0.8")
    ),
    QualitativeTier(key="failed", label="未达成且效果较差", min=Decimal(0), max=Decimal("0.6")),
)


class QualitativeRule(RuleModel):
    """The evaluator picks a tier and a score inside it (default: the 财预〔2020〕10号 three)."""

    kind: Literal["qualitative"] = "qualitative"
    tiers: list[QualitativeTier] = Field(
        default_factory=lambda: list(MOF_TIERS), min_length=1, max_length=MAX_ITEMS
    )


PartRule = Annotated[
    RateRule | TargetRule | StepRule | OverrunRule | TiersRule | PassFailRule | ChangeRule,
    Field(discriminator="kind"),
]


class Part(RuleModel):
    """One part of a composite rule, scored with `points` as its weight."""

    label: Text
    points: NonNegative
    rule: PartRule


class CompositeRule(RuleModel):
    """Sum of quantitative parts, each scored on its own points."""

    kind: Literal["composite"] = "composite"
    parts: list[Part] = Field(min_length=1, max_length=MAX_ITEMS)


Rule = Annotated[
    RateRule
    | TargetRule
    | StepRule
    | OverrunRule
    | TiersRule
    | PassFailRule
    | ChangeRule
    | CategoricalRule
    | CheckpointsRule
    | JudgementRule
    | QualitativeRule
    | CompositeRule,
    Field(discriminator="kind"),
]
JudgedRule = CategoricalRule | CheckpointsRule | JudgementRule | QualitativeRule


class Override(RuleModel):
    """An evaluator's replacement for a computed score, with its reason."""

    score: Number
    reason: Text


class Judgement(RuleModel):
    """Evaluator input for one level-3 indicator."""

    score: Number | None = None
    option: Text | None = None
    checkpoints: dict[Text, Number] | None = Field(default=None, max_length=MAX_ITEMS)
    reason: Reason | None = None
    override: Override | None = None


@dataclass(frozen=True)
class Input:
    """A value a rule reads: None when missing (not supplied, or a division by zero)."""

    value: Decimal | bool | None
    label: str
    format: Format


@dataclass(frozen=True)
class Outcome:
    """A scored indicator: score rounded half-up to two decimals, with its explanation."""

    score: Decimal
    explanation: str
    deduction_reason: str | None
    judged: bool


class RuleInputError(ValueError):
    """Scoring cannot proceed with these inputs; `field` is the relative path of the culprit."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
