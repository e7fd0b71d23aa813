"""Checking a sheet against its questionnaire: rows, scale score, digest, and per-field issues."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from services.survey import answers
from services.survey.answers import Checked, SheetIn
from services.survey.api.templates import load_templates
from services.survey.questionnaire import Issue, Questionnaire

MIXED = Questionnaire.model_validate(
    {
        "name": "混合问卷",
        "anonymous": False,
        "header": [
            {"code": "企业", "label": "企业", "required": True},
            {"code": "填写日期", "label": "填写日期", "kind": "date"},
        ],
        "questions": [
            {"kind": "likert", "code": "q1", "text": "满意度"},
            {"kind": "choice", "code": "q2", "text": "行业", "options": ["制造", "商贸"]},
            {"kind": "text", "code": "q3", "text": "建议", "max_length": 5},
        ],
    }
)


def _check(
    form: Questionnaire, groups: list[str] | None = None, **sheet: Any
) -> Checked | list[Issue]:
    body = {"id": str(uuid.uuid4()), **sheet}
    return answers.check(
        answers.compile_questionnaire(form), SheetIn.model_validate(body), groups or []
    )


def test_a_ten_item_sheet_becomes_ten_rows_and_its_total() -> None:
    points = [10, 9, 10, 8, 10, 10, 7, 10, 6, 10]
    checked = _check(
        load_templates()["seed002"], answers={str(i + 1): p for i, p in enumerate(points)}
    )
    assert isinstance(checked, Checked)
    assert checked.rows == list(enumerate(points))
    assert checked.score_total == 9000  # 90 points, in hundredths
    assert checked.score_items == 10


def test_likert_answers_store_the_level_and_score_the_value() -> None:
    checked = _check(
        load_templates()["seed001"], answers={"1": "非常满意", "2": "满意", "3": "非常不满意"}
    )
    assert isinstance(checked, Checked)
    assert checked.rows == [(0, 0), (1, 1), (2, 4)]
    assert checked.score_total == 17500  # 100% + 75% + 0%, in hundredths of a percent
    assert checked.score_items == 3


def test_choice_and_text_count_but_are_not_scale_items() -> None:
    checked = _check(
        MIXED, answers={"q1": "一般", "q2": "商贸", "q3": "很好"}, header={"企业": "某公司"}
    )
    assert isinstance(checked, Checked)
    assert checked.rows == [(0, 2), (1, 1), (2, 0)]
    assert (checked.score_total, checked.score_items) == (5000, 1)
    assert checked.body["answers"] == {"q1": "一般", "q2": "商贸", "q3": "很好"}


def test_every_problem_of_a_sheet_is_listed_with_its_path() -> None:
    issues = _check(
        MIXED,
        groups=["企业", "职工"],
        answers={"q1": "还行", "q2": 3, "q3": "太长太长太长", "q9": "?"},
        header={"填写日期": "2019年6月17日", "部门": "x"},
        group="市民",
    )
    assert isinstance(issues, list)
    assert sorted(i.path for i in issues) == [
        "body.answers.q1",
        "body.answers.q2",
        "body.answers.q3",
        "body.answers.q9",
        "body.group",
        "body.header.企业",
        "body.header.填写日期",
        "body.header.部门",
    ]


def test_missing_required_answers_are_named() -> None:
    issues = _check(load_templates()["seed002"], answers={"1": 10, "2": 11})
    assert isinstance(issues, list)
    paths = [i.path for i in issues]
    assert {"body.answers.2", "body.answers.3", "body.answers.10"} <= set(paths)
    assert next(i for i in issues if i.path == "body.answers.3").message == "an answer is required"


def test_points_must_be_whole_numbers_in_range() -> None:
    form = load_templates()["seed002"]
    full = {str(i + 1): 10 for i in range(10)}
    for bad in (-1, 11, "10"):
        issues = _check(form, answers={**full, "4": bad})
        assert isinstance(issues, list)
        assert [i.path for i in issues] == ["body.answers.4"]


def test_the_digest_ignores_key_order_and_the_invitation_token() -> None:
    form = load_templates()["seed001"]
    at = datetime(2025, 6, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    one = _check(form, answers={"1": "满意", "2": "一般", "3": "满意"}, answered_at=at.isoformat())
    two = _check(
        form,
        answers={"3": "满意", "1": "满意", "2": "一般"},
        answered_at=at.astimezone(UTC).isoformat(),
        invitation="secret-token",
    )
    other = _check(form, answers={"1": "满意", "2": "满意", "3": "满意"})
    digests = [c.digest if isinstance(c, Checked) else b"" for c in (one, two, other)]
    assert digests[0] == digests[1] != digests[2]
    assert isinstance(two, Checked)
    assert "secret-token" not in str(two.body)


def test_a_time_without_zone_is_refused() -> None:
    issues = _check(
        load_templates()["seed001"],
        answers={"1": "满意", "2": "满意", "3": "满意"},
        answered_at="2025-06-01T09:30:00",
    )
    assert isinstance(issues, list)
    assert [i.path for i in issues] == ["body.answered_at"]


@pytest.mark.parametrize("value", [1.5, True, None, ["满意"]])
def test_answers_of_the_wrong_json_type_fail_to_parse(value: object) -> None:
    with pytest.raises(ValueError, match="answers"):
        SheetIn.model_validate({"id": str(uuid.uuid4()), "answers": {"1": value}})
