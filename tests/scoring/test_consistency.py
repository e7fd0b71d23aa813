import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from services.scoring import consistency, rules, system

D = Decimal
SEED001 = Path(__file__).resolve().parents[2] / "examples" / "seed001"


def load(name: str) -> Any:
    return json.loads((SEED001 / f"{name}.json").read_text(encoding="utf-8"))


Evaluation = tuple[system.IndicatorSystem, dict[str, Any], dict[str, rules.Judgement]]


def seed001(data: dict[str, Any] | None = None) -> Evaluation:
    parsed = system.IndicatorSystem.model_validate(data or load("system"))
    facts = {name: D(value) for name, value in load("facts").items()}
    judgements = {code: rules.Judgement.model_validate(j) for code, j in load("judgements").items()}
    return parsed, facts, judgements


def findings(
    parsed: system.IndicatorSystem,
    facts: dict[str, Any],
    judgements: dict[str, rules.Judgement],
    reported: dict[str, Decimal] | None = None,
) -> list[tuple[str, str | None, str, str | None, str | None]]:
    found = consistency.check_evaluation(parsed, facts, judgements, reported or {})
    return [(f.path, f.code, f.kind, f.expected, f.reported) for f in found]


def test_seed001_rectification_rate_disagrees_with_its_own_formula() -> None:
    parsed, facts, judgements = seed001()
    found = consistency.check_evaluation(
        parsed,
        facts,
        judgements,
        {"安全风险隐患整改率": D("0.9975"), "total": D(88), "3.2.1": D(4)},
    )
    assert [f.model_dump() for f in found] == [
        {
            "path": "reported.安全风险隐患整改率",
            "code": None,
            "kind": "reported_value",
            "message": "安全风险隐患整改率 报告为 99.75%，"
            "但 实际已整改安全风险隐患数 / 经检查发现的应整改安全风险隐患数 = 100.00%",
            "expected": "100.00%",
            "reported": "99.75%",
        }
    ]


def test_seed001_rate_over_all_413_hazards_is_still_not_the_printed_rate() -> None:
    data = load("system")
    rate = next(d for d in data["derived"] if d["name"] == "安全风险隐患整改率")
    rate["formula"] = "实际已整改安全风险隐患数 / 经检查发现的安全风险隐患数"
    assert findings(*seed001(data), reported={"安全风险隐患整改率": D("0.9975")}) == [
        ("reported.安全风险隐患整改率", None, "reported_value", "99.76%", "99.75%")
    ]


def test_agreement_at_the_reported_precision_is_not_a_finding() -> None:
    parsed, facts, judgements = seed001()
    reported = {
        "安全风险隐患整改率": D("1.00"),
        "资金到位率": D(1),
        "1": D(12),
        "2.1": D(7),
        "市民满意度": D("0.9872"),
    }
    assert findings(parsed, facts, judgements, reported=reported) == []


def test_judged_score_below_full_marks_without_reason_is_flagged_and_still_summed() -> None:
    parsed, facts, judgements = seed001()
    judgements["1.1.2"] = judgements["1.1.2"].model_copy(update={"reason": None})
    assert findings(parsed, facts, judgements, reported={"total": D(88), "1.1": D(4)}) == [
        ("judgements.1.1.2.reason", "1.1.2", "missing_reason", None, None),
        ("reported.1.1", None, "reported_score", "3.50", "4"),
    ]


def test_reported_level3_score_without_its_deduction_like_seed_002() -> None:
    # 002 prints 进度达成率 100% yet scores 5 of 6; the same shape on 001's 资金到位率 (3 points).
    assert findings(*seed001(), reported={"2.1.1": D(2), "total": D("87.0")}) == [
        ("reported.2.1.1", "2.1.1", "reported_score", "3.00", "2"),
        ("reported.total", None, "reported_score", "88.00", "87.0"),
    ]


def test_overrides_pending_and_missing_facts_are_listed() -> None:
    parsed, facts, judgements = seed001()
    del facts["预算资金"]
    del judgements["1.1.1"]
    judgements["3.2.1"] = rules.Judgement(
        override=rules.Override(score=D("3.5"), reason="整改率按报告口径")
    )
    assert findings(
        parsed, facts, judgements, reported={"资金到位率": D(1), "total": D(88), "无此项": D(1)}
    ) == [
        ("facts.预算资金", None, "missing_fact", None, None),
        ("judgements.1.1.1", "1.1.1", "pending", None, None),
        ("facts.预算资金", "2.1.1", "unscorable", None, None),
        ("judgements.3.2.1.override", "3.2.1", "override", "4.00", "3.50"),
        ("facts.预算资金", "3.4.1", "unscorable", None, None),
        ("reported.资金到位率", None, "reported_value", None, None),
        ("reported.total", None, "reported_score", None, None),
        ("reported.无此项", None, "unknown_reported", None, None),
    ]


def test_fact_type_errors_are_findings_not_exceptions() -> None:
    parsed, facts, judgements = seed001()
    facts["检查企业家次"] = D("540.5")
    facts["不存在"] = D(1)
    judgements["9.9"] = rules.Judgement(score=D(1))
    assert findings(parsed, facts, judgements) == [
        ("facts.检查企业家次", None, "invalid_input", None, None),
        ("facts.不存在", None, "invalid_input", None, None),
        ("judgements.9.9", None, "invalid_input", None, None),
    ]


def test_weights_that_do_not_add_up_are_findings_and_scoring_goes_on() -> None:
    data = load("system")
    data["indicators"][0]["weight"] = "21"
    assert findings(*seed001(data), reported={"1": D(12)}) == [
        ("indicators[0].weight", None, "weight", None, None),
        ("total_weight", None, "weight", None, None),
    ]


def test_a_system_that_cannot_compile_stops_after_its_issues() -> None:
    data = load("system")
    data["derived"][0]["formula"] = "实际到位资金 /"
    assert findings(*seed001(data), reported={"total": D(88)}) == [
        ("derived[0].formula", None, "system", None, None),
    ]


def test_hostile_reported_values_are_findings_not_crashes() -> None:
    reported = {"资金到位率": D("NaN"), "预算执行率": D("1e-40"), "total": D("1E+30")}
    assert findings(*seed001(), reported=reported) == [
        ("reported.资金到位率", None, "reported_value", None, None),
        ("reported.预算执行率", None, "reported_value", "100.000000%", "0.000000%"),
        ("reported.total", None, "reported_score", "88.00", "1000000000000000000000000000000"),
    ]
