"""The merged OpenAPI document: valid, complete, its examples real; a generated client scores."""

import asyncio
import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
from openapi_spec_validator import validate

from tests.gateway.conftest import ADMIN_KEY, Client

pytestmark = pytest.mark.parametrize("new_database", ["sqlite"], indirect=True)
SEED = Path(__file__).parents[2] / "examples" / "seed001"
METHODS = ("get", "post", "put", "patch", "delete")


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


PROBLEM = "application/problem+json"
JSON, FORM = "application/json", "application/x-www-form-urlencoded"


def _example_places(operation: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each JSON (or form) request body and each 2xx JSON answer of an operation."""
    body = operation.get("requestBody", {}).get("content", {})
    for media in (JSON, FORM):
        if media in body:
            yield f"request {media}", body[media]
    for status, response in operation["responses"].items():
        media_type = response.get("content", {}).get(JSON)
        # A schema of {} is a file declared as JSON: see the xfail below.
        if status.startswith("2") and media_type is not None and media_type["schema"] != {}:
            yield f"answer {status}", media_type


def _errors(document: dict[str, Any], schema: dict[str, Any], value: Any) -> list[str]:
    """Validate a value against a schema of the document (its $refs resolved in it)."""
    resolvable = {**schema, "components": document["components"]}
    # Formats too: an id must be a UUID, a time an RFC 3339 date-time.
    validator = jsonschema_rs.Draft202012Validator(resolvable, validate_formats=True)
    return [
        f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(value)
    ]


async def test_the_document_is_valid_and_every_operation_declares_security_and_problems(
    clients: Client,
) -> None:
    document = (await clients(None).get("/openapi.json")).json()
    validate(document)
    assert set(document["components"]["securitySchemes"]) == {"ApiKey", "OAuth2"}
    for method, path, operation in _operations(document):
        assert "security" in operation, (method, path)
        problems = {
            status: response
            for status, response in operation["responses"].items()
            if status[0] in "45"
        }
        assert problems or path.endswith("healthz"), (method, path)
        for status, response in problems.items():
            content = response["content"]
            # problem+json; OAuth2's own error model; or the answer page's HTML
            assert set(content) <= {PROBLEM, "application/json", "text/html"}, (method, path)
            media = content.get(PROBLEM) or content.get("application/json") or content["text/html"]
            assert "example" in media or "schema" in media, (method, path, status)
        if operation["security"]:
            assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
        if method == "post" and path.startswith("/api/v1/"):
            names = [p["name"] for p in operation.get("parameters", [])]
            assert "Idempotency-Key" in names, path


async def test_a_generated_client_scores_seed001(clients: Client, tmp_path: Path) -> None:
    document = (await clients(None).get("/openapi.json")).json()
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    config = tmp_path / "config.yml"
    names = "project_name_override: jixiao-client\npackage_name_override: jixiao_client\n"
    config.write_text(names)
    generated = await asyncio.to_thread(
        subprocess.run,
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(config),
            "--output-path",
            str(tmp_path / "jixiao_client"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(tmp_path))  # --meta none: the output folder is the package
    try:
        await _score_with_generated_client(clients)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("jixiao_client")]:
            del sys.modules[name]


async def _score_with_generated_client(clients: Client) -> None:
    package = importlib.import_module("jixiao_client")
    copies = importlib.import_module(
        "jixiao_client.api.scoring_templates.scoring_copy_template_templates_name_copies_post"
    )
    scores = importlib.import_module("jixiao_client.api.scoring_scores.scoring_score_scores_post")
    models = importlib.import_module("jixiao_client.models")
    transport = clients()._transport  # the in-process gateway, as in the other tests
    # The generated client's own httpx client would go to the network: hand it one that
    # calls the in-process gateway, with the key header its ApiKey scheme names.
    http = httpx.AsyncClient(
        transport=transport, base_url="http://test", headers={"X-API-Key": ADMIN_KEY}
    )
    client = package.Client(base_url="http://test").set_async_httpx_client(http)
    system = await copies.asyncio(name="seed001", client=client)
    assert hasattr(system, "key"), system.to_dict()
    body = models.ScoringScoreRequest.from_dict(
        {
            "system_key": str(system.key),
            "version": 1,
            "facts": json.loads((SEED / "facts.json").read_text(encoding="utf-8")),
            "judgements": json.loads((SEED / "judgements.json").read_text(encoding="utf-8")),
        }
    )
    result = await scores.asyncio(client=client, body=body)
    assert (result.total, result.grade) == ("88.00", "良")
    await http.aclose()


async def test_every_body_and_answer_has_an_example_that_fits_its_schema(clients: Client) -> None:
    document = (await clients(None).get("/openapi.json")).json()
    places = 0
    for method, path, operation in _operations(document):
        for where, media in _example_places(operation):
            assert "example" in media, (method, path, where)
            assert _errors(document, media["schema"], media["example"]) == [], (method, path, where)
            places += 1
    # By hand from the routes: 32 request bodies (2 of them forms: the token, the answer
    # page) and 76 answers (gateway 17, reports 8, scoring 28, survey 23).
    assert places == 108
    # The check bites: a score without its grade, or with its total as a JSON number.
    result = document["paths"]["/api/v1/scoring/scores"]["post"]["responses"]["200"]["content"]
    schema, example = result[JSON]["schema"], result[JSON]["example"]
    assert (example["total"], example["grade"]) == ("88.00", "良")
    no_grade = {k: v for k, v in example.items() if k != "grade"}
    assert _errors(document, schema, no_grade) == [': "grade" is a required property']
    assert _errors(document, schema, {**example, "total": 88}) == [
        'total: 88 is not of type "string"'
    ]


async def test_every_json_answer_declares_its_schema(clients: Client) -> None:
    document = (await clients(None).get("/openapi.json")).json()
    undeclared = [
        (method, path)
        for method, path, operation in _operations(document)
        for status, response in operation["responses"].items()
        if status.startswith("2") and response.get("content", {}).get(JSON, {}).get("schema") == {}
    ]
    assert undeclared == []


def _answer(document: dict[str, Any], method: str, path: str, status: str = "200") -> Any:
    return document["paths"][path][method]["responses"][status]["content"][JSON]["example"]


async def test_the_examples_of_the_services_tell_one_story(clients: Client) -> None:
    document = (await clients(None).get("/openapi.json")).json()
    scoring, survey, reports = "/api/v1/scoring", "/api/v1/survey", "/api/v1/reports"
    evaluation = _answer(document, "get", f"{scoring}/evaluations/{{evaluation_id}}")
    system = _answer(document, "get", f"{scoring}/systems/{{key}}/versions/{{version}}")
    project = _answer(document, "get", f"{scoring}/projects/{{project_id}}")
    fielded = _answer(document, "get", f"{survey}/surveys/{{survey_id}}")
    results = _answer(document, "get", f"{survey}/surveys/{{survey_id}}/results")
    job = _answer(document, "get", f"{reports}/jobs/{{job_id}}")
    client = _answer(document, "get", "/admin/clients/{client_id}")
    delivery = _answer(document, "get", "/webhooks/deliveries/{delivery_id}")
    # Seed 001, scored by the engine: 88 points, 良, once the survey gave 市民满意度.
    assert (evaluation["status"], evaluation["revision"]) == ("finalized", 7)
    assert (evaluation["result"]["total"], evaluation["result"]["grade"]) == ("88.00", "良")
    assert (evaluation["system_key"], evaluation["system_id"]) == (system["key"], system["id"])
    assert evaluation["project_id"] == project["id"] == fielded["project_id"]
    assert evaluation["org_id"] == project["org_id"] == client["organisation_id"]
    assert evaluation["created_by"] == project["created_by"] == client["id"]
    # The survey's result is the fact: 52 sheets, 15400 / 156 = 98.72%.
    source = evaluation["sources"]["市民满意度"]
    assert source["survey_id"] == fielded["id"] == results["survey_id"]
    assert fielded["evaluation_id"] == evaluation["id"]
    assert (source["n"], source["satisfaction"]) == (results["n"], results["satisfaction"])
    assert (results["n"], results["satisfaction_percent"]) == (52, "98.72%")
    assert evaluation["facts"]["市民满意度"] == results["satisfaction"] == "0.9872"
    # The report is of the finalized revision; the webhook told of that finalization.
    assert (job["evaluation_id"], job["revision"]) == (evaluation["id"], evaluation["revision"])
    event = delivery["payload"]
    assert event["org_id"] == evaluation["org_id"]
    assert event["data"] == {
        "evaluation_id": evaluation["id"],
        "project_id": evaluation["project_id"],
        "status": "finalized",
        "total": "88.00",
        "grade": "良",
    }
    template = _answer(document, "get", f"{reports}/templates/{{template_id}}")
    names = _answer(document, "get", f"{reports}/templates/names")["names"]
    assert set(template["placeholders"]) <= set(names)


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def _shape(value: Any) -> Any:
    """The value with every id and time replaced: what two runs of one story share."""
    text = json.dumps(value, ensure_ascii=False)
    return json.loads(TIME.sub("<time>", UUID.sub("<id>", text)))


async def test_the_scoring_examples_are_what_the_api_answers(clients: Client) -> None:
    document = (await clients(None).get("/openapi.json")).json()
    gateway, ids = clients(), dict[str, str]()
    for method, path, status in (
        ("post", "/systems", 201),
        ("post", "/scores", 200),
        ("post", "/scores/batch", 200),
        ("post", "/projects", 201),
        ("post", "/evaluations", 201),
        ("put", "/systems/{key}", 200),
    ):
        operation = document["paths"][f"/api/v1/scoring{path}"][method]
        request = operation["requestBody"]["content"][JSON]["example"]
        example = operation["responses"][str(status)]["content"][JSON]["example"]
        sent = json.dumps(request, ensure_ascii=False)
        url = f"/api/v1/scoring{path}".replace("{key}", example.get("key", ""))
        for ours, theirs in ids.items():  # the ids the API gave in place of the example's
            sent, url = sent.replace(ours, theirs), url.replace(ours, theirs)
        headers = {"content-type": JSON}
        answer = await gateway.request(method.upper(), url, content=sent.encode(), headers=headers)
        assert answer.status_code == status, (method, path, answer.text)
        assert _shape(answer.json()) == _shape(example), (method, path)
        for field in ("id", "key"):
            if isinstance(example, dict) and field in example:
                ids[example[field]] = answer.json()[field]
