"""Examples of the survey API's OpenAPI document: seed 001's 市民满意度 survey, 52 sheets.

The questionnaire is the shipped seed001 template; the sheets give seed 001's counts (表3: 50/2,
49/3, 49/3 of 52), from which the results are computed by the service's own code (15400 / 156
= 98.72%). Answers are built through their response models; the ids are those of the other
services' examples: one story throughout.
"""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from services.kit import openapi
from services.kit.openapi import Example
from services.survey import answers, ingest, results, schemas
from services.survey.api import templates
from services.survey.api.collect import problem_body
from services.survey.questionnaire import Questionnaire, TextQuestion

PROJECT = "05bdf18c-330b-402a-a2f1-276f51da2ba9"  # the scoring service's example project
EVALUATION = "bcaaae87-4c10-4ebb-9725-0c921b3d5c86"  # and its evaluation
QUESTIONNAIRE_IDS = {
    1: "7413d04c-4ac3-4d9d-bfc7-11c031d4c431",
    2: "3b0f3c0e-6d1f-4b8e-a9a4-5c7f2d8e91b6",
}
QUESTIONNAIRE_KEY = "62e25988-21a7-439d-9845-be18b2426a00"
SURVEY = "7a478580-cd73-4330-a74c-ba292c41b660"
SHEETS = (
    "8228cd1c-7d88-4f5d-8aeb-24d9824c0553",
    "9dacf829-51a9-43b2-91bf-567ee9feac6f",
    "2f6f8cef-fb98-4938-a68b-f992b367b59f",
    "9d4ce289-4c9e-4299-a8ca-0b1e6d943680",
)
TOKEN = "OtGaC0jg37tDWX1F1M7xVQ"
INVITATIONS = ("Jaqy7CPEu-JkusWM6zLR_A", "SdxVBPbQZk9YUEIWyAZwwg")
LINK = f"https://jixiao.example.gov.cn/api/v1/survey/s/{TOKEN}"
SURVEY_NAME = "2024年度安全生产监管经费项目市民满意度调查"
GROUPS = ["市民"]
OPENS, CLOSES = "2025-01-06T08:00:00+08:00", "2025-01-20T18:00:00+08:00"
FIRST_CLOSES = "2025-01-17T18:00:00+08:00"  # extended by PATCH to CLOSES
# Answer patterns of seed 001's 52 sheets (questions 1, 2, 3) and how many sheets gave each.
PATTERNS = (
    (("非常满意", "非常满意", "非常满意"), 49),
    (("非常满意", "满意", "满意"), 1),
    (("满意", "满意", "满意"), 2),
)
SUGGESTION = TextQuestion(code="4", text="您对安全生产监管及应急管理工作还有哪些意见和建议？")


def _dump(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


def _stored_time(moment: str) -> str:
    """A time as the service reads it back from its database: in UTC."""
    return datetime.fromisoformat(moment).astimezone(UTC).isoformat()


def _questionnaire(version: int) -> Questionnaire:
    """Version 1 is the template; version 2 adds a free-text question for remarks."""
    form = templates.template("seed001")
    if version == 1:
        return form
    return form.model_copy(update={"questions": [*form.questions, SUGGESTION]})


def _summary(version: int) -> dict[str, Any]:
    return {
        "id": QUESTIONNAIRE_IDS[version],
        "key": QUESTIONNAIRE_KEY,
        "version": version,
        "name": _questionnaire(version).name,
        "created_at": "2025-01-05T08:50:00Z" if version == 1 else "2025-02-10T03:00:00Z",
    }


def _questionnaire_public(version: int) -> Any:
    form = _questionnaire(version)
    fields = {**_summary(version), "method": form.method, "questionnaire": form}
    return _dump(schemas.QuestionnairePublic.model_validate(fields))


def _survey(status: str, closes_at: str, *, created: bool = False) -> Any:
    """The survey when scheduled (as created), open, or closed (when its results are read)."""
    window = (OPENS, closes_at) if created else (_stored_time(OPENS), _stored_time(closes_at))
    fields = {
        "id": SURVEY,
        "questionnaire_id": QUESTIONNAIRE_IDS[1],
        "questionnaire_key": QUESTIONNAIRE_KEY,
        "version": 1,
        "name": SURVEY_NAME,
        "project_id": PROJECT,
        "evaluation_id": EVALUATION,
        "opens_at": window[0],
        "closes_at": window[1],
        "target": 52,
        "groups": GROUPS,
        "invitation_only": False,
        "status": status,
        "public_token": TOKEN,
        "link": LINK,
        "created_at": "2025-01-05T09:00:00Z",
    }
    return _dump(schemas.SurveyPublic.model_validate(fields))


def _sheet(index: int, pattern: tuple[str, ...], answered_at: str) -> dict[str, Any]:
    """A sheet as the answer page or a mobile app sends it."""
    answered = dict(zip(("1", "2", "3"), pattern, strict=True))
    return {"id": SHEETS[index], "answers": answered, "group": "市民", "answered_at": answered_at}


def _stored(sheet: dict[str, Any], received_at: str, review: dict[str, Any]) -> Any:
    """A stored sheet as reviewers read it: its body without the invitation token."""
    checked = answers.check(answers.compile_questionnaire(_questionnaire(1)), _parse(sheet), GROUPS)
    assert isinstance(checked, answers.Checked)  # the example sheets are valid
    fields = {
        "id": sheet["id"],
        "survey_id": SURVEY,
        "respondent_group": sheet["group"],
        "answered_at": checked.body["answered_at"],
        "received_at": received_at,
        "body": checked.body,
        **review,
    }
    return _dump(schemas.SheetPublic.model_validate(fields))


def _parse(sheet: dict[str, Any]) -> answers.SheetIn:
    return answers.SheetIn.model_validate(sheet)


def _batch(first: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Sheets a device kept while offline: two new, a repeat of the first, one badly filled."""
    bad = {"id": SHEETS[3], "answers": {"1": "很好"}, "group": "市民"}
    sheets = [
        _sheet(1, PATTERNS[1][0], "2025-01-09T09:30:00+08:00"),
        _sheet(2, PATTERNS[2][0], "2025-01-09T09:42:00+08:00"),
        first,
        bad,
    ]
    form = answers.compile_questionnaire(_questionnaire(1))
    issues = answers.check(form, _parse(bad), GROUPS, prefix="body.sheets[3]")
    assert isinstance(issues, list)  # "很好" is no level, questions 2 and 3 are unanswered
    items = [
        {"index": 2, "id": SHEETS[0], "status": 200, "received_at": "2025-01-08T02:15:03Z"},
        {
            "index": 3,
            "id": SHEETS[3],
            "status": 422,
            "problem": problem_body(ingest.invalid(issues)),
        },
    ]
    fields = {"stored": 2, "repeated": 1, "failed": 1, "received_at": "2025-01-09T01:45:10Z"}
    # The route leaves out what an item lacks (a repeat has no problem, a refusal no time).
    built = schemas.BatchPublic.model_validate({**fields, "items": items})
    return {"sheets": sheets}, built.model_dump(mode="json", exclude_none=True)


def _results() -> Any:
    """The results of the 52 sheets, computed from their tallies as GET …/results does."""
    form = answers.compile_questionnaire(_questionnaire(1))
    levels = [form.slots[code].labels for code in ("1", "2", "3")]
    counts: dict[tuple[int, int], int] = {}
    sheets: list[tuple[int, int, int]] = []
    for pattern, count in PATTERNS:
        total = 0
        for question, label in enumerate(pattern):
            level, value = levels[question][label]
            counts[question, level] = counts.get((question, level), 0) + count
            total += value
        sheets.append((total, len(pattern), count))
    tallies = results.Tallies(
        counts=[(question, level, n) for (question, level), n in sorted(counts.items())],
        sheets=sheets,
        groups=[("市民", 52)],
        rejected=0,
    )
    built = results.build(uuid.UUID(SURVEY), uuid.UUID(QUESTIONNAIRE_IDS[1]), form, 52, tallies)
    return _dump(built)


def _templates() -> Any:
    items = [
        {"name": name, "title": form.name, "method": form.method, "questions": len(form.questions)}
        for name, form in templates.load_templates().items()
    ]
    return _dump(schemas.TemplatesPublic.model_validate({"items": items}))


def examples() -> dict[tuple[str, str], Example]:
    """Return every example of the survey API, keyed by (method, path) as in its document."""
    written = json.loads((templates.FOLDER / "seed001.json").read_text(encoding="utf-8"))
    revised = {**written, "questions": [*written["questions"], _dump(SUGGESTION)]}
    v1, v2 = _questionnaire_public(1), _questionnaire_public(2)
    created = {
        "questionnaire_key": QUESTIONNAIRE_KEY,
        "name": SURVEY_NAME,
        "project_id": PROJECT,
        "evaluation_id": EVALUATION,
        "opens_at": OPENS,
        "closes_at": FIRST_CLOSES,
        "target": 52,
        "groups": GROUPS,
    }
    closed = _survey("closed", CLOSES)
    form = {
        "survey_id": SURVEY,
        "name": SURVEY_NAME,
        "status": "open",
        "opens_at": _stored_time(OPENS),
        "closes_at": _stored_time(CLOSES),
        "groups": GROUPS,
        "invitation_only": False,
        "questionnaire": _questionnaire(1),
    }
    first = _sheet(0, PATTERNS[0][0], "2025-01-08T10:15:00+08:00")
    receipt = {"id": SHEETS[0], "survey_id": SURVEY, "received_at": "2025-01-08T02:15:03Z"}
    receipt = _dump(schemas.SheetReceipt.model_validate({**receipt, "review": "accepted"}))
    batch, batch_answer = _batch(first)
    # The same sheet from the answer page's form: a:<question>, the group; no time zone needed.
    posted = {
        "id": SHEETS[0],
        **{f"a:{k}": v for k, v in first["answers"].items()},
        "group": "市民",
    }
    unreviewed = {"review": "accepted", "note": None, "reviewed_at": None}
    review = {"state": "accepted", "note": "已电话回访核实"}
    reviewed = {"review": "accepted", "note": review["note"], "reviewed_at": "2025-01-21T01:20:00Z"}
    second = _sheet(1, PATTERNS[1][0], "2025-01-09T09:30:00+08:00")
    page = {
        "items": [
            _stored(first, "2025-01-08T02:15:03Z", unreviewed),
            _stored(second, "2025-01-09T01:45:10Z", unreviewed),
        ],
        "total": 52,
    }
    invited = {
        "tokens": list(INVITATIONS),
        "links": [f"{LINK}?invite={token}" for token in INVITATIONS],
        "made": 2,
        "used": 0,
    }
    survey = "/surveys/{survey_id}"
    return {
        **openapi.health("survey"),
        ("GET", "/templates"): Example(responses={200: _templates()}),
        ("GET", "/templates/{name}"): Example(responses={200: _dump(_questionnaire(1))}),
        ("POST", "/templates/{name}/copies"): Example(responses={201: v1}),
        ("POST", "/questionnaires"): Example(written, {201: v1}),
        ("GET", "/questionnaires"): Example(responses={200: {"items": [_summary(2)]}}),
        ("GET", "/questionnaires/{key}"): Example(responses={200: v2}),
        ("PUT", "/questionnaires/{key}"): Example(revised, {200: v2}),
        ("GET", "/questionnaires/{key}/versions/{version}"): Example(responses={200: v1}),
        ("POST", "/surveys"): Example(
            created, {201: _survey("scheduled", FIRST_CLOSES, created=True)}
        ),
        ("GET", "/surveys"): Example(responses={200: {"items": [closed]}}),
        ("GET", survey): Example(responses={200: closed}),
        ("PATCH", survey): Example({"closes_at": CLOSES}, {200: _survey("open", CLOSES)}),
        ("POST", survey + "/invitations"): Example({"count": 2}, {201: invited}),
        ("GET", "/s/{token}/form"): Example(
            responses={200: _dump(schemas.FormPublic.model_validate(form))}
        ),
        ("POST", "/s/{token}/sheets"): Example(first, {201: receipt, 200: receipt}, form=posted),
        ("POST", "/s/{token}/sheets/batch"): Example(batch, {200: batch_answer}),
        ("GET", survey + "/sheets"): Example(responses={200: page}),
        ("GET", survey + "/sheets/{sheet_id}"): Example(
            responses={200: _stored(first, "2025-01-08T02:15:03Z", unreviewed)}
        ),
        ("PUT", survey + "/sheets/{sheet_id}/review"): Example(
            review, {200: _stored(first, "2025-01-08T02:15:03Z", reviewed)}
        ),
        ("GET", survey + "/results"): Example(responses={200: _results()}),
    }
