from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from services.scoring import engine, rules, system
from services.scoring.engine import values

D = Decimal


def leaf(code: str, name: str, weight: str, rule: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, "name": name, "weight": weight, "rule": rule}


def group(code: str, name: str, weight: str, *children: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, "name": name, "weight": weight, "children": list(children)}


SYSTEM: dict[str, Any] = {
    "name": "测试体系",
    "grade_scale": "four_band",
    "facts": [
        {"name": "预算资金", "type": "amount", "unit": "万元"},
        {"name": "实际到位资金", "type": "amount", "unit": "万元"},
        {"name": "检查次数", "type": "count"},
        {"name": "满意度", "type": "rate"},
        {"name": "发生较大事故", "type": "boolean"},
        {"name": "上年事故数", "type": "count"},
        {"name": "本年事故数", "type": "count"},
    ],
    "derived": [
        {"name": "资金到位率", "formula": "实际到位资金 / 预算资金", "format": "percent"},
        {
            "name": "事故降低率",
            "formula": "(上年事故数 - 本年事故数) / 上年事故数",
            "format": "percent",
        },
    ],
    "indicators": [
        group(
            "1",
            "决策与过程",
            "40",
            group(
                "1.1",
                "资金",
                "20",
                leaf("1.1.1", "资金到位率", "10", {"kind": "rate", "value": "资金到位率"}),
                leaf(
                    "1.1.2",
                    "立项规范性",
                    "10",
                    {
                        "kind": "checkpoints",
                        "checkpoints": [
                            {"key": "1", "text": "程序", "points": "4"},
                            {"key": "2", "text": "材料", "points": "6"},
                        ],
                    },
                ),
            ),
            group("1.2", "管理", "20", leaf("1.2.1", "制度执行", "20", {"kind": "judgement"})),
        ),
        group(
            "2",
            "产出与效益",
            "60",
            group(
                "2.1",
                "产出",
                "30",
                leaf(
                    "2.1.1",
                    "检查次数",
                    "20",
                    {"kind": "target", "value": "检查次数", "direction": ">=", "target": "500"},
                ),
                leaf(
                    "2.1.2",
                    "事故控制",
                    "10",
                    {"kind": "pass_fail", "condition": "not 发生较大事故"},
                ),
            ),
            group(
                "2.2",
                "效益",
                "30",
                leaf(
                    "2.2.1",
                    "事故降低率",
                    "10",
                    {
                        "kind": "tiers",
                        "value": "事故降低率",
                        "tiers": [
                            {"op": ">", "than": "0", "points": "10"},
                            {"op": "==", "than": "0", "points": "5"},
                        ],
                        "on_missing": {"outcome": "score", "score": "0", "reason": "上年无事故"},
                    },
                ),
                leaf(
                    "2.2.2",
                    "满意度",
                    "20",
                    {
                        "kind": "step",
                        "value": "满意度",
                        "direction": ">=",
                        "full_at": "0.9",
                        "step": "0.05",
                        "points_per_step": "4",
                        "partial_step": "whole",
                        "zero_beyond": "0.6",
                    },
                ),
            ),
        ),
    ],
}
FACTS: dict[str, values.Value] = {
    "预算资金": D(200),
    "实际到位资金": D(180),
    "检查次数": D(450),
    "满意度": D("0.8"),
    "发生较大事故": False,
    "上年事故数": D(5),
    "本年事故数": D(3),
}
JUDGEMENTS = {
    "1.1.2": {"checkpoints": {"1": "4", "2": "4.5"}, "reason": "材料不全，扣1.5分"},
    "1.2.1": {"score": "17.5", "reason": "个别合同未分期付款，扣2.5分"},
}


def compiled() -> engine.CompiledSystem:
    return engine.compile_system(system.parse_system(SYSTEM))


def judgements(changes: Mapping[str, Any] | None = None) -> dict[str, rules.Judgement]:
    raw: dict[str, Any] = {**JUDGEMENTS, **(changes or {})}
    return {code: rules.Judgement.model_validate(j) for code, j in raw.items() if j is not None}


def score(
    facts: Mapping[str, Any] | None = None, changes: Mapping[str, Any] | None = None
) -> engine.Result:
    return compiled().score(FACTS if facts is None else facts, judgements(changes))


def failure(
    facts: Mapping[str, Any] | None = None, changes: Mapping[str, Any] | None = None
) -> list[tuple[str, str]]:
    with pytest.raises(engine.ScoringFailed) as caught:
        score(facts, changes)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def by_code(result: engine.Result) -> dict[str, engine.IndicatorResult]:
    return {indicator.code: indicator for indicator in result.indicators}


def test_scores_every_level_and_grades_the_total() -> None:
    result = score()
    finals = {code: r.final_score for code, r in by_code(result).items()}
    assert finals == {
        "1.1.1": D("9.00"),
        "1.1.2": D("8.50"),
        "1.2.1": D("17.50"),
        "2.1.1": D("18.00"),
        "2.1.2": D("10.00"),
        "2.2.1": D("10.00"),
        "2.2.2": D("12.00"),
    }
    assert [(g.code, g.score, [(c.code, c.score) for c in g.children]) for g in result.groups] == [
        ("1", D("35.00"), [("1.1", D("17.50")), ("1.2", D("17.50"))]),
        ("2", D("50.00"), [("2.1", D("28.00")), ("2.2", D("22.00"))]),
    ]
    assert (result.total, result.score_rate, result.grade, result.complete) == (
        D("85.00"),
        D("0.8500"),
        "良",
        True,
    )
    assert result.groups[0].children[0].indicator_codes == ["1.1.1", "1.1.2"]


def test_indicator_result_keeps_inputs_explanation_and_reason() -> None:
    rate = by_code(score())["1.1.1"]
    assert rate.model_dump(mode="json") == {
        "code": "1.1.1",
        "name": "资金到位率",
        "level_path": ["决策与过程", "资金"],
        "weight": "10",
        "computed_score": "9.00",
        "final_score": "9.00",
        "score_rate": "0.9000",
        "inputs": {"预算资金": "200", "实际到位资金": "180", "资金到位率": "90.00%"},
        "explanation": "资金到位率 = 90.00%；得分 = 90.00% × 10 = 9.00",
        "deduction_reason": "资金到位率 90.00%，未达到 100%，扣 1.00 分",
        "overridden": False,
        "override_reason": None,
        "pending": False,
    }


def test_judged_indicators_have_no_computed_score_and_keep_the_evaluators_reason() -> None:
    judged = by_code(score())["1.2.1"]
    assert (judged.computed_score, judged.final_score) == (None, D("17.50"))
    assert judged.deduction_reason == "个别合同未分期付款，扣2.5分"
    assert judged.inputs == {}


def test_inline_condition_is_labelled_by_the_indicator() -> None:
    control = by_code(score())["2.1.2"]
    assert control.inputs == {"发生较大事故": "否", "事故控制": "是"}


def test_result_serialises_decimals_as_exact_strings() -> None:
    dumped = score().model_dump(mode="json")
    assert (dumped["total"], dumped["score_rate"], dumped["total_weight"]) == (
        "85.00",
        "0.8500",
        "100",
    )
    assert dumped["groups"][1]["children"][0]["score"] == "28.00"
    assert '"total":"85.00"' in score().model_dump_json()


def test_total_is_the_sum_of_rounded_level3_scores() -> None:
    # 10 × 200/300 = 6.666… → 6.67; 20 × 333/500 = 13.32; 20 − 2×4 with 满意度 0.81 = 12.
    facts = {
        **FACTS,
        "预算资金": D(300),
        "实际到位资金": D(200),
        "检查次数": D(333),
        "满意度": D("0.81"),
    }
    result = score(facts)
    assert by_code(result)["1.1.1"].final_score == D("6.67")
    assert by_code(result)["1.1.1"].score_rate == D("0.6670")
    assert result.groups[0].score == D("32.67")
    assert result.total == D("32.67") + D("13.32") + D(10) + D(10) + D(12)
    assert (result.total, result.grade) == (D("77.99"), "中")


def test_division_by_zero_applies_the_rules_declared_outcome() -> None:
    result = score({**FACTS, "上年事故数": D(0), "本年事故数": D(0)})
    decline = by_code(result)["2.2.1"]
    assert decline.final_score == D("0.00")
    assert decline.inputs == {"上年事故数": "0", "本年事故数": "0", "事故降低率": "无法计算"}
    assert "上年无事故" in decline.explanation


def test_division_by_zero_without_a_declared_outcome_blames_the_zero_fact() -> None:
    assert failure({**FACTS, "预算资金": D(0)}) == [
        (
            "facts.预算资金",
            "1.1.1 资金到位率：缺少数据：资金到位率（除数为零：实际到位资金 / 预算资金）",
        )
    ]


def test_a_derived_value_too_large_to_round_is_missing_not_a_crash() -> None:
    why = "实际到位资金 / 预算资金 = 1.80E+902，超出可计算范围"
    message = f"1.1.1 资金到位率：缺少数据：资金到位率（{why}）"
    assert failure({**FACTS, "预算资金": D("1e-900")}) == [
        ("facts.预算资金", message),
        ("facts.实际到位资金", message),
    ]


def test_missing_facts_are_named_and_other_rules_still_score() -> None:
    facts = {k: v for k, v in FACTS.items() if k not in ("预算资金", "上年事故数")}
    assert failure(facts) == [
        ("facts.预算资金", "1.1.1 资金到位率：缺少数据：资金到位率（未提供预算资金）")
    ]


def test_fact_type_errors_are_all_listed() -> None:
    facts: dict[str, Any] = {
        **FACTS,
        "预算资金": D(-1),
        "检查次数": D("1.5"),
        "上年事故数": True,
        "本年事故数": 3,
        "发生较大事故": D(0),
        "满意度": D("NaN"),
        "实际到位资金": D("1e16"),
        "未知事实": D(1),
    }
    assert failure(facts) == [
        ("facts.预算资金", "an amount must be ≥ 0"),
        ("facts.实际到位资金", "must be a finite number no larger than 1,000,000,000,000,000"),
        ("facts.检查次数", "a count must be a whole number ≥ 0"),
        ("facts.满意度", "must be a finite number no larger than 1,000,000,000,000,000"),
        ("facts.发生较大事故", "a boolean fact must be true or false"),
        ("facts.上年事故数", "a count fact must be a decimal number"),
        ("facts.本年事故数", "a count fact must be a decimal number"),
        ("facts.未知事实", "the system declares no fact of this name"),
    ]


def test_override_keeps_both_scores_and_its_reason() -> None:
    result = score(changes={"2.1.1": {"override": {"score": "19", "reason": "补充检查记录后认定"}}})
    checked = by_code(result)["2.1.1"]
    assert (checked.computed_score, checked.final_score, checked.score_rate) == (
        D("18.00"),
        D("19.00"),
        D("0.9500"),
    )
    assert (checked.overridden, checked.override_reason, checked.deduction_reason) == (
        True,
        "补充检查记录后认定",
        "补充检查记录后认定",
    )
    assert checked.explanation.endswith("；评价人调整为 19.00（补充检查记录后认定）")
    assert result.total == D("86.00")


def test_override_of_a_judged_indicator_keeps_the_judged_score() -> None:
    change = {
        "score": "17.5",
        "reason": "扣分",
        "override": {"score": "20", "reason": "复核后给满分"},
    }
    judged = by_code(score(changes={"1.2.1": change}))["1.2.1"]
    assert (judged.computed_score, judged.final_score, judged.deduction_reason) == (
        D("17.50"),
        D("20.00"),
        None,
    )


def test_override_above_the_weight_is_refused() -> None:
    assert failure(changes={"2.1.2": {"override": {"score": "11", "reason": "过高"}}}) == [
        ("judgements.2.1.2.override.score", "an override must lie within 0–10")
    ]


def test_override_without_a_reason_is_refused() -> None:
    blank = rules.Override.model_construct(score=D(5), reason=" ")
    judged = {**judgements(), "2.1.2": rules.Judgement(override=blank)}
    with pytest.raises(engine.ScoringFailed) as caught:
        compiled().score(FACTS, judged)
    assert [(i.path, i.message) for i in caught.value.issues] == [
        ("judgements.2.1.2.override.reason", "an override needs its reason")
    ]


def test_pending_judgements_leave_the_result_incomplete_and_ungraded() -> None:
    result = score(changes={"1.2.1": None, "1.1.2": {"reason": "尚未评分"}})
    assert (result.pending, result.complete, result.grade) == (["1.1.2", "1.2.1"], False, None)
    pending = by_code(result)["1.2.1"]
    assert (pending.pending, pending.final_score, pending.score_rate, pending.computed_score) == (
        True,
        None,
        None,
        None,
    )
    assert result.groups[0].score == D("9.00")
    assert result.total == D("59.00")


def test_judgement_errors_are_collected_with_their_paths() -> None:
    assert failure(
        changes={
            "1.1.2": {"checkpoints": {"1": "5", "2": "6"}},
            "1.2.1": {"score": "15"},
            "9.9.9": {"score": "1"},
            "2.1.1": {"score": "1"},
        }
    ) == [
        ("judgements.9.9.9", "no level-3 indicator has this code"),
        ("judgements.1.1.2.checkpoints.1", "1.1.2 立项规范性：评分要点 1 得分 5 超过其分值 4"),
        ("judgements.1.2.1.reason", "1.2.1 制度执行：得分低于满分时须填写扣分原因"),
        (
            "judgements.2.1.1.score",
            "2.1.1 检查次数：此指标的评分方式不接受评分；如需调整得分请使用 override",
        ),
    ]


def test_repeated_scoring_reuses_results_and_changed_facts_do_not() -> None:
    first, again = score(), score()
    assert again is first
    changed = score({**FACTS, "检查次数": D(500)})
    assert by_code(changed)["2.1.1"].final_score == D("20.00")
    assert by_code(changed)["1.1.2"] is by_code(first)["1.1.2"]
    assert changed.total == D("87.00")


def test_compile_system_reuses_an_identical_system_and_refuses_an_invalid_one() -> None:
    assert engine.compile_system(system.parse_system(SYSTEM)) is compiled()
    broken = system.IndicatorSystem.model_validate({**SYSTEM, "total_weight": "90"})
    with pytest.raises(
        system.InvalidSystem, match="level-1 weights sum to 100, not to the total weight 90"
    ):
        engine.compile_system(broken)


def test_grade_reads_the_total_on_a_hundred_point_scale() -> None:
    # Weights halved (not the 4 points per step of 2.2.2, which now scores 10 − 8 = 2): a total
    # of 38.50 of 50 is 77%, graded 中 where 38.50 on the 100-point scale would be 差.
    def halve(node: dict[str, Any]) -> dict[str, Any]:
        rule = node.get("rule")
        for listed in ("checkpoints", "tiers"):
            if rule and listed in rule:
                rule = {
                    **rule,
                    listed: [{**c, "points": str(D(c["points"]) / 2)} for c in rule[listed]],
                }
        children = [halve(child) for child in node.get("children", [])]
        return {**node, "weight": str(D(node["weight"]) / 2), "rule": rule, "children": children}

    half = {
        **SYSTEM,
        "total_weight": "50",
        "indicators": [halve(node) for node in SYSTEM["indicators"]],
    }
    judged = {
        "1.1.2": rules.Judgement(checkpoints={"1": D(2), "2": D("2.25")}, reason="扣分"),
        "1.2.1": rules.Judgement(score=D("8.75"), reason="扣分"),
    }
    result = engine.compile_system(system.parse_system(half)).score(FACTS, judged)
    assert (result.total, result.score_rate, result.grade) == (D("38.50"), D("0.7700"), "中")


def test_result_cache_keys_cover_every_judgement_field() -> None:
    assert set(engine.compiled.JUDGEMENT_FIELDS) == set(rules.Judgement.model_fields)
