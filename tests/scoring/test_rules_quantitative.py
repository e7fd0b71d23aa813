"""Quantitative rules: exact scores, explanations and deduction reasons, computed by hand."""

from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter

from services.scoring import rules

RULE: TypeAdapter[rules.Rule] = TypeAdapter(rules.Rule)

SATISFACTION = {  # seed 001 市民满意度: ≥90%得8分，每下降5%扣1分（不足5%按5%计算），低于60%不得分
    "kind": "step",
    "value": "市民满意度",
    "direction": ">=",
    "full_at": "0.90",
    "step": "0.05",
    "points_per_step": "1",
    "partial_step": "whole",
    "zero_beyond": "0.60",
}
HANDLING = {  # seed 001 处置率: 100%得7分，每下降2%扣1分（不足2%按2%计算），扣完为止
    "kind": "step",
    "value": "处置率",
    "direction": ">=",
    "full_at": "1",
    "step": "0.02",
    "points_per_step": "1",
    "partial_step": "whole",
}
COST = {  # seed 001 成本控制率: ≤100%得6分，每超出1%扣1分，扣完为止
    "kind": "overrun",
    "value": "项目成本控制率",
    "full_at": "1",
    "step": "0.01",
    "points_per_step": "1",
    "partial_step": "whole",
}
ACCIDENTS = {  # seed 004: 起数相同计3分，每增加5%扣0.5分，每下降5%增加0.5分，最高5分，最低0分
    "kind": "change",
    "current": "本年度较大及以上事故起数",
    "last_year": "上年度较大及以上事故起数",
    "better": "lower",
    "base_points": "3",
    "step": "0.05",
    "malus_per_step": "0.5",
    "bonus_per_step": "0.5",
    "max": "5",
    "min": "0",
    "partial_step": "whole",
}


def value(number: str | bool | None, label: str, fmt: str = "percent") -> rules.Input:
    """Build an input from text ("140/156" divides exactly in Decimal)."""
    if number is None or isinstance(number, bool):
        return rules.Input(number, label, "percent" if fmt == "percent" else "number")
    top, _, bottom = number.partition("/")
    parsed = Decimal(top) / Decimal(bottom) if bottom else Decimal(top)
    return rules.Input(parsed, label, "percent" if fmt == "percent" else "number")


def run(
    data: dict[str, Any], weight: str, inputs: dict[str, rules.Input], judgement: Any = None
) -> rules.Outcome:
    """Score a rule given as JSON-like data; a computed rule never returns None."""
    outcome = rules.score(RULE.validate_python(data), Decimal(weight), inputs, judgement)
    assert outcome is not None
    return outcome


def one(
    data: dict[str, Any], weight: str, number: str, label: str, fmt: str = "percent"
) -> rules.Outcome:
    """Score a rule that reads one value."""
    return run(data, weight, {"value": value(number, label, fmt)})


# rate -------------------------------------------------------------------------------------------

RATE = {"kind": "rate", "value": "实际到位资金 / 预算资金"}


@pytest.mark.parametrize(
    ("number", "cap", "expected"),
    [
        ("140/140", True, "3.00"),  # seed 001 资金到位率
        ("0.95", True, "2.85"),
        ("15400/15600", True, "2.96"),  # 98.7179…% × 3 = 2.9615…
        ("2/3", True, "2.00"),  # 0.6666…67 × 3: only the final score is rounded
        ("0.8325", True, "2.50"),  # 2.4975 rounds half-up
        ("1.05", True, "3.00"),
        ("1.05", False, "3.00"),  # no cap: still at most W
        ("-0.1", True, "0.00"),
    ],
)
def test_rate_scores_rate_times_weight(number: str, cap: bool, expected: str) -> None:
    outcome = one({**RATE, "cap": cap}, "3", number, "资金到位率")
    assert str(outcome.score) == expected
    assert outcome.judged is False


def test_rate_explains_full_marks() -> None:
    outcome = one(RATE, "3", "140/140", "资金到位率")
    assert outcome.explanation == "资金到位率 = 100.00%；得分 = 100.00% × 3 = 3.00"
    assert outcome.deduction_reason is None


def test_rate_explains_a_deduction() -> None:
    outcome = one(RATE, "3", "0.95", "资金到位率")
    assert outcome.explanation == "资金到位率 = 95.00%；得分 = 95.00% × 3 = 2.85"
    assert outcome.deduction_reason == "资金到位率 95.00%，未达到 100%，扣 0.15 分"


def test_rate_explains_the_cap() -> None:
    capped = one(RATE, "3", "1.05", "资金到位率")
    assert (
        capped.explanation
        == "资金到位率 = 105.00%，超过 100% 按 100% 计算；得分 = 100.00% × 3 = 3.00"
    )
    uncapped = one({**RATE, "cap": False}, "3", "1.05", "资金到位率")
    assert (
        uncapped.explanation
        == "资金到位率 = 105.00%；得分 = 105.00% × 3 = 3.15，以满分 3 为限，得 3.00"
    )


def test_rate_prints_a_number_format_value_as_a_number() -> None:
    outcome = one(RATE, "3", "0.95", "到位比", fmt="number")
    assert outcome.explanation == "到位比 = 0.95；得分 = 0.95 × 3 = 2.85"


# target -----------------------------------------------------------------------------------------

INSPECTIONS = {"kind": "target", "value": "检查企业家次", "direction": ">=", "target": "500"}


@pytest.mark.parametrize(
    ("direction", "target", "number", "expected"),
    [
        (">=", "500", "540", "3.00"),  # seed 001 检查企业家次
        (">=", "500", "500", "3.00"),
        (">=", "500", "450", "2.70"),
        (">=", "10", "7", "2.10"),
        (">=", "0", "3", "3.00"),
        ("<=", "100", "80", "3.00"),
        ("<=", "100", "100", "3.00"),
        ("<=", "100", "120", "2.50"),  # 3 × 100 / 120
        ("==", "100", "100", "3.00"),
        ("==", "100", "90", "2.70"),
        ("==", "100", "110", "2.73"),  # 3 × 100 / 110 = 2.7272…
        (">=", "500", "-5", "0.00"),
    ],
)
def test_target_scores_met_or_pro_rata(
    direction: str, target: str, number: str, expected: str
) -> None:
    data = {**INSPECTIONS, "direction": direction, "target": target}
    assert str(one(data, "3", number, "检查企业家次", fmt="number").score) == expected


def test_target_explains_a_shortfall() -> None:
    outcome = one(INSPECTIONS, "3", "450", "检查企业家次", fmt="number")
    assert (
        outcome.explanation
        == "检查企业家次 450 < 目标值 500，按实际完成比例得分 = 450 / 500 × 3 = 2.70"
    )
    assert outcome.deduction_reason == "检查企业家次 450 未达到目标值 500，扣 0.30 分"


def test_target_explains_full_marks() -> None:
    outcome = one(INSPECTIONS, "3", "540", "检查企业家次", fmt="number")
    assert outcome.explanation == "检查企业家次 540 ≥ 目标值 500，得满分 3.00"
    assert outcome.deduction_reason is None


def test_target_explains_an_excess_and_a_deviation() -> None:
    at_most = one({**INSPECTIONS, "direction": "<="}, "3", "600", "支出金额", fmt="number")
    assert (
        at_most.explanation
        == "支出金额 600 > 目标值 500，按目标值占实际值的比例得分 = 500 / 600 × 3 = 2.50"
    )
    assert at_most.deduction_reason == "支出金额 600 超过目标值 500，扣 0.50 分"
    exact = one({**INSPECTIONS, "direction": "=="}, "3", "450", "培训人数", fmt="number")
    assert (
        exact.explanation
        == "培训人数 450 ≠ 目标值 500，按较小值占较大值的比例得分 = 450 / 500 × 3 = 2.70"
    )
    assert exact.deduction_reason == "培训人数 450 偏离目标值 500，扣 0.30 分"


def test_target_prints_percent_targets_as_percentages() -> None:
    data = {**INSPECTIONS, "target": "0.9"}
    outcome = one(data, "3", "0.85", "完成率")
    assert outcome.score == Decimal("2.83")
    assert (
        outcome.explanation
        == "完成率 85.00% < 目标值 90.00%，按实际完成比例得分 = 85.00% / 90.00% × 3 = 2.83"
    )


# step and overrun -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("0.9872", "8.00"),
        ("15400/15600", "8.00"),
        ("0.90", "8.00"),
        ("0.85", "7.00"),  # exactly one step, not two
        ("0.84", "6.00"),  # 6% = 2 steps (不足5%按5%计算)
        ("0.80", "6.00"),
        ("0.7999", "5.00"),
        ("0.65", "3.00"),
        ("0.60", "2.00"),  # not below 60%: 6 steps
        ("0.5999", "0.00"),  # below 60%: 不得分
    ],
)
def test_step_scores_seed_001_satisfaction(number: str, expected: str) -> None:
    assert str(one(SATISFACTION, "8", number, "市民满意度").score) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("1", "7.00"),
        ("0.99", "6.00"),
        ("0.98", "6.00"),
        ("0.97", "5.00"),
        ("0.86", "0.00"),
        ("0.5", "0.00"),
    ],
)
def test_step_scores_seed_001_handling_rate_floored_at_zero(number: str, expected: str) -> None:
    assert str(one(HANDLING, "7", number, "安全生产应急事件处置率").score) == expected


@pytest.mark.parametrize(
    ("mode", "number", "expected"),
    [
        ("whole", "0.93", "2.00"),  # 7% → 2 steps
        ("ignore", "0.93", "2.50"),  # 7% → 1 step
        ("pro_rata", "0.93", "2.30"),  # 3 − 0.07 / 0.05 × 0.5
        ("whole", "0.95", "2.50"),
        ("ignore", "0.95", "2.50"),
        ("pro_rata", "0.95", "2.50"),
        ("ignore", "0.97", "3.00"),
        ("pro_rata", "0.97", "2.70"),
        ("pro_rata", "0.94", "2.40"),
        ("whole", "0.70", "0.00"),  # 扣完为止
        ("whole", "1", "3.00"),
    ],
)
def test_step_partial_step_modes_on_seed_004_funds_arrival(
    mode: str, number: str, expected: str
) -> None:
    data = {**HANDLING, "step": "0.05", "points_per_step": "0.5", "partial_step": mode}
    assert str(one(data, "3", number, "资金到位率").score) == expected


def test_step_explains_a_partial_step_counted_whole() -> None:
    outcome = one(SATISFACTION, "8", "0.84", "市民满意度")
    assert outcome.explanation == (
        "市民满意度 = 84.00%，低于 90.00%，下降 6.00%，每 5.00% 扣 1 分"
        "（不足 5.00% 按 5.00% 计算，计 2 档）；得分 = 8 − 2 × 1 = 6.00"
    )
    assert outcome.deduction_reason == (
        "市民满意度 84.00% 低于 90.00%，下降 6.00%（不足 5.00% 按 5.00% 计算，计 2 档），扣 2.00 分"
    )


def test_step_explains_whole_steps_full_marks_and_the_cut_off() -> None:
    exact = one(SATISFACTION, "8", "0.85", "市民满意度")
    assert (
        exact.deduction_reason == "市民满意度 85.00% 低于 90.00%，下降 5.00%（计 1 档），扣 1.00 分"
    )
    full = one(SATISFACTION, "8", "0.9872", "市民满意度")
    assert full.explanation == "市民满意度 = 98.72%，不低于 90.00%，得满分 8.00"
    assert full.deduction_reason is None
    cut = one(SATISFACTION, "8", "0.5999", "市民满意度")
    assert cut.explanation == "市民满意度 = 59.99%，低于 60.00%，不得分；得分 = 0.00"
    assert cut.deduction_reason == "市民满意度 59.99% 低于 60.00%，不得分，扣 8.00 分"


def test_step_explains_the_other_partial_step_modes() -> None:
    data = {**HANDLING, "step": "0.05", "points_per_step": "0.5"}
    ignored = one({**data, "partial_step": "ignore"}, "3", "0.93", "资金到位率")
    assert ignored.deduction_reason == (
        "资金到位率 93.00% 低于 100.00%，下降 7.00%（不足 5.00% 的部分不计，计 1 档），扣 0.50 分"
    )
    pro_rata = one({**data, "partial_step": "pro_rata"}, "3", "0.93", "资金到位率")
    assert pro_rata.explanation == (
        "资金到位率 = 93.00%，低于 100.00%，下降 7.00%，每 5.00% 扣 0.5 分（按比例计 1.4 档）；"
        "得分 = 3 − 1.4 × 0.5 = 2.30"
    )


def test_step_explains_the_floor_at_zero() -> None:
    outcome = one(HANDLING, "7", "0.85", "处置率")
    assert outcome.explanation == (
        "处置率 = 85.00%，低于 100.00%，下降 15.00%，每 2.00% 扣 1 分"
        "（不足 2.00% 按 2.00% 计算，计 8 档）；得分 = 7 − 8 × 1 < 0，扣完为止，得分 = 0.00"
    )
    assert outcome.deduction_reason == (
        "处置率 85.00% 低于 100.00%，下降 15.00%（不足 2.00% 按 2.00% 计算，计 8 档），"
        "扣完为止，扣 7.00 分"
    )


@pytest.mark.parametrize(
    ("number", "expected"),
    [("0.04", "3.00"), ("0.05", "3.00"), ("0.065", "2.00"), ("0.1", "0.50"), ("0.11", "0.00")],
)
def test_step_at_most_deducts_for_excess(number: str, expected: str) -> None:
    data = {
        **HANDLING,
        "direction": "<=",
        "full_at": "0.05",
        "step": "0.01",
        "points_per_step": "0.5",
        "zero_beyond": "0.10",
    }
    assert str(one(data, "3", number, "差错率").score) == expected


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("1", "6.00"),
        ("0.9", "6.00"),
        ("1.01", "5.00"),
        ("1.025", "3.00"),
        ("1.06", "0.00"),
        ("1.2", "0.00"),
    ],
)
def test_overrun_scores_seed_001_cost_control(number: str, expected: str) -> None:
    assert str(one(COST, "6", number, "项目成本控制率").score) == expected


def test_overrun_explains_the_excess() -> None:
    outcome = one(COST, "6", "1.025", "项目成本控制率")
    assert outcome.explanation == (
        "项目成本控制率 = 102.50%，高于 100.00%，超出 2.50%，每 1.00% 扣 1 分"
        "（不足 1.00% 按 1.00% 计算，计 3 档）；得分 = 6 − 3 × 1 = 3.00"
    )
    assert outcome.deduction_reason == (
        "项目成本控制率 102.50% 高于 100.00%，超出 2.50%（不足 1.00% 按 1.00% 计算，计 3 档），"
        "扣 3.00 分"
    )
    assert (
        one(COST, "6", "1", "项目成本控制率").explanation
        == "项目成本控制率 = 100.00%，不高于 100.00%，得满分 6.00"
    )


# tiers ------------------------------------------------------------------------------------------

REDUCTION = {  # seed 001 一般安全生产事故降低率: >0%得8分；=0%得4分；否则不得分
    "kind": "tiers",
    "value": "(上年度一般事故数 - 本年度一般事故数) / 上年度一般事故数",
    "tiers": [{"op": ">", "than": "0", "points": "8"}, {"op": "==", "than": "0", "points": "4"}],
}


@pytest.mark.parametrize(
    ("number", "expected"), [("0.4", "8.00"), ("2/5", "8.00"), ("0", "4.00"), ("-0.2", "0.00")]
)
def test_tiers_score_the_first_tier_that_holds(number: str, expected: str) -> None:
    assert str(one(REDUCTION, "8", number, "一般安全生产事故降低率").score) == expected


def test_tiers_explain_the_tier_or_its_absence() -> None:
    label = "一般安全生产事故降低率"
    first = one(REDUCTION, "8", "0.4", label)
    assert first.explanation == "一般安全生产事故降低率 = 40.00%，满足 > 0.00%，得 8.00"
    assert first.deduction_reason is None
    second = one(REDUCTION, "8", "0", label)
    assert second.explanation == "一般安全生产事故降低率 = 0.00%，满足 = 0.00%，得 4.00"
    assert (
        second.deduction_reason
        == "一般安全生产事故降低率 0.00% 满足 = 0.00%，得 4.00 分，扣 4.00 分"
    )
    none = one(REDUCTION, "8", "-0.2", label)
    assert none.explanation == "一般安全生产事故降低率 = -20.00%，不满足任何档次条件，得 0.00"
    assert (
        none.deduction_reason
        == "一般安全生产事故降低率 -20.00% 不满足任何档次条件，得 0.00 分，扣 8.00 分"
    )


@pytest.mark.parametrize(
    ("op", "number", "expected"),
    [
        (">=", "5", "2.00"),
        (">=", "4", "1.00"),
        ("<", "4", "2.00"),
        ("<=", "5", "2.00"),
        ("!=", "5", "1.00"),
    ],
)
def test_tiers_compare_with_every_operator(op: str, number: str, expected: str) -> None:
    data = {
        "kind": "tiers",
        "value": "n",
        "tiers": [{"op": op, "than": "5", "points": "2"}],
        "otherwise": "1",
    }
    assert str(one(data, "2", number, "次数", fmt="number").score) == expected


# pass_fail --------------------------------------------------------------------------------------

CONTROL = {"kind": "pass_fail", "condition": "较大以上安全事故发生数 == 0"}


def test_pass_fail_scores_full_marks_when_the_condition_holds() -> None:
    outcome = run(CONTROL, "7", {"condition": value(True, "未发生较大以上安全事故")})
    assert outcome.score == Decimal("7.00")
    assert outcome.explanation == "未发生较大以上安全事故：是，得满分 7.00"
    assert outcome.deduction_reason is None


def test_pass_fail_scores_zero_with_a_reason_otherwise() -> None:
    outcome = run(CONTROL, "7", {"condition": value(False, "未发生较大以上安全事故")})
    assert str(outcome.score) == "0.00"
    assert outcome.explanation == "未发生较大以上安全事故：否，不得分；得分 = 0.00"
    assert outcome.deduction_reason == "未发生较大以上安全事故：否，不得分，扣 7.00 分"
    declared = run(
        {**CONTROL, "fail_reason": "本年度发生较大以上安全事故1起，不得分。"},
        "7",
        {"condition": value(False, "未发生较大以上安全事故")},
    )
    assert declared.deduction_reason == "本年度发生较大以上安全事故1起，不得分。"


def test_pass_fail_refuses_a_number() -> None:
    with pytest.raises(rules.RuleInputError) as caught:
        run(CONTROL, "7", {"condition": value("1", "未发生较大以上安全事故")})
    assert caught.value.field == "condition"


# change -----------------------------------------------------------------------------------------


def counts(current: str, last: str) -> dict[str, rules.Input]:
    """Build the inputs of a change rule."""
    return {
        "current": value(current, "本年度事故起数", "number"),
        "last_year": value(last, "上年度事故起数", "number"),
    }


@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        ("10", "10", "3.00"),
        ("9", "10", "4.00"),  # −10% = 2 steps of bonus
        ("12", "10", "1.00"),  # +20% = 4 steps of malus
        ("11", "10", "2.00"),  # +10%
        ("0", "10", "5.00"),  # −100% → 13, clamped to 5
        ("20", "10", "0.00"),  # +100% → −7, clamped to 0
        ("0", "0", "3.00"),  # both zero: unchanged
        ("29", "30", "3.50"),  # −3.33…% → 1 step (不足一档按一档)
    ],
)
def test_change_moves_the_base_by_steps(current: str, last: str, expected: str) -> None:
    assert str(run(ACCIDENTS, "5", counts(current, last)).score) == expected


def test_change_explains_the_arithmetic() -> None:
    better = run(ACCIDENTS, "5", counts("9", "10"))
    assert better.explanation == (
        "本年度事故起数 = 9，上年度事故起数 = 10，变化率 = (9 − 10) / 10 = -10.00%，"
        "下降 10.00%，每 5.00% 加 0.5 分（计 2 档）；得分 = 3 + 2 × 0.5 = 4.00"
    )
    assert (
        better.deduction_reason
        == "本年度事故起数 9 比上年 10 下降 10.00%（计 2 档），得 4.00 分，扣 1.00 分"
    )
    worse = run(ACCIDENTS, "5", counts("12", "10"))
    assert worse.explanation.endswith(
        "增加 20.00%，每 5.00% 扣 0.5 分（计 4 档）；得分 = 3 − 4 × 0.5 = 1.00"
    )
    clamped = run(ACCIDENTS, "5", counts("0", "10"))
    assert clamped.explanation.endswith("得分 = 3 + 20 × 0.5 = 13，最高 5 分，得 5.00")
    assert clamped.deduction_reason is None
    floored = run(ACCIDENTS, "5", counts("20", "10"))
    assert floored.explanation.endswith("得分 = 3 − 20 × 0.5 = -7，最低 0 分，得 0.00")
    same = run(ACCIDENTS, "5", counts("0", "0"))
    assert (
        same.explanation
        == "本年度事故起数 = 0，上年度事故起数 = 0，与上年持平，计基础分 3；得分 = 3.00"
    )
    assert same.deduction_reason == "本年度事故起数 0 与上年持平，计基础分 3 分，扣 2.00 分"


def test_change_with_last_year_zero_refuses_by_default() -> None:
    with pytest.raises(rules.RuleInputError) as caught:
        run(ACCIDENTS, "5", counts("2", "0"))
    assert caught.value.field == "last_year"
    assert "上年度事故起数" in caught.value.message


def test_change_with_last_year_zero_scores_the_declared_outcome() -> None:
    declared = {"outcome": "score", "score": "1", "reason": "上年未发生事故，本年发生事故"}
    outcome = run({**ACCIDENTS, "when_last_year_zero": declared}, "5", counts("2", "0"))
    assert outcome.score == Decimal("1.00")
    assert outcome.deduction_reason == "上年未发生事故，本年发生事故，扣 4.00 分"
    assert outcome.explanation.endswith("按规定计 1.00 分（上年未发生事故，本年发生事故）")


@pytest.mark.parametrize(
    ("better", "mode", "current", "expected"),
    [
        ("higher", "whole", "110", "4.00"),  # +10% is better: 2 steps of bonus
        ("higher", "whole", "93", "2.00"),  # −7% → 2 steps of malus
        ("higher", "ignore", "93", "2.50"),
        ("higher", "pro_rata", "93", "2.30"),
        ("lower", "pro_rata", "93", "3.70"),
    ],
)
def test_change_direction_and_partial_steps(
    better: str, mode: str, current: str, expected: str
) -> None:
    data = {**ACCIDENTS, "better": better, "partial_step": mode}
    assert str(run(data, "5", counts(current, "100")).score) == expected


def test_change_max_defaults_to_the_weight() -> None:
    data = {key: item for key, item in ACCIDENTS.items() if key != "max"}
    assert run(data, "4", counts("0", "10")).score == Decimal("4.00")


# composite --------------------------------------------------------------------------------------

SOCIAL = {  # seed 004 社会效益 (9分): ①较大及以上事故起数 最高5分; ②一般事故起数 最高4分
    "kind": "composite",
    "parts": [
        {"label": "①较大及以上安全生产事故起数", "points": "5", "rule": ACCIDENTS},
        {"label": "②一般安全生产事故起数", "points": "4", "rule": {**ACCIDENTS, "max": "4"}},
    ],
}


def parts(first: tuple[str, str], second: tuple[str, str]) -> dict[str, rules.Input]:
    """Build the inputs of the two-part composite."""
    return {
        "parts.0.current": value(first[0], "本年度较大事故起数", "number"),
        "parts.0.last_year": value(first[1], "上年度较大事故起数", "number"),
        "parts.1.current": value(second[0], "本年度一般事故起数", "number"),
        "parts.1.last_year": value(second[1], "上年度一般事故起数", "number"),
    }


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (("1", "1"), ("10", "10"), "6.00"),
        (("0", "1"), ("9", "10"), "9.00"),  # 5 (clamped) + 4
        (("2", "2"), ("12", "10"), "4.00"),  # 3 + 1
        (("2", "1"), ("0", "10"), "4.00"),  # 0 + 4
    ],
)
def test_composite_adds_its_parts(
    first: tuple[str, str], second: tuple[str, str], expected: str
) -> None:
    assert str(run(SOCIAL, "9", parts(first, second)).score) == expected


def test_composite_explains_each_part_and_lists_their_deductions() -> None:
    outcome = run(SOCIAL, "9", parts(("2", "2"), ("12", "10")))
    assert outcome.explanation.startswith("①较大及以上安全生产事故起数：本年度较大事故起数 = 2，")
    assert outcome.explanation.endswith("。合计得分 = 3.00 + 1.00 = 4.00")
    assert outcome.deduction_reason == (
        "①较大及以上安全生产事故起数：本年度较大事故起数 2 与上年持平，计基础分 3 分，扣 2.00 分；"
        "②一般安全生产事故起数：本年度一般事故起数 12 比上年 10 增加 20.00%（计 4 档），"
        "得 1.00 分，扣 3.00 分"
    )
    full = run(SOCIAL, "9", parts(("0", "1"), ("9", "10")))
    assert full.deduction_reason is None


def test_composite_of_five_points_each_adds_rounded_parts() -> None:
    data = {
        "kind": "composite",
        "parts": [
            {"label": "①", "points": "5", "rule": RATE},
            {"label": "②", "points": "5", "rule": RATE},
        ],
    }
    inputs = {"parts.0.value": value("1/3", "甲"), "parts.1.value": value("1/3", "乙")}
    outcome = run(data, "10", inputs)
    assert outcome.score == Decimal("3.34")  # 1.67 + 1.67: the printed parts add up
    assert outcome.explanation.endswith("合计得分 = 1.67 + 1.67 = 3.34")


def test_composite_names_the_part_of_a_missing_value() -> None:
    inputs = parts(("1", "1"), ("10", "10"))
    inputs["parts.1.last_year"] = value(None, "上年度一般事故起数")
    with pytest.raises(rules.RuleInputError) as caught:
        run(SOCIAL, "9", inputs)
    assert caught.value.field == "parts.1.last_year"
    assert "上年度一般事故起数" in caught.value.message
    assert caught.value.message.startswith("②一般安全生产事故起数：")


# missing values, wrong inputs, formulas ---------------------------------------------------------


def test_a_missing_value_is_an_error_naming_it_by_default() -> None:
    with pytest.raises(rules.RuleInputError) as caught:
        one(RATE, "3", None, "资金到位率")  # type: ignore[arg-type]
    assert caught.value.field == "value"
    assert caught.value.message == "缺少数据：资金到位率"
    assert str(caught.value) == "缺少数据：资金到位率"


def test_a_missing_value_scores_the_declared_outcome() -> None:
    fallback = {"outcome": "score", "score": "0", "reason": "未提供资料"}
    outcome = run(
        {**SATISFACTION, "on_missing": fallback}, "8", {"value": value(None, "市民满意度")}
    )
    assert outcome.score == Decimal("0.00")
    assert outcome.explanation == "缺少数据：市民满意度，按规定计 0.00 分（未提供资料）"
    assert outcome.deduction_reason == "未提供资料，扣 8.00 分"
    assert outcome.judged is False


def test_a_missing_change_count_names_its_slot() -> None:
    inputs = counts("1", "1")
    inputs["current"] = value(None, "本年度事故起数")
    with pytest.raises(rules.RuleInputError) as caught:
        run(ACCIDENTS, "5", inputs)
    assert caught.value.field == "current"


def test_a_boolean_where_a_number_belongs_is_an_input_error() -> None:
    with pytest.raises(rules.RuleInputError) as caught:
        run(RATE, "3", {"value": value(True, "资金到位率")})
    assert caught.value.field == "value"


@pytest.mark.parametrize("field", ["score", "option", "checkpoints"])
def test_a_computed_rule_refuses_a_judged_field(field: str) -> None:
    entry: dict[str, Any] = {"score": "2"} if field == "score" else {}
    entry |= {"option": "a"} if field == "option" else {}
    entry |= {"checkpoints": {"1": "1"}} if field == "checkpoints" else {}
    judgement = rules.Judgement.model_validate(entry)
    with pytest.raises(rules.RuleInputError) as caught:
        run(RATE, "3", {"value": value("1", "资金到位率")}, judgement)
    assert caught.value.field == f"judgement.{field}"


def test_a_computed_rule_leaves_an_override_to_the_engine() -> None:
    judgement = rules.Judgement.model_validate({"override": {"score": "2", "reason": "资料不实"}})
    assert run(RATE, "3", {"value": value("1", "资金到位率")}, judgement).score == Decimal("3.00")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (RATE, {"value": "实际到位资金 / 预算资金"}),
        (SATISFACTION, {"value": "市民满意度"}),
        (COST, {"value": "项目成本控制率"}),
        (CONTROL, {"condition": "较大以上安全事故发生数 == 0"}),
        (
            ACCIDENTS,
            {"current": "本年度较大及以上事故起数", "last_year": "上年度较大及以上事故起数"},
        ),
        (
            SOCIAL,
            {
                "parts.0.current": "本年度较大及以上事故起数",
                "parts.0.last_year": "上年度较大及以上事故起数",
                "parts.1.current": "本年度较大及以上事故起数",
                "parts.1.last_year": "上年度较大及以上事故起数",
            },
        ),
        ({"kind": "judgement"}, {}),
        ({"kind": "qualitative"}, {}),
    ],
)
def test_formulas_name_every_slot(data: dict[str, Any], expected: dict[str, str]) -> None:
    assert rules.formulas(RULE.validate_python(data)) == expected
