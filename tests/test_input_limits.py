"""Input limits over the whole system: bounds declared in OpenAPI and enforced, deep JSON, text.

Body size (tests/gateway/test_forwarding.py) and zip bombs (tests/scoring/test_excel_api.py)
are tested where they are enforced.
"""

import contextlib
import csv
import io
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import openpyxl
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager

from gateway.main import create_app
from services.kit import testing
from services.kit.clients import service_client
from services.report import schemas as report_schemas
from services.report.main import create_app as create_report_app
from services.report.settings import ReportSettings
from services.scoring import schemas as scoring_schemas
from services.scoring.main import create_app as create_scoring_app
from services.scoring.settings import ScoringSettings
from services.survey import schemas as survey_schemas
from services.survey.main import create_app as create_survey_app
from services.survey.settings import SurveySettings
from tests import bodies
from tests.gateway.conftest import ADMIN_KEY, gateway_settings, local_settings

pytestmark = pytest.mark.asyncio(loop_scope="module")
PROBLEM = "application/problem+json"
INVALID = "/problems/invalid-request"
SCORING, SURVEY = "/api/v1/scoring", "/api/v1/survey"
EXAMPLES = Path(__file__).parent.parent / "examples" / "seed001"
# The component prefix the gateway gives each service's schemas, and the module I own there.
OWNED: dict[str, ModuleType] = {
    "Scoring": scoring_schemas,
    "Survey": survey_schemas,
    "Reports": report_schemas,
}
# Chinese (with a CJK extension B character), emoji with ZWJ sequences, skin tone and a flag,
# Arabic and Hebrew with its points, combining marks, bidi marks: no control characters.
MIX = "绩效评价𠀀资金·👩‍👩‍👧‍👦🏳️‍🌈👍🏽 مرحبا بالعالم שָׁלוֹם e\u0301 A\u030a \u200f٣\u200e"
LONG = f"一、{MIX}\n\t二、{MIX}\r\n三、结束"  # long texts keep their tabs and line breaks
# Checks made before anything is stored need one backend; round trips run on both.
SQLITE_ONLY = pytest.mark.parametrize("new_database", ["sqlite"], indirect=True)
# One text per kind of control character every free-text field must refuse.
CONTROLS = {"NUL": "a\x00b", "BEL": "a\x07b", "ESC": "a\x1bb", "C1": "a\x85b", "lone": "a\ud800b"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def new_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], str]:
    """Make empty databases on one backend for this module's one gateway."""
    if request.param == "sqlite":
        return lambda: f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    postgres: str = request.getfixturevalue("postgres_database")
    return lambda: testing.postgres_schema_url(postgres)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateway(new_database: Callable[[], str]) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding an admin key of the whole system, in-process, on one backend."""
    settings = gateway_settings(
        new_database, default_rate="1000000/minute", public_rate="1000000/minute"
    )
    async with testing.started(create_app(settings, local_settings(new_database))) as client:
        client.headers["x-api-key"] = ADMIN_KEY
        yield client


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def document(gateway: httpx.AsyncClient) -> dict[str, Any]:
    """The gateway's OpenAPI document (every service's operations)."""
    response = await gateway.get("/openapi.json")
    assert response.status_code == 200
    loaded: dict[str, Any] = response.json()
    numeric_strings(loaded)
    return loaded


def owned(component: str) -> bool:
    """Tell whether a component is a model of one of the three schemas.py files."""
    for prefix, module in OWNED.items():
        if component.startswith(prefix):
            name = component.removeprefix(prefix).removesuffix("-Input").removesuffix("-Output")
            model = getattr(module, name, None)
            return getattr(model, "__module__", None) == module.__name__
    return False


def free_text(schema: dict[str, Any]) -> bool:
    """Tell whether a string schema takes free text (not an id, date, number or choice)."""
    return schema.get("type") == "string" and not (
        {"format", "pattern", "enum", "const"} & schema.keys()
    )


def unbounded(
    b: bodies.Bodies, schema: dict[str, Any], keep: Callable[[str], bool]
) -> Iterator[str]:
    """Yield the paths of free texts, lists and maps with no declared upper bound."""
    for path, leaf in bodies.leaves(b, schema, keep):
        kind = leaf["type"]
        bound = {"string": "maxLength", "array": "maxItems", "object": "maxProperties"}[kind]
        if (kind != "string" or free_text(leaf)) and bound not in leaf:
            yield bodies.location(path)


def json_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (method, path, body schema) of every write operation taking JSON."""
    for method, path, operation in bodies.write_operations(document):
        schema = bodies.json_schema(operation)
        if schema is not None:
            yield method, path, schema


def numeric_strings(document: dict[str, Any]) -> None:
    """Mark the string member of a decimal's anyOf [number, string]: a number, not free text."""
    for component in document["components"]["schemas"].values():
        for node in _nodes(component):
            members = node.get("anyOf", [])
            if any(m.get("type") == "number" for m in members):
                for member in members:
                    if member.get("type") == "string":
                        member.setdefault("format", "decimal")


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def concrete(path: str) -> str:
    """Fill a path's parameters with ids that need not exist: validation comes first."""
    return re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)


async def send(client: httpx.AsyncClient, method: str, url: str, body: Any) -> httpx.Response:
    """Send a JSON body with every non-ASCII character escaped (lone surrogates included)."""
    content = json.dumps(body, ensure_ascii=True).encode("ascii")
    headers = {"content-type": "application/json"}
    return await client.request(method, url, content=content, headers=headers)


def error_paths(response: httpx.Response) -> list[str]:
    """Return the fields a 422 problem names."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    return [e["path"] for e in response.json()["errors"]]


def owned_body(b: bodies.Bodies, schema: dict[str, Any]) -> bool:
    """Tell whether an operation's body is a model of one of the three schemas.py files."""
    name = b.ref_name(schema)
    return name is not None and owned(name)


def unbounded_in(document: dict[str, Any], everywhere: bool) -> set[str]:
    """Return 'METHOD path field' of every unbounded member of a request body."""
    b = bodies.Bodies(document)
    found = set()
    for method, path, schema in json_operations(document):
        if everywhere or owned_body(b, schema):
            keep = (lambda _: True) if everywhere else owned
            found |= {f"{method.upper()} {path} {at}" for at in unbounded(b, schema, keep)}
    return found


@SQLITE_ONLY
async def test_every_text_list_and_map_of_our_request_models_declares_a_bound(
    document: dict[str, Any],
) -> None:
    assert unbounded_in(document, everywhere=False) == set()


@SQLITE_ONLY
async def test_every_text_list_and_map_of_any_request_declares_a_bound(
    document: dict[str, Any],
) -> None:
    assert unbounded_in(document, everywhere=True) - unbounded_in(document, False) == set()


def over_limit(b: bodies.Bodies, leaf: dict[str, Any]) -> Any:
    """Return a value one past a declared upper bound, or None when there is none."""
    if free_text(leaf) and "maxLength" in leaf:
        return "字" * (leaf["maxLength"] + 1)  # characters, not bytes: 3 bytes each in UTF-8
    if leaf["type"] == "array" and "maxItems" in leaf:
        return [b.value(leaf.get("items", {}))] * (leaf["maxItems"] + 1)
    if leaf["type"] == "object" and "maxProperties" in leaf:
        extra = leaf["additionalProperties"]
        return {f"名{i}": b.value(extra) for i in range(leaf["maxProperties"] + 1)}
    return None


def mutations(
    document: dict[str, Any], make: Callable[[dict[str, Any]], list[Any]]
) -> Iterator[tuple[str, str, Any, str]]:
    """Yield (method, url, body, field) with one member of an owned body replaced by make()."""
    b = bodies.Bodies(document)
    for method, path, schema in json_operations(document):
        if not owned_body(b, schema):
            continue
        base = b.value(schema)
        for at, leaf in bodies.leaves(b, schema, owned):
            for value in make(leaf):
                body = b.place(base, schema, at, value)
                yield method, concrete(path), body, bodies.location(at)


@SQLITE_ONLY
async def test_a_value_over_a_declared_bound_is_422_naming_the_field(
    gateway: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    b = bodies.Bodies(document)
    tried, missed = 0, []
    cases = mutations(document, lambda leaf: [v for v in [over_limit(b, leaf)] if v is not None])
    for method, url, body, field in cases:
        tried += 1
        response = await send(gateway, method, url, body)
        if response.status_code != 422 or field not in error_paths(response):
            missed.append((method, url, field, response.status_code, response.text[:300]))
    assert missed == []
    assert tried >= 40  # every text, list and map of the owned bodies, through every route


@SQLITE_ONLY
async def test_text_with_a_control_character_is_422_naming_the_field(
    gateway: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    tried, missed = 0, []
    cases = mutations(document, lambda leaf: ["?"] if free_text(leaf) else [])
    controls = list(CONTROLS.values())
    for method, url, body, field in cases:
        # One control per field, in turn: every kind is refused by several fields.
        body = json.loads(json.dumps(body).replace('"?"', json.dumps(controls[tried % 5]), 1))
        tried += 1
        response = await send(gateway, method, url, body)
        if response.status_code != 422 or field not in error_paths(response):
            missed.append((method, url, field, response.status_code, response.text[:300]))
    assert missed == []
    assert tried >= 30


def deep_bodies(schema: dict[str, Any], b: bodies.Bodies) -> Iterator[bytes]:
    """Yield 10,000 levels of [[…]] and {"a": …}, alone and as a member of a valid body."""
    depth = 10_000
    yield b"[" * depth + b"]" * depth
    yield b'{"a":' * depth + b"1" + b"}" * depth
    valid = b.value(schema)
    if isinstance(valid, dict) and valid:
        first = json.dumps(next(iter(valid)))
        yield f"{{{first}:".encode() + b"[" * depth + b"]" * depth + b"}"


async def deep_refusals(client: httpx.AsyncClient, document: dict[str, Any]) -> set[str]:
    """Send deep JSON to every JSON write operation; assert each gets a 4xx problem."""
    b, sent = bodies.Bodies(document), set()
    for method, path, schema in json_operations(document):
        for content in deep_bodies(schema, b):
            url = concrete(path)
            headers = {"content-type": "application/json"}
            response = await client.request(method, url, content=content, headers=headers)
            assert 400 <= response.status_code < 500, (method, path, response.text[:300])
            assert response.headers["content-type"] == PROBLEM, (method, path)
            sent.add(f"{method.upper()} {path}")
    return sent


@SQLITE_ONLY
async def test_json_nested_deeper_than_any_model_is_a_4xx_problem_through_the_gateway(
    gateway: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    sent = await deep_refusals(gateway, document)
    assert {
        "POST /api/v1/scoring/evaluations",
        "POST /api/v1/survey/s/{token}/sheets/batch",
        "POST /api/v1/reports/evaluations/{evaluation_id}/documents",
        "POST /webhooks/subscriptions",
    } <= sent


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def services(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Clients of the three services on their own (SQLite), signed as one organisation's caller."""
    who = testing.caller("limits", "org-limits")
    folder = tmp_path_factory.mktemp("services")
    apps = {
        "scoring": create_scoring_app(ScoringSettings(database_url=f"sqlite:///{folder}/s.db")),
        "survey": create_survey_app(SurveySettings(database_url=f"sqlite:///{folder}/v.db")),
        "report": create_report_app(ReportSettings(database_url=f"sqlite:///{folder}/r.db")),
    }
    async with contextlib.AsyncExitStack() as stack:
        clients = {}
        for name, app in apps.items():
            manager = await stack.enter_async_context(LifespanManager(app, startup_timeout=60))
            client = service_client("http://test", manager.app)
            clients[name] = testing.signed_as(await stack.enter_async_context(client), who)
        yield clients


async def test_json_nested_deeper_than_any_model_is_a_4xx_problem_on_every_service(
    services: dict[str, httpx.AsyncClient],
) -> None:
    sent = set()
    for name, client in services.items():
        document = (await client.get("/openapi.json")).json()
        done = await deep_refusals(client, document)
        sent |= {f"{name} {operation}" for operation in done}
    assert {
        "scoring PUT /systems/{key}",
        "survey POST /s/{token}/sheets",
        "report POST /evaluations/{evaluation_id}/documents",
    } <= sent


GROUP = "企业👩‍💼مرحبا"
OPTIONS = [f"同意{MIX}", f"不同意{MIX}"]
QUESTIONNAIRE: dict[str, Any] = {
    "name": MIX,
    "intro": LONG,
    "signature": MIX,
    "header": [{"code": "企业", "label": f"企业名称{MIX}"}],
    "questions": [
        {"kind": "likert", "code": "1", "text": MIX},
        {"kind": "choice", "code": "2", "text": f"选择{MIX}", "options": OPTIONS},
        {"kind": "text", "code": "3", "text": f"意见{MIX}", "max_length": 500, "required": False},
    ],
}


def assert_kept(sent: Any, got: Any, at: str = "") -> None:
    """Assert that every value sent comes back identical at the same place."""
    if isinstance(sent, dict):
        assert isinstance(got, dict), at
        for key, value in sent.items():
            assert key in got, f"{at}.{key}"
            assert_kept(value, got[key], f"{at}.{key}")
    elif isinstance(sent, list):
        assert isinstance(got, list), at
        assert len(got) == len(sent), at
        for i, (one, other) in enumerate(zip(sent, got, strict=True)):
            assert_kept(one, other, f"{at}[{i}]")
    else:
        assert got == sent, at
        if isinstance(sent, str):
            assert got.encode() == sent.encode(), at


def cells(response: httpx.Response) -> list[str]:
    """Return every non-empty cell of an exported CSV (UTF-8, BOM optional) or XLSX file."""
    assert response.status_code == 200, response.text
    if response.content.startswith(b"PK"):
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return [
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        ]
    text = response.content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row if cell]


def exported(texts: list[str], response: httpx.Response) -> None:
    """Assert that each text is a cell of the file, or part of one (e.g. "1. <question>")."""
    found = cells(response)
    for text in texts:
        assert any(text == cell or text in cell for cell in found), text


def renamed(node: Any) -> Any:
    """Give every indicator of a system mixed-script names and long texts."""
    if isinstance(node, list):
        return [renamed(one) for one in node]
    if not isinstance(node, dict):
        return node
    out = {key: renamed(value) for key, value in node.items()}
    if "code" in node and "name" in node:
        out |= {"name": f"{node['code']} {MIX}", "explanation": LONG, "standard": LONG}
    return out


async def test_mixed_scripts_round_trip_through_systems_projects_and_evaluations(
    gateway: httpx.AsyncClient,
) -> None:
    template = (await gateway.get(f"{SCORING}/templates/seed001")).json()
    system = {**renamed(template), "name": f"{MIX}指标体系"}
    made = await gateway.post(f"{SCORING}/systems", json=system)
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    assert_kept(
        system["indicators"],
        (await gateway.get(f"{SCORING}/systems/{key}")).json()["system"]["indicators"],
    )
    leaf = system["indicators"][0]["children"][0]["children"][0]
    for fmt in ("xlsx", "csv"):
        export = await gateway.get(f"{SCORING}/systems/{key}/export", params={"format": fmt})
        exported([leaf["name"], LONG], export)

    facts = json.loads((EXAMPLES / "facts.json").read_text(encoding="utf-8"))
    project = {"name": MIX, "year": 2024, "implementing_unit": MIX, "commissioning_unit": MIX}
    created = await gateway.post(f"{SCORING}/projects", json={**project, "facts": facts})
    assert created.status_code == 201, created.text
    project_id = created.json()["id"]
    assert_kept(project, (await gateway.get(f"{SCORING}/projects/{project_id}")).json())

    judgements = json.loads((EXAMPLES / "judgements.json").read_text(encoding="utf-8"))
    judgements = {code: {**j, "reason": f"{code}{MIX}"} for code, j in judgements.items()}
    texts = {
        **dict.fromkeys(("title", "evaluation_object", "evaluating_unit"), MIX),
        **dict.fromkeys(("summary", "background", "problems", "suggestions"), LONG),
        "document_number": f"{MIX}〔2025〕1号",
        "basis": [MIX, LONG],
        "targets": [{"level1": MIX, "level2": MIX, "name": MIX, "value": f"≥ 500 {MIX}"}],
        "analysis": {leaf["code"]: LONG},
    }
    body = {"project_id": project_id, "system_key": key, "judgements": judgements, "texts": texts}
    evaluation = await gateway.post(f"{SCORING}/evaluations", json=body)
    assert evaluation.status_code == 201, evaluation.text
    url = f"{SCORING}/evaluations/{evaluation.json()['id']}"
    assert_kept({"judgements": judgements, "texts": texts}, (await gateway.get(url)).json())
    changed = await gateway.patch(url, json={"texts": {**texts, "methods": LONG}, "reason": MIX})
    assert changed.status_code == 200, changed.text
    assert (await gateway.get(url)).json()["texts"]["methods"] == LONG
    for step, reason in (("submit", None), ("finalize", None), ("reopen", LONG)):
        moved = await gateway.post(f"{url}/{step}", json={"reason": reason})
        assert moved.status_code == 200, moved.text
    audit = (await gateway.get(f"{url}/audit")).json()["items"]
    assert [e["reason"] for e in audit if e["action"] in ("update", "reopen")] == [MIX, LONG]
    result = (await gateway.get(url)).json()["result"]["indicators"]
    reasons = [i["deduction_reason"] for i in result if i["code"] in judgements]
    deducted = [r for r in reasons if r is not None]  # only a deduction prints its reason
    assert deducted
    assert set(deducted) <= {j["reason"] for j in judgements.values()}
    for fmt in ("xlsx", "csv"):
        export = await gateway.get(f"{url}/export", params={"format": fmt})
        exported([leaf["name"], *deducted], export)


async def test_mixed_scripts_round_trip_through_questionnaires_surveys_and_sheets(
    gateway: httpx.AsyncClient,
) -> None:
    stored = await gateway.post(f"{SURVEY}/questionnaires", json=QUESTIONNAIRE)
    assert stored.status_code == 201, stored.text
    key = stored.json()["key"]
    read = (await gateway.get(f"{SURVEY}/questionnaires/{key}")).json()
    assert_kept(QUESTIONNAIRE, read["questionnaire"])
    fielded = {"questionnaire_key": key, "name": MIX, "groups": [GROUP, "市民"]}
    survey = await gateway.post(f"{SURVEY}/surveys", json=fielded)
    assert survey.status_code == 201, survey.text
    url = f"{SURVEY}/surveys/{survey.json()['id']}"
    assert_kept({"name": MIX, "groups": [GROUP, "市民"]}, (await gateway.get(url)).json())

    answer = LONG[:500]
    sheet = {
        "id": str(uuid.uuid4()),
        "answers": {"1": "满意", "2": OPTIONS[1], "3": answer},
        "header": {"企业": MIX},
        "group": GROUP,
    }
    sent = await gateway.post(f"{SURVEY}/s/{survey.json()['public_token']}/sheets", json=sheet)
    assert sent.status_code == 201, sent.text
    review = {"state": "has_issues", "note": MIX}
    reviewed = await gateway.put(f"{url}/sheets/{sheet['id']}/review", json=review)
    assert reviewed.status_code == 200, reviewed.text
    kept = (await gateway.get(f"{url}/sheets/{sheet['id']}")).json()
    assert_kept({"answers": sheet["answers"], "header": sheet["header"]}, kept["body"])
    assert (kept["respondent_group"], kept["note"]) == (GROUP, MIX)
    for name in ("answers.csv", "answers.xlsx"):
        export = await gateway.get(f"{url}/exports/{name}")
        exported([OPTIONS[1], answer, MIX, GROUP, f"意见{MIX}", f"企业名称{MIX}"], export)


@pytest.mark.parametrize(
    ("target", "field"),
    [
        pytest.param("system", "body.name"),
        pytest.param("judgement", "body.judgements.1.1.1.reason"),
        pytest.param("questionnaire", "body.name"),
        pytest.param("answer", "body.answers.3"),
    ],
)
@SQLITE_ONLY
async def test_a_control_character_elsewhere_is_422_naming_the_field(
    gateway: httpx.AsyncClient, target: str, field: str
) -> None:
    bell = "a\x07b"
    if target == "system":
        system = (await gateway.get(f"{SCORING}/templates/seed001")).json()
        response = await send(gateway, "POST", f"{SCORING}/systems", {**system, "name": bell})
    elif target == "judgement":
        body = {
            "project_id": str(uuid.uuid4()),
            "system_key": str(uuid.uuid4()),
            "judgements": {"1.1.1": {"score": "1", "reason": bell}},
        }
        response = await send(gateway, "POST", f"{SCORING}/evaluations", body)
    elif target == "questionnaire":
        body = {**QUESTIONNAIRE, "name": bell}
        response = await send(gateway, "POST", f"{SURVEY}/questionnaires", body)
    else:
        key = (await gateway.post(f"{SURVEY}/questionnaires", json=QUESTIONNAIRE)).json()["key"]
        made = await gateway.post(f"{SURVEY}/surveys", json={"questionnaire_key": key, "name": "x"})
        sheet = {"id": str(uuid.uuid4()), "answers": {"1": "满意", "2": OPTIONS[0], "3": bell}}
        url = f"{SURVEY}/s/{made.json()['public_token']}/sheets"
        response = await send(gateway, "POST", url, sheet)
    assert field in error_paths(response)
