import copy
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from services.scoring import grades, system


def leaf(code: str, weight: str, rule: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "name": f"指标{code}", "weight": weight, "rule": rule or full(weight)}


def full(weight: str) -> dict[str, Any]:
    return {"kind": "checkpoints", "checkpoints": [{"key": "1", "text": "要点", "points": weight}]}


def node(code: str, weight: str, *children: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, "name": f"指标{code}", "weight": weight, "children": list(children)}


def valid() -> dict[str, Any]:
    """Two level-1 indicators, three level-2, five level-3: 40 + 60 = 100."""
    return {
        "name": "测试体系",
        "grade_scale": "five_band",
        "facts": [
            {"name": "预算资金", "type": "amount", "unit": "万元"},
            {"name": "实际到位资金", "type": "amount"},
            {"name": "检查次数", "type": "count"},
        ],
        "derived": [
            {"name": "资金到位率", "formula": "实际到位资金 / 预算资金", "format": "percent"},
            {"name": "到位率两倍", "formula": "资金到位率 * 2"},
        ],
        "indicators": [
            node(
                "1",
                "40",
                node(
                    "1.1",
                    "40",
                    leaf("1.1.1", "10", {"kind": "rate", "value": "资金到位率"}),
                    leaf("1.1.2", "30"),
                ),
            ),
            node(
                "2",
                "60",
                node(
                    "2.1",
                    "30",
                    leaf(
                        "2.1.1",
                        "30",
                        {"kind": "target", "value": "检查次数", "direction": ">=", "target": "500"},
                    ),
                ),
                node("2.2", "30", leaf("2.2.1", "10"), leaf("2.2.2", "20")),
            ),
        ],
    }


def issues(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(system.InvalidSystem) as caught:
        system.parse_system(data)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def test_valid_system_has_no_issues() -> None:
    parsed = system.parse_system(valid())
    assert system.validate_system(parsed) == []
    assert parsed.total_weight == Decimal(100)
    assert parsed.scale() is grades.FIVE_BAND
    assert [path for path, level, _ in system.walk(parsed.indicators) if level == 3] == [
        "indicators[0].children[0].children[0]",
        "indicators[0].children[0].children[1]",
        "indicators[1].children[0].children[0]",
        "indicators[1].children[1].children[0]",
        "indicators[1].children[1].children[1]",
    ]


def test_default_scale_is_four_band_and_inline_scale_is_kept() -> None:
    data = valid()
    del data["grade_scale"]
    assert system.parse_system(data).scale() is grades.FOUR_BAND
    data["grade_scale"] = grades.FIVE_BAND.model_dump(mode="json")
    assert system.parse_system(data).scale() == grades.FIVE_BAND


def test_every_semantic_problem_is_listed_with_its_path() -> None:
    data = valid()
    data["facts"].append({"name": "预算资金", "type": "number"})
    data["facts"].append({"name": "a]b", "type": "number"})
    data["derived"] = [
        {"name": "资金到位率", "formula": "实际到位资金 / 预算资金"},
        {"name": "甲", "formula": "乙 + 1"},
        {"name": "乙", "formula": "甲 * 2"},
        {"name": "丙", "formula": "丙 + 预算资金"},
        {"name": "丁", "formula": "戊 / 2"},
        {"name": "戊", "formula": "预算资金 *"},
        {"name": "己", "formula": "庚 + 1"},
        {"name": "庚", "formula": "预算资金"},
    ]
    one, two = data["indicators"]
    one["weight"] = "41"
    one["children"][0]["children"][0]["rule"] = {"kind": "rate", "value": "资金到位率 + 未声明"}
    one["children"][0]["children"][1]["rule"] = full("29")
    two["children"][0]["code"] = "1.1"
    two["children"][0]["rule"] = full("30")
    two["children"][1]["children"][0]["children"] = [leaf("2.2.1.1", "10")]
    del two["children"][1]["children"][1]["rule"]
    two["children"].append(node("2.3", "0"))
    assert issues(data) == [
        ("facts[3].name", "'预算资金' is already declared at facts[0].name"),
        ("facts[4].name", "'a]b' cannot be used as a name in formulas, even as [a]b]"),
        ("derived[3].formula", "'丙' refers to itself"),
        ("derived[5].formula", "unexpected end of formula (at character 6)"),
        ("derived[1].formula", "derived values form a cycle: 甲 → 乙 → 甲"),
        (
            "derived[4].formula",
            "'戊' is derived later; derived values may use only facts and earlier ones",
        ),
        (
            "derived[6].formula",
            "'庚' is derived later; derived values may use only facts and earlier ones",
        ),
        ("indicators[0].weight", "weight 41 is not the sum of its children's, 40"),
        ("indicators[0].children[0].children[0].rule.value", "unknown name '未声明'"),
        (
            "indicators[0].children[0].children[1].rule.checkpoints",
            "评分要点分值合计 29 不等于指标分值 30",
        ),
        (
            "indicators[1].children[0].code",
            "code '1.1' is already used at indicators[0].children[0]",
        ),
        ("indicators[1].children[0].rule", "a level-2 indicator has children, not a rule"),
        (
            "indicators[1].children[1].children[0].children",
            "a level-3 indicator has a rule, not children",
        ),
        ("indicators[1].children[1].children[1].rule", "a level-3 indicator needs a rule"),
        ("indicators[1].children[2].children", "a level-2 indicator needs children"),
        ("total_weight", "level-1 weights sum to 101, not to the total weight 100"),
    ]


def test_structural_errors_become_issues_with_json_paths() -> None:
    data = valid()
    data["colour"] = "red"
    data["grade_scale"] = "six_band"
    data["facts"][0]["type"] = "money"
    first = data["indicators"][0]["children"][0]["children"]
    first[0]["weight"] = True
    first[0]["rule"]["cap"] = "maybe"
    first[1]["rule"] = {"kind": "bogus"}
    data["indicators"][1]["children"][0]["children"][0]["rule"]["target"] = "many"
    assert issues(data) == [
        ("grade_scale", "Input should be 'four_band', 'five_band' or 'four_band_excellent'"),
        ("facts[0].type", "Input should be 'amount', 'count', 'number', 'rate' or 'boolean'"),
        (
            "indicators[0].children[0].children[0].weight",
            "Decimal input should be an integer, float, string or Decimal object",
        ),
        ("indicators[0].children[0].children[0].rule.cap", "Input should be a valid boolean"),
        (
            "indicators[0].children[0].children[1].rule",
            "Input tag 'bogus' found using 'kind' does not match any of the expected tags: "
            "'rate', 'target', 'step', 'overrun', 'tiers', 'pass_fail', 'change', 'categorical', "
            "'checkpoints', 'judgement', 'qualitative', 'composite'",
        ),
        ("indicators[1].children[0].children[0].rule.target", "Input should be a valid decimal"),
        ("colour", "Extra inputs are not permitted"),
    ]


def test_inline_scale_with_a_gap_is_refused_at_its_path() -> None:
    data = valid()
    data["grade_scale"] = {
        "name": "缺口",
        "bands": [{"grade": "优", "min": "90"}, {"grade": "差", "min": "0", "max": "80"}],
    }
    assert issues(data) == [("grade_scale", "Value error, totals from 80 to 90 have no grade")]


def test_paths_keep_union_tags_without_the_data() -> None:
    data = valid()
    data["indicators"][0]["children"][0]["children"][0]["rule"]["cap"] = "maybe"
    with pytest.raises(ValidationError) as caught:
        system.IndicatorSystem.model_validate(data)
    [issue] = system.issues_from_validation_error(caught.value)
    assert issue.path == "indicators[0].children[0].children[0].rule.rate.cap"


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            lambda d: d["facts"].extend({"name": f"f{i}", "type": "count"} for i in range(498)),
            "facts",
            "List should have at most 500 items after validation, not 501",
        ),
        (lambda d: d.update(name="名" * 201), "name", "String should have at most 200 characters"),
        (
            lambda d: d["indicators"][0].update(explanation="说" * 10_001),
            "indicators[0].explanation",
            "String should have at most 10000 characters",
        ),
        (
            lambda d: d["derived"][0].update(formula="1+" * 500 + "1"),
            "derived[0].formula",
            "String should have at most 1000 characters",
        ),
    ],
)
def test_hostile_sizes_are_refused(change: Any, path: str, message: str) -> None:
    data = valid()
    change(data)
    assert issues(data) == [(path, message)]


def test_at_most_500_indicators_in_the_whole_tree() -> None:
    data = valid()
    level2 = data["indicators"][1]["children"][1]
    level2["children"] = [leaf(f"2.2.{i}", "0") for i in range(493)]
    assert issues(data) == [
        ("indicators", "Value error, at most 500 indicators; this system has 501")
    ]


def test_weights_refuse_exponents_and_keep_plain_decimals() -> None:
    data = valid()
    data["indicators"][0]["children"][0]["children"][1]["weight"] = "3E+1"
    parsed = system.parse_system(data)
    assert parsed.indicators[0].children[0].children[1].model_dump(mode="json")["weight"] == "30"
    assert copy.deepcopy(parsed) == parsed


@pytest.mark.parametrize(
    ("relative", "expected"),
    [("", "rule"), ("value", "rule.value"), ("parts.0.rule.value", "rule.parts[0].rule.value")],
)
def test_join_turns_dotted_indexes_into_brackets(relative: str, expected: str) -> None:
    assert system.join("rule", relative) == expected


def test_missing_required_fields_keep_their_own_path() -> None:
    data = valid()
    del data["name"]
    del data["indicators"][1]["children"][0]["children"][0]["rule"]["direction"]
    del data["indicators"][0]["weight"]
    assert issues(data) == [
        ("name", "Field required"),
        ("indicators[0].weight", "Field required"),
        ("indicators[1].children[0].children[0].rule.direction", "Field required"),
    ]


def test_union_tags_that_are_also_keys_are_dropped_from_paths() -> None:
    data = valid()
    rule = data["indicators"][1]["children"][0]["children"][0]["rule"]
    rule["target"] = "many"
    rule["on_missing"] = {"outcome": "score", "score": "x", "reason": "无"}
    assert issues(data) == [
        (
            "indicators[1].children[0].children[0].rule.on_missing.score",
            "Input should be a valid decimal",
        ),
        ("indicators[1].children[0].children[0].rule.target", "Input should be a valid decimal"),
    ]
