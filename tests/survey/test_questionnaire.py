"""Questionnaire definitions: the two seed templates load, and every rule names its path."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.survey.api.templates import load_templates
from services.survey.questionnaire import (
    Questionnaire,
    ScoredQuestion,
    band_of,
    default_levels,
    validate,
)


def test_seed002_template_is_the_ten_item_hundred_point_form() -> None:
    form = load_templates()["seed002"]
    assert form.method == "points"
    assert form.max_total == 100
    assert len(form.questions) == 10
    assert [h.code for h in form.header] == ["企业", "职务", "姓名", "填写日期"]
    assert form.anonymous
    assert "可匿名填写" in form.intro
    item9 = form.questions[8]
    assert isinstance(item9, ScoredQuestion)
    assert [(b.label, b.low, b.high) for b in item9.bands] == [
        ("机制健全", 10, 10),
        ("机制较健全", 6, 9),
        ("机制不健全", 1, 5),
        ("无机制", 0, 0),
    ]
    assert validate(form) == []


def test_seed001_template_is_three_likert_questions_at_100_75_50_25_0() -> None:
    form = load_templates()["seed001"]
    assert form.method == "likert"
    assert [q.text for q in form.questions] == [
        "安全生产监管及应急管理工作效率",
        "在处理安全生产监管及应急突发事件的专业水平",
        "安全生产监管及应急管理整体",
    ]
    levels = [(lv.label, lv.value) for lv in default_levels()]
    assert levels == [
        ("非常满意", Decimal(100)),
        ("满意", Decimal(75)),
        ("一般", Decimal(50)),
        ("不满意", Decimal(25)),
        ("非常不满意", Decimal(0)),
    ]
    assert validate(form) == []


@pytest.mark.parametrize(
    ("points", "band"),
    [(10, "机制健全"), (9, "机制较健全"), (6, "机制较健全"), (5, "机制不健全"), (0, "无机制")],
)
def test_points_fall_in_their_band(points: int, band: str) -> None:
    item9 = load_templates()["seed002"].questions[8]
    assert isinstance(item9, ScoredQuestion)
    assert band_of(item9, points) == band


def _form(**changes: object) -> Questionnaire:
    body: dict[str, object] = {
        "name": "测试问卷",
        "questions": [{"kind": "likert", "code": "q1", "text": "总体满意度"}],
        **changes,
    }
    return Questionnaire.model_validate(body)


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        (
            {"questions": [{"kind": "text", "code": "a", "text": "一"}] * 2},
            "questions[1].code",
        ),
        (
            {
                "questions": [
                    {
                        "kind": "scored",
                        "code": "a",
                        "text": "一",
                        "bands": [{"label": "是", "low": 10, "high": 10}],
                    }
                ]
            },
            "questions[0].bands",
        ),
        (
            {
                "questions": [
                    {
                        "kind": "scored",
                        "code": "a",
                        "text": "一",
                        "bands": [{"label": "是", "low": 0, "high": 11}],
                    }
                ]
            },
            "questions[0].bands[0]",
        ),
        (
            {"header": [{"code": "姓名", "label": "姓名", "required": True}]},
            "header[0].required",
        ),
        (
            {
                "questions": [
                    {"kind": "likert", "code": "a", "text": "一"},
                    {
                        "kind": "scored",
                        "code": "b",
                        "text": "二",
                        "max_points": 1,
                        "bands": [{"label": "是", "low": 0, "high": 1}],
                    },
                ]
            },
            "questions",
        ),
        (
            {"questions": [{"kind": "choice", "code": "a", "text": "一", "options": ["是", "是"]}]},
            "questions[0].options[1]",
        ),
        (
            {
                "questions": [
                    {
                        "kind": "likert",
                        "code": "a",
                        "text": "一",
                        "levels": [{"label": "好", "value": "100"}, {"label": "好", "value": "0"}],
                    }
                ]
            },
            "questions[0].levels[1].label",
        ),
    ],
)
def test_each_broken_rule_is_reported_at_its_path(changes: dict[str, object], path: str) -> None:
    issues = validate(_form(**changes))
    assert path in [issue.path for issue in issues], issues


def test_a_non_anonymous_form_may_require_a_name() -> None:
    form = _form(anonymous=False, header=[{"code": "姓名", "label": "姓名", "required": True}])
    assert validate(form) == []


def test_unknown_members_and_bad_values_fail_to_parse() -> None:
    with pytest.raises(ValidationError):
        _form(questions=[{"kind": "likert", "code": "a", "text": "一", "colour": "red"}])
    with pytest.raises(ValidationError):
        _form(
            questions=[
                {
                    "kind": "likert",
                    "code": "a",
                    "text": "一",
                    "levels": [{"label": "x", "value": "120"}] * 2,
                }
            ]
        )
    with pytest.raises(ValidationError):
        _form(questions=[{"kind": "likert", "code": "has space", "text": "一"}])
