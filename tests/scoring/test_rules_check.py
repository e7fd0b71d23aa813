"""check(): the semantic problems of a rule against its indicator's weight."""

from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter

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
    "zero_beyond": "0.60",
}
OVERRUN = {
    "kind": "overrun",
    "value": "成本控制率",
    "full_at": "1",
    "step": "0.01",
    "points_per_step": "1",
    "partial_step": "whole",
}
CHANGE = {
    "kind": "change",
    "current": "本年",
    "last_year": "上年",
    "better": "lower",
    "base_points": "3",
    "step": "0.05",
    "malus_per_step": "0.5",
    "bonus_per_step": "0.5",
    "max": "5",
    "min": "0",
    "partial_step": "whole",
}
PROCEDURE = {
    "kind": "checkpoints",
    "checkpoints": [
        {"key": "1", "text": "…", "points": "0.5"},
        {"key": "2", "text": "…", "points": "0.5"},
        {"key": "3", "text": "…", "points": "1"},
    ],
}
OPTIONS = {
    "kind": "categorical",
    "options": [
        {"key": "timely", "label": "及时到位", "points": "2"},
        {"key": "late", "label": "未及时到位但未影响进度", "points": "1.5"},
    ],
}
SOCIAL = {
    "kind": "composite",
    "parts": [
        {"label": "①", "points": "5", "rule": CHANGE},
        {"label": "②", "points": "4", "rule": {**CHANGE, "max": "4"}},
    ],
}
SCORE_ZERO = {"outcome": "score", "score": "0", "reason": "未提供资料"}


def problems(data: dict[str, Any], weight: str) -> list[tuple[str, str]]:
    """Check a rule given as JSON-like data."""
    return rules.check(RULE.validate_python(data), Decimal(weight))


@pytest.mark.parametrize(
    ("data", "weight"),
    [
        ({"kind": "rate", "value": "x"}, "3"),
        ({"kind": "rate", "value": "x", "on_missing": SCORE_ZERO}, "3"),
        ({"kind": "target", "value": "x", "direction": ">=", "target": "500"}, "3"),
        (STEP, "8"),
        ({**STEP, "direction": "<=", "full_at": "0.05", "zero_beyond": "0.10"}, "3"),
        (OVERRUN, "6"),
        ({"kind": "tiers", "value": "x", "tiers": [{"op": ">", "than": "0", "points": "8"}]}, "8"),
        ({"kind": "pass_fail", "condition": "x"}, "7"),
        (CHANGE, "5"),
        ({**CHANGE, "max": None, "bonus_per_step": "0"}, "5"),
        (OPTIONS, "2"),
        (PROCEDURE, "2"),
        ({"kind": "judgement"}, "8"),
        ({"kind": "judgement", "min": "2", "max": "6"}, "8"),
        ({"kind": "qualitative"}, "8"),
        (SOCIAL, "9"),
    ],
)
def test_sound_rules_have_no_problems(data: dict[str, Any], weight: str) -> None:
    assert problems(data, weight) == []


@pytest.mark.parametrize(
    ("data", "weight", "expected"),
    [
        (
            {"kind": "rate", "value": "x", "on_missing": {**SCORE_ZERO, "score": "4"}},
            "3",
            [("on_missing.score", "缺少数据时的得分 4 超过指标分值 3")],
        ),
        (
            {"kind": "target", "value": "x", "direction": "<=", "target": "-1"},
            "3",
            [("target", "目标值不能为负数")],
        ),
        ({**STEP, "points_per_step": "0"}, "8", [("points_per_step", "每档扣分必须大于 0")]),
        ({**OVERRUN, "points_per_step": "0"}, "6", [("points_per_step", "每档扣分必须大于 0")]),
        (
            {**STEP, "zero_beyond": "0.95"},
            "8",
            [("zero_beyond", "不得分界限 0.95 应低于满分界限 0.9")],
        ),
        (
            {**OVERRUN, "zero_beyond": "0.9"},
            "6",
            [("zero_beyond", "不得分界限 0.9 应高于满分界限 1")],
        ),
        (
            {
                "kind": "tiers",
                "value": "x",
                "tiers": [
                    {"op": ">", "than": "0", "points": "9"},
                    {"op": "==", "than": "0", "points": "4"},
                ],
                "otherwise": "10",
            },
            "8",
            [
                ("tiers.0.points", "档次得分 9 超过指标分值 8"),
                ("otherwise", "其他情况得分 10 超过指标分值 8"),
            ],
        ),
        ({**CHANGE, "max": "6"}, "5", [("max", "最高分 6 超过指标分值 5")]),
        ({**CHANGE, "min": "-1"}, "5", [("min", "最低分不能小于 0")]),
        ({**CHANGE, "min": "4", "max": "3"}, "5", [("min", "最低分 4 高于最高分 3")]),
        (
            {**CHANGE, "base_points": "6", "max": None},
            "5",
            [("base_points", "基础分 6 不在 0–5 分之间")],
        ),
        (
            {**CHANGE, "bonus_per_step": "0", "malus_per_step": "0"},
            "5",
            [("malus_per_step", "每档加分和每档扣分不能都为 0")],
        ),
        (
            {**CHANGE, "when_last_year_zero": {**SCORE_ZERO, "score": "5.5"}},
            "5",
            [("when_last_year_zero.score", "上年为 0 时的得分 5.5 超过指标分值 5")],
        ),
        (
            {
                **OPTIONS,
                "options": [
                    *OPTIONS["options"],
                    {"key": "late", "label": "影响进度", "points": "3"},
                ],
            },
            "2",
            [
                ("options.2.key", "选项 late 重复"),
                ("options.2.points", "选项得分 3 超过指标分值 2"),
            ],
        ),
        (
            {
                **PROCEDURE,
                "checkpoints": [
                    *PROCEDURE["checkpoints"],
                    {"key": "3", "text": "…", "points": "0"},
                ],
            },
            "2",
            [
                ("checkpoints.3.key", "评分要点 3 重复"),
                ("checkpoints.3.points", "评分要点分值必须大于 0"),
            ],
        ),
        (PROCEDURE, "3", [("checkpoints", "评分要点分值合计 2 不等于指标分值 3")]),
        ({"kind": "judgement", "max": "9"}, "8", [("max", "评分上限 9 超过指标分值 8")]),
        ({"kind": "judgement", "min": "-1"}, "8", [("min", "评分下限不能小于 0")]),
        ({"kind": "judgement", "min": "7", "max": "6"}, "8", [("min", "评分下限 7 高于上限 6")]),
        (SOCIAL, "10", [("parts", "分项分值合计 9 不等于指标分值 10")]),
        (
            {
                **SOCIAL,
                "parts": [{"label": "①", "points": "0", "rule": CHANGE}, SOCIAL["parts"][1]],
            },
            "4",
            [
                ("parts.0.points", "分项分值必须大于 0"),
                ("parts.0.rule.max", "最高分 5 超过指标分值 0"),
            ],
        ),
        (
            {
                **SOCIAL,
                "parts": [SOCIAL["parts"][0], {"label": "②", "points": "4", "rule": CHANGE}],
            },
            "9",
            [("parts.1.rule.max", "最高分 5 超过指标分值 4")],
        ),
    ],
)
def test_problems_are_reported_with_their_path(
    data: dict[str, Any], weight: str, expected: list[tuple[str, str]]
) -> None:
    assert problems(data, weight) == expected


def tiers(*bounds: tuple[str, str]) -> dict[str, Any]:
    """Build a qualitative rule from (min, max) pairs."""
    return {
        "kind": "qualitative",
        "tiers": [
            {"key": f"t{index}", "label": f"档{index}", "min": low, "max": high}
            for index, (low, high) in enumerate(bounds)
        ],
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (tiers(("0.5", "1"), ("0", "0.5")), []),
        (tiers(("0.6", "1"), ("0", "0.5")), [("tiers", "档次未覆盖 50.00%–60.00%")]),
        (tiers(("0.4", "1"), ("0", "0.5")), [("tiers", "档次「档0」与其他档次重叠")]),
        (tiers(("0.5", "1"), ("0.1", "0.5")), [("tiers", "档次未覆盖 0.00%–10.00%")]),
        (tiers(("0.5", "0.9"), ("0", "0.5")), [("tiers", "档次未覆盖 90.00%–100.00%")]),
        (tiers(("0.5", "1.2"), ("0", "0.5")), [("tiers", "档次超出 100.00%–120.00%")]),
        (tiers(("0.5", "0.5"), ("0", "1")), [("tiers.0", "档次下限须小于上限")]),
        (
            {
                "kind": "qualitative",
                "tiers": [
                    {"key": "a", "label": "甲", "min": "0.5", "max": "1"},
                    {"key": "a", "label": "乙", "min": "0", "max": "0.5"},
                ],
            },
            [("tiers.1.key", "档次 a 重复")],
        ),
    ],
)
def test_qualitative_tiers_cover_the_weight_without_gap_or_overlap(
    data: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert problems(data, "8") == expected
