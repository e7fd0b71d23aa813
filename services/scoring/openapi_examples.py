"""Examples of the scoring API's OpenAPI document: seed 001 (兴宁, 88 points, 良) end to end.

Inputs are the files of examples/seed001 and the shipped seed001 template; every answer is built
through its response model and every score by the engine, so an example cannot drift from what
the API answers. The ids are those of the other services' examples: one story throughout.
"""

import json
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from services.kit import openapi
from services.kit.openapi import Example
from services.scoring import consistency, engine, errors, schemas
from services.scoring.api import templates
from services.scoring.api.excel import FactsImport, SystemImport
from services.scoring.api.scores import summarize
from services.scoring.system import IndicatorSystem, walk

EXAMPLES = Path(__file__).parents[2] / "examples"
AGENCY = "5bdc2fb5-059e-477d-9b96-9e224a91474f"  # 广东某某会计师事务所有限公司 (gateway examples)
CLIENT = "b315f439-3e4a-40b2-988a-f05d04ed9d01"  # its API client 绩效评价工作平台
SYSTEM_IDS = {1: "e5a4283a-df8f-4d79-876d-a82e9f3aa09e", 2: "9beb9ed7-c977-4b4d-9d83-13ad50822cb9"}
SYSTEM_KEY = "d81a17c1-4001-40ef-bd9e-b60141564463"
PROJECT = "05bdf18c-330b-402a-a2f1-276f51da2ba9"
EVALUATION = "bcaaae87-4c10-4ebb-9725-0c921b3d5c86"
SURVEY = "7a478580-cd73-4330-a74c-ba292c41b660"  # the survey service's example survey
PROJECT_NAME = "2024年度安全生产监管经费项目"
FUNDS = ("预算资金", "实际到位资金", "实际支出资金")  # known when the project is created
SURVEYED = "市民满意度"  # taken from the survey: PUT /evaluations/{id}/sources/市民满意度
REVISED = "2024年度安全生产监管经费项目绩效评价指标体系（修订）"  # version 2's name
# Each revision of the evaluation: when, the action, the reason (as in the audit example).
REVISIONS: dict[int, tuple[str, str, str | None]] = {
    1: ("2025-01-06T01:35:00Z", "create", None),
    2: ("2025-01-21T02:00:00Z", "survey", "以市民满意度调查结果为准"),  # closed on the 20th
    3: ("2025-01-21T02:05:00Z", "update", "补充评价目的与范围"),
    4: ("2025-03-20T06:00:00Z", "submit", None),
    5: ("2025-03-21T01:30:00Z", "return", "请补充满意度调查的样本说明"),
    6: ("2025-03-24T07:00:00Z", "submit", None),
    7: ("2025-03-28T02:00:00Z", "finalize", None),
    8: ("2025-04-02T01:00:00Z", "reopen", "委托方要求更正报告文号"),
}
STATUS = {1: "draft", 2: "draft", 3: "draft", 4: "submitted", 5: "draft", 6: "submitted"}
STATUS |= {7: "finalized", 8: "draft"}
READ_AT = "2025-01-21T02:00:00+00:00"


def _read(path: str) -> Any:
    return json.loads((EXAMPLES / path).read_text(encoding="utf-8"))


def _dump(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


class Story:
    """Seed 001's inputs, read once per document."""

    def __init__(self) -> None:
        self.system = templates.template("seed001")
        self.facts: dict[str, Any] = _read("seed001/facts.json")
        self.judgements: dict[str, Any] = _read("seed001/judgements.json")
        self.reported = {k: v["value"] for k, v in _read("seed001/reported.json").items()}
        texts = _read("seed001/texts.json")
        self.texts = {k: texts[k] for k in ("title", "evaluation_object", "base_date")}
        self.more_texts = {**self.texts, "purpose": texts["purpose"], "scope": texts["scope"]}
        self.compiled = engine.compile_system(self.system)

    def score(self, facts: dict[str, Any]) -> tuple[engine.Result | None, list[Any]]:
        """Score seed 001 with these facts: the result, or the issues keeping it from one."""
        request = schemas.ScoreRequest.model_validate(
            {"system_key": SYSTEM_KEY, "facts": facts, "judgements": self.judgements}
        )
        try:
            return self.compiled.score(request.facts, request.judgements), []
        except engine.ScoringFailed as failed:
            return None, failed.issues

    def evaluation_facts(self) -> dict[str, Any]:
        """The facts an evaluation adds to its project's; the survey gives 市民满意度 later."""
        return {k: v for k, v in self.facts.items() if k not in (*FUNDS, SURVEYED)}


def _system(story: Story, version: int) -> IndicatorSystem:
    return story.system if version == 1 else story.system.model_copy(update={"name": REVISED})


def _system_summary(story: Story, version: int) -> dict[str, Any]:
    return {
        "id": SYSTEM_IDS[version],
        "key": SYSTEM_KEY,
        "version": version,
        "name": _system(story, version).name,
        "org_id": AGENCY,
        "created_at": "2025-01-06T01:30:00Z" if version == 1 else "2025-01-07T03:00:00Z",
        "created_by": CLIENT,
    }


def _system_public(story: Story, version: int) -> Any:
    system = _system(story, version)
    fields = {**_system_summary(story, version), "system": system, "scale": system.scale()}
    return _dump(schemas.SystemPublic.model_validate(fields))


def _project_request(story: Story) -> dict[str, Any]:
    return {
        "name": PROJECT_NAME,
        "year": 2024,
        "implementing_unit": "兴宁市应急管理局",
        "facts": {k: story.facts[k] for k in FUNDS},
    }


def _project(story: Story, *, patched: bool = True) -> Any:
    """The project as created, or after PATCH named its commissioning unit."""
    fields = {
        **_project_request(story),
        "id": PROJECT,
        "commissioning_unit": "兴宁市财政局" if patched else None,
        "org_id": AGENCY,
        "created_by": CLIENT,
        "created_at": "2025-01-06T01:32:00Z",
        "updated_at": "2025-01-06T01:40:00Z" if patched else "2025-01-06T01:32:00Z",
    }
    return _dump(schemas.ProjectPublic.model_validate(fields))


def _evaluation(story: Story, revision: int) -> Any:
    """The evaluation as it stands after a revision (see REVISIONS)."""
    surveyed = revision >= 2
    facts = {**{k: story.facts[k] for k in FUNDS}, **story.evaluation_facts()}
    if surveyed:
        facts[SURVEYED] = story.facts[SURVEYED]
    result, issues = story.score(facts)
    fields = {
        "id": EVALUATION,
        "project_id": PROJECT,
        "org_id": AGENCY,
        "created_by": CLIENT,
        "system_id": SYSTEM_IDS[1],
        "system_key": SYSTEM_KEY,
        "system_version": 1,
        "status": STATUS[revision],
        "revision": revision,
        "facts": facts,
        "judgements": story.judgements,
        "reported": story.reported,
        "texts": story.more_texts if revision >= 3 else story.texts,
        "sources": {SURVEYED: _source(story)} if surveyed else {},
        "result": result,
        "issues": [{"path": i.path, "message": i.message} for i in issues],
        "created_at": REVISIONS[1][0],
        "updated_at": REVISIONS[revision][0],
    }
    return _dump(schemas.EvaluationPublic.model_validate(fields))


def _source(story: Story) -> dict[str, Any]:
    # The survey's result: n = 52, satisfaction 15400 / 156 (the survey service's example).
    return {"survey_id": SURVEY, "n": 52, "satisfaction": story.facts[SURVEYED], "read_at": READ_AT}


def _audit(story: Story) -> Any:
    """Every change up to finalization, as GET /evaluations/{id}/audit lists them."""
    changes: list[tuple[int, str | None, Any, Any]] = [
        (1, None, None, "draft"),
        (2, f"facts.{SURVEYED}", None, story.facts[SURVEYED]),
        (2, f"sources.{SURVEYED}", None, _source(story)),
        *((3, f"texts.{k}", None, story.more_texts[k]) for k in ("purpose", "scope")),
        *((n, "status", STATUS[n - 1], STATUS[n]) for n in (4, 5, 6, 7)),
    ]
    items = [
        {
            "id": str(uuid.uuid5(uuid.UUID(EVALUATION), f"audit {index}")),
            "at": REVISIONS[revision][0],
            "actor": CLIENT,
            "action": REVISIONS[revision][1],
            "field": field,
            "old": old,
            "new": new,
            "reason": REVISIONS[revision][2],
        }
        for index, (revision, field, old, new) in enumerate(changes)
    ]
    return _dump(schemas.AuditLog.model_validate({"items": items}))


def _findings(story: Story) -> list[Any]:
    """What GET /evaluations/{id}/check finds: the one printed rate that does not add up."""
    stored = schemas.EvaluationCreate.model_validate(
        {
            "project_id": PROJECT,
            "system_key": SYSTEM_KEY,
            "facts": story.facts,
            "judgements": story.judgements,
            "reported": story.reported,
        }
    )
    findings = consistency.check_evaluation(
        story.system, stored.facts, stored.judgements, stored.reported
    )
    return [_dump(finding) for finding in findings]


def _batch(story: Story) -> tuple[dict[str, Any], Any]:
    """Two projects in one request; the second lacks its budget and is not scored."""
    incomplete = {k: v for k, v in story.facts.items() if k != "预算资金"}
    projects = [("XN-2024-017", story.facts), ("XN-2024-018", incomplete)]
    request = {
        "system_key": SYSTEM_KEY,
        "projects": [
            {"id": name, "facts": facts, "judgements": story.judgements} for name, facts in projects
        ],
    }
    items: list[dict[str, Any]] = []
    for index, (name, facts) in enumerate(projects):
        result, issues = story.score(facts)
        if result is None:
            items.append(
                {"id": name, "errors": errors.field_errors(issues, f"body.projects[{index}]")}
            )
        else:
            items.append({"id": name, "summary": summarize(result)})
    failed = sum(1 for item in items if "errors" in item)
    answer = {"scored": len(items) - failed, "failed": failed, "items": items}
    return request, _dump(schemas.BatchScoreResponse.model_validate(answer))


def _imported() -> Any:
    """A dry run of seed 000's table as CSV: four indicators left to the evaluator's judgement."""
    system = IndicatorSystem.model_validate(_read("seed000/system.json"))
    leaves = [
        leaf for top in system.indicators for group in top.children for leaf in group.children
    ]
    rows = [
        {
            "code": leaf.code,
            "name": leaf.name,
            "cell": f"CSV!H{row}",
            "kind": "judgement",
            "form": "评分标准中没有分值（如 (1分)、计0—2分）",
            "source": "not_recognised",
            "reads": [],
            "notes": [],
        }
        for row, leaf in enumerate(leaves, start=3)
    ]
    report = {"sheet": "CSV", "header_row": 2, "indicators": rows, "facts": [], "derived": []}
    report |= {"judged": [leaf.code for leaf in leaves], "notes": []}
    fields = {"stored": None, "system": system, "report": report, "judgements": {}, "facts": {}}
    return _dump(SystemImport.model_validate(fields))


def _templates() -> Any:
    """GET /templates: every shipped template with its count of level-3 indicators."""
    items = [
        {
            "name": name,
            "title": system.name,
            "indicators": sum(1 for _, level, _ in walk(system.indicators) if level == 3),
            "total_weight": system.total_weight,
        }
        for name, system in templates.load_templates().items()
    ]
    return _dump(schemas.TemplatesPublic.model_validate({"items": items}))


def _facts_imported() -> Any:
    """A facts sheet naming the project by its id: its three amounts merged into it."""
    row = {"row": 2, "id": PROJECT, "name": PROJECT_NAME, "created": False}
    fields = {"created": 0, "updated": 1, "projects": [row], "errors": []}
    return _dump(FactsImport.model_validate(fields))


def examples() -> dict[tuple[str, str], Example]:
    """Return every example of the scoring API, keyed by (method, path) as in its document."""
    story = Story()
    score = {"system_key": SYSTEM_KEY, "facts": story.facts, "judgements": story.judgements}
    result, _ = story.score(story.facts)
    assert result is not None  # seed 001 is complete: 88.00, 良
    batch, scored_batch = _batch(story)
    template = _dump(story.system)
    latest = _dump(schemas.SystemsPublic.model_validate({"items": [_system_summary(story, 2)]}))
    v1, v2 = _system_public(story, 1), _system_public(story, 2)
    evaluation = {
        "project_id": PROJECT,
        "system_key": SYSTEM_KEY,
        "facts": story.evaluation_facts(),
        "judgements": story.judgements,
        "reported": story.reported,
        "texts": story.texts,
    }
    texts = {"texts": story.more_texts, "reason": REVISIONS[3][2]}
    source = {"survey_id": SURVEY, "reason": REVISIONS[2][2]}
    one = "/evaluations/{evaluation_id}"
    return {
        **openapi.health("scoring"),
        ("POST", "/scores"): Example(score, {200: _dump(result)}),
        ("POST", "/scores/batch"): Example(batch, {200: scored_batch}),
        ("POST", "/scores/export"): Example(score),
        ("POST", "/scores/batch/export"): Example(batch),
        ("GET", "/systems"): Example(responses={200: latest}),
        ("POST", "/systems"): Example(template, {201: v1}),
        ("GET", "/systems/{key}"): Example(responses={200: v2}),
        ("PUT", "/systems/{key}"): Example(_dump(_system(story, 2)), {200: v2}),
        ("GET", "/systems/{key}/versions/{version}"): Example(responses={200: v1}),
        ("GET", "/templates"): Example(responses={200: _templates()}),
        ("GET", "/templates/{name}"): Example(responses={200: template}),
        ("POST", "/templates/{name}/copies"): Example(responses={201: v1}),
        ("GET", "/projects"): Example(responses={200: {"items": [_project(story)]}}),
        ("POST", "/projects"): Example(
            _project_request(story), {201: _project(story, patched=False)}
        ),
        ("GET", "/projects/{project_id}"): Example(responses={200: _project(story)}),
        ("PATCH", "/projects/{project_id}"): Example(
            {"commissioning_unit": "兴宁市财政局"}, {200: _project(story)}
        ),
        ("POST", "/evaluations"): Example(evaluation, {201: _evaluation(story, 1)}),
        ("GET", one): Example(responses={200: _evaluation(story, 7)}),
        ("PUT", one + "/sources/{fact}"): Example(source, {200: _evaluation(story, 2)}),
        ("PATCH", one): Example(texts, {200: _evaluation(story, 3)}),
        ("POST", one + "/submit"): Example({}, {200: _evaluation(story, 4)}),
        ("POST", one + "/return"): Example(
            {"reason": REVISIONS[5][2]}, {200: _evaluation(story, 5)}
        ),
        ("POST", one + "/finalize"): Example({}, {200: _evaluation(story, 7)}),
        ("POST", one + "/reopen"): Example(
            {"reason": REVISIONS[8][2]}, {200: _evaluation(story, 8)}
        ),
        ("GET", one + "/audit"): Example(responses={200: _audit(story)}),
        ("GET", one + "/check"): Example(responses={200: _findings(story)}),
        ("POST", "/imports/systems"): Example(responses={200: _imported()}),
        ("POST", "/imports/facts"): Example(responses={201: _facts_imported()}),
    }
