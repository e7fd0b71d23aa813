"""Judged rules: options, checkpoints, ranged scores and qualitative tiers, with their errors."""

from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter

from services.scoring import rules

RULE: TypeAdapter[rules.Rule] = TypeAdapter(rules.Rule)

TIMELINESS = {  # seed 004 到位时效
    "kind": "categorical",
    "options": [
        {"key": "timely", "label": "资金及时到位", "points": "2"},
        {"key": "late", "label": "资金未及时到位，但未影响项目进度", "points": "1.5"},
        {"key": "delayed", "label": "资金未及时到位，并影响项目进度", "points": "1"},
    ],
}
PROCEDURE = {  # seed 001 立项程序规范性
    "kind": "checkpoints",
    "checkpoints": [
        {"key": "1", "text": "项目是否按照规定的程序申请设立", "points": "0.5"},
        {"key": "2", "text": "审批文件、材料是否符合相关要求", "points": "0.5"},
        {"key": "3", "text": "事前是否已经过必要的可行性研究、专家论证…", "points": "1"},
    ],
}
COMPLIANCE = {  # seed 001 资金使用合规性: 2 + 1 + 1, scored 1
    "kind": "checkpoints",
    "checkpoints": [
        {"key": "①", "text": "是否符合国家财经法规和财务管理制度", "points": "2"},
        {"key": "②", "text": "资金的拨付是否有完整的审批程序和手续", "points": "1"},
        {"key": "③", "text": "是否存在截留、挤占、挪用、虚列支出等情况", "points": "1"},
    ],
}
USE = {"kind": "judgement"}  # seed 004 资金使用: 计0—8分
QUALITATIVE = {"kind": "qualitative"}
REASON = "年度工作计划编制不够细化、科学，计划的可执行程度有待提高，综合评价扣0.50分。"


def judge(data: dict[str, Any], weight: str, entry: dict[str, Any] | None) -> rules.Outcome | None:
    """Score a judged rule given as JSON-like data with a JSON-like judgement."""
    judgement = None if entry is None else rules.Judgement.model_validate(entry)
    return rules.score(RULE.validate_python(data), Decimal(weight), {}, judgement)


def scored(data: dict[str, Any], weight: str, entry: dict[str, Any]) -> rules.Outcome:
    """Score a judged rule that must not be pending."""
    outcome = judge(data, weight, entry)
    assert outcome is not None
    assert outcome.judged is True
    return outcome


def refused(data: dict[str, Any], weight: str, entry: dict[str, Any]) -> rules.RuleInputError:
    """Return the error scoring raises."""
    with pytest.raises(rules.RuleInputError) as caught:
        judge(data, weight, entry)
    return caught.value


# pending ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [TIMELINESS, PROCEDURE, USE, QUALITATIVE])
def test_a_judged_rule_without_a_judgement_is_pending(data: dict[str, Any]) -> None:
    assert judge(data, "2", None) is None
    assert judge(data, "2", {"reason": "待评"}) is None
    assert judge(data, "2", {"override": {"score": "1", "reason": "复核调整"}}) is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TIMELINESS, True),
        (PROCEDURE, True),
        (USE, True),
        (QUALITATIVE, True),
        ({"kind": "rate", "value": "x"}, False),
        ({"kind": "pass_fail", "condition": "x"}, False),
        (
            {
                "kind": "composite",
                "parts": [{"label": "①", "points": "1", "rule": {"kind": "rate", "value": "x"}}],
            },
            False,
        ),
    ],
)
def test_needs_judgement(data: dict[str, Any], expected: bool) -> None:
    assert rules.needs_judgement(RULE.validate_python(data)) is expected


# categorical ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "expected"), [("timely", "2.00"), ("late", "1.50"), ("delayed", "1.00")]
)
def test_categorical_scores_the_option(option: str, expected: str) -> None:
    assert str(scored(TIMELINESS, "2", {"option": option}).score) == expected


def test_categorical_explains_and_uses_the_option_as_the_default_reason() -> None:
    outcome = scored(TIMELINESS, "2", {"option": "late"})
    assert outcome.explanation == "评价选项：资金未及时到位，但未影响项目进度；得分 = 1.50"
    assert outcome.deduction_reason == "资金未及时到位，但未影响项目进度，扣 0.50 分"
    assert scored(TIMELINESS, "2", {"option": "timely"}).deduction_reason is None


def test_categorical_prefers_the_evaluators_reason() -> None:
    outcome = scored(TIMELINESS, "2", {"option": "late", "reason": "第二批资金延迟一个月拨付。"})
    assert outcome.deduction_reason == "第二批资金延迟一个月拨付。"


def test_categorical_refuses_an_unknown_option_and_a_bare_score() -> None:
    unknown = refused(TIMELINESS, "2", {"option": "never"})
    assert unknown.field == "judgement.option"
    assert unknown.message == "未知选项：never（可选：timely、late、delayed）"
    assert refused(TIMELINESS, "2", {"score": "1.5"}).field == "judgement.score"
    assert refused(TIMELINESS, "2", {"checkpoints": {"1": "1"}}).field == "judgement.checkpoints"


# checkpoints ------------------------------------------------------------------------------------


def test_checkpoints_add_the_awarded_points() -> None:
    awarded = {"1": "0.5", "2": "0.5", "3": "0.5"}
    outcome = scored(PROCEDURE, "2", {"checkpoints": awarded, "reason": REASON})
    assert outcome.score == Decimal("1.50")
    assert outcome.explanation == (
        "评分要点 1 得 0.50 分（满分 0.5），评分要点 2 得 0.50 分（满分 0.5），"
        "评分要点 3 得 0.50 分（满分 1）；得分 = 0.50 + 0.50 + 0.50 = 1.50"
    )
    assert outcome.deduction_reason == REASON


@pytest.mark.parametrize(
    ("awarded", "expected"),
    [
        ({"①": "0", "②": "0.5", "③": "0.5"}, "1.00"),  # seed 001 资金使用合规性: 扣3分
        ({"①": "2", "②": "1", "③": "1"}, "4.00"),
        ({"①": "1.25", "②": "0", "③": "0.333"}, "1.58"),
    ],
)
def test_checkpoints_sum(awarded: dict[str, str], expected: str) -> None:
    outcome = scored(
        COMPLIANCE, "4", {"checkpoints": awarded, "reason": "记账凭证签字及报销附件不完整"}
    )
    assert str(outcome.score) == expected


def test_checkpoints_at_full_marks_need_no_reason() -> None:
    outcome = scored(PROCEDURE, "2", {"checkpoints": {"1": 0.5, "2": 0.5, "3": 1}})
    assert outcome.score == Decimal("2.00")
    assert outcome.deduction_reason is None


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        (
            {"checkpoints": {"1": "0.5", "2": "0.5", "3": "0.5"}},
            "judgement.reason",
            "得分低于满分时须填写扣分原因",
        ),
        (
            {"checkpoints": {"1": "0.5", "2": "0.5", "3": "0.5"}, "reason": "  "},
            "judgement.reason",
            "得分低于满分时须填写扣分原因",
        ),
        (
            {"checkpoints": {"1": "0.5", "2": "0.5", "3": "1", "4": "0"}},
            "judgement.checkpoints.4",
            "未知评分要点：4",
        ),
        (
            {"checkpoints": {"1": "0.5", "2": "0.5", "3": "1.5"}},
            "judgement.checkpoints.3",
            "评分要点 3 得分 1.5 超过其分值 1",
        ),
        (
            {"checkpoints": {"1": "-0.5", "2": "0.5", "3": "1"}},
            "judgement.checkpoints.1",
            "评分要点 1 得分不能为负数",
        ),
        ({"checkpoints": {"1": "0.5", "3": "1"}}, "judgement.checkpoints.2", "评分要点 2 未评分"),
    ],
)
def test_checkpoints_refuse(entry: dict[str, Any], field: str, message: str) -> None:
    error = refused(PROCEDURE, "2", entry)
    assert (error.field, error.message) == (field, message)


def test_checkpoints_refuse_a_bare_score_or_option() -> None:
    assert refused(PROCEDURE, "2", {"score": "1.5", "reason": REASON}).field == "judgement.score"
    assert refused(PROCEDURE, "2", {"option": "1"}).field == "judgement.option"


# judgement --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"), [("8", "8.00"), ("6.5", "6.50"), ("0", "0.00"), ("7.125", "7.13")]
)
def test_judgement_scores_within_the_range(given: str, expected: str) -> None:
    assert str(scored(USE, "8", {"score": given, "reason": "个别支出不合规"}).score) == expected


def test_judgement_explains_and_keeps_the_reason() -> None:
    outcome = scored(USE, "8", {"score": "6.5", "reason": "个别支出不合规"})
    assert outcome.explanation == "评价人在 0–8 分范围内评分；得分 = 6.50"
    assert outcome.deduction_reason == "个别支出不合规"
    assert scored(USE, "8", {"score": "8"}).deduction_reason is None


@pytest.mark.parametrize(
    ("data", "entry", "field", "message"),
    [
        (USE, {"score": "9", "reason": "r"}, "judgement.score", "评分 9 超出范围 0–8 分"),
        (USE, {"score": "-1", "reason": "r"}, "judgement.score", "评分 -1 超出范围 0–8 分"),
        (
            {**USE, "min": "2", "max": "6"},
            {"score": "1", "reason": "r"},
            "judgement.score",
            "评分 1 超出范围 2–6 分",
        ),
        (
            {**USE, "min": "2", "max": "6"},
            {"score": "7"},
            "judgement.score",
            "评分 7 超出范围 2–6 分",
        ),
        (USE, {"score": "7"}, "judgement.reason", "得分低于满分时须填写扣分原因"),
        (
            USE,
            {"score": "7", "option": "x"},
            "judgement.option",
            "此指标的评分方式不接受选项；如需调整得分请使用 override",
        ),
        (
            USE,
            {"score": "7", "checkpoints": {}},
            "judgement.checkpoints",
            "此指标的评分方式不接受评分要点得分；如需调整得分请使用 override",
        ),
    ],
)
def test_judgement_refuses(
    data: dict[str, Any], entry: dict[str, Any], field: str, message: str
) -> None:
    error = refused(data, "8", entry)
    assert (error.field, error.message) == (field, message)


def test_judgement_with_a_narrower_range() -> None:
    outcome = scored({**USE, "min": "2", "max": "6"}, "8", {"score": "6", "reason": "r"})
    assert outcome.explanation == "评价人在 2–6 分范围内评分；得分 = 6.00"


# qualitative ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "expected", "tier"),
    [
        ({"score": "8"}, "8.00", "达成预期指标（得分区间 [6.40, 8.00]）"),
        ({"score": "6.4", "reason": "r"}, "6.40", "达成预期指标（得分区间 [6.40, 8.00]）"),
        ({"score": "6", "reason": "r"}, "6.00", "部分达成并具有一定效果（得分区间 [4.80, 6.40)）"),
        (
            {"score": "4.8", "reason": "r"},
            "4.80",
            "部分达成并具有一定效果（得分区间 [4.80, 6.40)）",
        ),
        ({"score": "4.79", "reason": "r"}, "4.79", "未达成且效果较差（得分区间 [0.00, 4.80)）"),
        ({"score": "0", "reason": "r"}, "0.00", "未达成且效果较差（得分区间 [0.00, 4.80)）"),
        (
            {"option": "achieved", "score": "7", "reason": "r"},
            "7.00",
            "达成预期指标（得分区间 [6.40, 8.00]）",
        ),
        (
            {"option": "partial", "score": "6.39", "reason": "r"},
            "6.39",
            "部分达成并具有一定效果（得分区间 [4.80, 6.40)）",
        ),
    ],
)
def test_qualitative_scores_inside_the_mof_tiers(
    entry: dict[str, Any], expected: str, tier: str
) -> None:
    outcome = scored(QUALITATIVE, "8", entry)
    assert str(outcome.score) == expected
    assert outcome.explanation == f"评价等级：{tier}；得分 = {expected}"


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        (
            {"option": "partial", "score": "6.4", "reason": "r"},
            "judgement.score",
            "评分 6.4 不在档次「部分达成并具有一定效果」的得分区间 [4.80, 6.40) 内",
        ),
        (
            {"option": "partial", "score": "6.398", "reason": "r"},
            "judgement.score",
            "评分 6.398（四舍五入为 6.40） 不在档次「部分达成并具有一定效果」"
            "的得分区间 [4.80, 6.40) 内",
        ),
        (
            {"option": "achieved", "score": "5", "reason": "r"},
            "judgement.score",
            "评分 5 不在档次「达成预期指标」的得分区间 [6.40, 8.00] 内",
        ),
        ({"option": "partial"}, "judgement.score", "请在所选档次的得分区间内评分"),
        (
            {"option": "great", "score": "8"},
            "judgement.option",
            "未知档次：great（可选：achieved、partial、failed）",
        ),
        ({"score": "9"}, "judgement.score", "评分 9 超出范围 0–8 分"),
        ({"score": "6"}, "judgement.reason", "得分低于满分时须填写扣分原因"),
        (
            {"score": "6", "checkpoints": {"1": "1"}},
            "judgement.checkpoints",
            "此指标的评分方式不接受评分要点得分；如需调整得分请使用 override",
        ),
    ],
)
def test_qualitative_refuses(entry: dict[str, Any], field: str, message: str) -> None:
    error = refused(QUALITATIVE, "8", entry)
    assert (error.field, error.message) == (field, message)


def test_qualitative_with_own_tiers() -> None:
    data = {
        "kind": "qualitative",
        "tiers": [
            {"key": "good", "label": "好", "min": "0.5", "max": "1"},
            {"key": "poor", "label": "差", "min": "0", "max": "0.5"},
        ],
    }
    assert (
        scored(data, "10", {"score": "5", "reason": "r"}).explanation
        == "评价等级：好（得分区间 [5.00, 10.00]）；得分 = 5.00"
    )
    assert scored(data, "10", {"option": "poor", "score": "4.99", "reason": "r"}).score == Decimal(
        "4.99"
    )
