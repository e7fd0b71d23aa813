"""Rule models: what the data contract accepts, what it refuses, and its defaults."""

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from services.scoring import rules

RULE: TypeAdapter[rules.Rule] = TypeAdapter(rules.Rule)

STEP = {
    "kind": "step",
    "value": "市民满意度",
    "direction": ">=",
    "full_at": "0.90",
    "step": "0.05",
    "points_per_step": "1",
    "partial_step": "whole",
}
VALID: list[dict[str, Any]] = [
    {"kind": "rate", "value": "实际到位资金 / 预算资金"},
    {"kind": "target", "value": "检查企业家次", "direction": ">=", "target": 500},
    STEP,
    {
        "kind": "overrun",
        "value": "成本控制率",
        "full_at": 1,
        "step": 0.01,
        "points_per_step": 1,
        "partial_step": "whole",
    },
    {"kind": "tiers", "value": "降低率", "tiers": [{"op": ">", "than": 0, "points": 8}]},
    {"kind": "pass_fail", "condition": "较大事故数 == 0"},
    {
        "kind": "change",
        "current": "本年",
        "last_year": "上年",
        "better": "lower",
        "base_points": 3,
        "step": 0.05,
        "malus_per_step": 0.5,
        "bonus_per_step": 0.5,
        "partial_step": "whole",
    },
    {"kind": "categorical", "options": [{"key": "timely", "label": "及时到位", "points": 2}]},
    {"kind": "checkpoints", "checkpoints": [{"key": "1", "text": "…", "points": "0.5"}]},
    {"kind": "judgement"},
    {"kind": "qualitative"},
    {
        "kind": "composite",
        "parts": [{"label": "①", "points": 5, "rule": {"kind": "rate", "value": "x"}}],
    },
]


def refuses(data: object) -> ValidationError:
    """Return the validation error a rule raises."""
    with pytest.raises(ValidationError) as caught:
        RULE.validate_python(data)
    return caught.value


@pytest.mark.parametrize("data", VALID, ids=[str(data["kind"]) for data in VALID])
def test_every_kind_parses_from_python_and_json(data: dict[str, Any]) -> None:
    parsed = RULE.validate_python(data)
    assert parsed.kind == data["kind"]
    assert RULE.validate_json(json.dumps(data)) == parsed
    assert RULE.validate_json(RULE.dump_json(parsed)) == parsed


def test_json_numbers_and_strings_parse_to_exact_decimals() -> None:
    from_numbers = RULE.validate_json(
        '{"kind": "step", "value": "v", "direction": ">=", "full_at": 0.9,'
        ' "step": 0.05, "points_per_step": 1, "partial_step": "whole"}'
    )
    assert isinstance(from_numbers, rules.StepRule)
    assert from_numbers.full_at == Decimal("0.9")
    assert from_numbers.step == Decimal("0.05")
    assert str(from_numbers.step) == "0.05"
    from_strings = RULE.validate_python(STEP)
    assert isinstance(from_strings, rules.StepRule)
    assert str(from_strings.full_at) == "0.90"


def test_defaults() -> None:
    rate = RULE.validate_python({"kind": "rate", "value": "x"})
    assert isinstance(rate, rules.RateRule)
    assert rate.cap is True
    assert isinstance(rate.on_missing, rules.FailFallback)
    qualitative = RULE.validate_python({"kind": "qualitative"})
    assert isinstance(qualitative, rules.QualitativeRule)
    assert [(tier.label, tier.min, tier.max) for tier in qualitative.tiers] == [
        ("达成预期指标", Decimal("0.8"), Decimal(1)),
        ("部分达成并具有一定效果", Decimal("0.6"), Decimal("0.8")),
        ("未达成且效果较差", Decimal(0), Decimal("0.6")),
    ]
    judgement = RULE.validate_python({"kind": "judgement"})
    assert isinstance(judgement, rules.JudgementRule)
    assert (judgement.min, judgement.max) == (Decimal(0), None)
    change = RULE.validate_python(VALID[6])
    assert isinstance(change, rules.ChangeRule)
    assert (change.min, change.max) == (Decimal(0), None)
    assert isinstance(change.when_last_year_zero, rules.FailFallback)


def test_declared_fallbacks_parse() -> None:
    fallback = {"outcome": "score", "score": "0", "reason": "未提供资料"}
    rate = RULE.validate_python({"kind": "rate", "value": "x", "on_missing": fallback})
    assert isinstance(rate, rules.RateRule)
    expected = rules.ScoreFallback(outcome="score", score=Decimal(0), reason="未提供资料")
    assert rate.on_missing == expected


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "average", "value": "x"},  # unknown kind
        {"value": "x"},  # no kind
        {"kind": "rate", "value": "x", "weight": "3"},  # extra field
        {"kind": "rate"},  # missing formula
        {"kind": "rate", "value": "  "},  # empty formula
        {"kind": "rate", "value": "x", "cap": "yes"},  # not a boolean
        {"kind": "rate", "value": "x", "cap": 1},
        {"kind": "target", "value": "x", "direction": ">=", "target": True},  # boolean for a number
        {"kind": "target", "value": "x", "direction": ">", "target": 1},  # unknown direction
        {**STEP, "step": "-0.05"},  # negative step
        {**STEP, "step": "0"},
        {**STEP, "points_per_step": "-1"},
        {**STEP, "points_per_step": False},
        {**STEP, "full_at": "NaN"},
        {**STEP, "full_at": "abc"},
        {**STEP, "partial_step": "round"},
        {
            key: item for key, item in STEP.items() if key != "partial_step"
        },  # the rounding must be stated
        {**STEP, "on_missing": {"outcome": "skip"}},
        {
            **STEP,
            "on_missing": {"outcome": "score", "score": "0"},
        },  # a declared score needs its reason
        {**STEP, "on_missing": {"outcome": "score", "score": "-1", "reason": "r"}},
        {"kind": "tiers", "value": "x", "tiers": []},
        {
            "kind": "tiers",
            "value": "x",
            "tiers": [{"op": ">", "than": 0, "points": 8, "note": "…"}],
        },
        {"kind": "tiers", "value": "x", "tiers": [{"op": "~", "than": 0, "points": 8}]},
        {"kind": "categorical", "options": []},
        {"kind": "categorical", "options": [{"key": "a", "label": "A", "points": True}]},
        {"kind": "checkpoints", "checkpoints": [{"key": "1", "text": "…", "points": "-0.5"}]},
        {"kind": "judgement", "max": True},
        {
            "kind": "composite",
            "parts": [{"label": "①", "points": 5, "rule": {"kind": "judgement"}}],
        },
        {
            "kind": "composite",
            "parts": [{"label": "①", "points": 5, "rule": {"kind": "composite", "parts": []}}],
        },
    ],
)
def test_invalid_rules_are_refused(data: dict[str, Any]) -> None:
    refuses(data)


def test_a_boolean_is_refused_from_json_too() -> None:
    with pytest.raises(ValidationError) as caught:
        RULE.validate_json('{"kind": "target", "value": "x", "direction": ">=", "target": true}')
    assert caught.value.errors()[0]["loc"] == ("target", "target")
    assert "not a boolean" in str(caught.value)


def test_rules_are_immutable() -> None:
    rate = RULE.validate_python({"kind": "rate", "value": "x"})
    assert isinstance(rate, rules.RateRule)
    with pytest.raises(ValidationError):
        rate.value = "y"  # type: ignore[misc]


def test_judgement_parses_every_field() -> None:
    judgement = rules.Judgement.model_validate_json(
        '{"score": 2.5, "option": "late", "checkpoints": {"1": "0.5", "2": 0.25},'
        ' "reason": "…", "override": {"score": "4", "reason": "复核调整"}}'
    )
    assert judgement.score == Decimal("2.5")
    assert judgement.checkpoints == {"1": Decimal("0.5"), "2": Decimal("0.25")}
    assert judgement.override == rules.Override(score=Decimal(4), reason="复核调整")


@pytest.mark.parametrize(
    "data",
    [
        {"score": True},
        {"checkpoints": {"1": True}},
        {"grade": "优"},
        {"override": {"score": "4"}},
        {"override": {"score": "4", "reason": ""}},
        {"override": {"score": False, "reason": "r"}},
        {"override": {"score": "4", "reason": "r", "by": "张三"}},
    ],
)
def test_invalid_judgements_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        rules.Judgement.model_validate(data)


def test_rule_input_error_carries_its_message_and_field() -> None:
    error = rules.RuleInputError("缺少数据：资金到位率", "value")
    assert isinstance(error, ValueError)
    assert (error.message, error.field, str(error)) == (
        "缺少数据：资金到位率",
        "value",
        "缺少数据：资金到位率",
    )
