"""POST /scores served from the raw body: same answers and problems, access checked every time."""

import copy
import gc
import json
import uuid
import weakref
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
from pydantic import TypeAdapter
from starlette.routing import Route

from services.kit import testing
from services.scoring import engine, rules
from services.scoring.api import result_json, scores
from services.scoring.main import create_app
from services.scoring.settings import ScoringSettings
from services.scoring.system import IndicatorSystem
from tests.scoring.conftest import Callers, example

PROBLEM = "application/problem+json"
OUTSIDER = testing.caller("bureau-zhang", "bureau")  # nothing shared with it
SHARED = testing.caller("bureau-zhao", "bureau", "agency")  # the agency shared with it
JSON_TYPES = ("application/json", "application/json; charset=utf-8", "application/vnd.x+json")


def _seed001(key: str, **extra: Any) -> bytes:
    body = {
        "system_key": key,
        "facts": example("seed001", "facts"),
        "judgements": example("seed001", "judgements"),
        **extra,
    }
    return json.dumps(body, ensure_ascii=False).encode()


async def _post(client: httpx.AsyncClient, raw: bytes, content_type: str) -> httpx.Response:
    return await client.post("/scores", content=raw, headers={"content-type": content_type})


async def _copy(scoring: httpx.AsyncClient) -> str:
    made = await scoring.post("/templates/seed001/copies")
    assert made.status_code == 201, made.text
    key: str = made.json()["key"]
    return key


async def test_a_repeated_body_gets_the_same_bytes_and_its_access_checked_each_time(
    scoring: httpx.AsyncClient, callers: Callers
) -> None:
    raw = _seed001(await _copy(scoring), version=1)
    first = await _post(scoring, raw, "application/json")
    assert first.status_code == 200, first.text
    assert (first.json()["total"], first.json()["grade"]) == ("88.00", "良")
    again = await _post(scoring, raw, "application/json")
    assert again.content == first.content
    # The body and its answer are cached, the permission is not: an outsider gets a 404.
    refused = await _post(await callers(OUTSIDER), raw, "application/json")
    assert (refused.status_code, refused.headers["content-type"]) == (404, PROBLEM)
    assert refused.json()["type"] == "/problems/system-not-found"
    shared = await _post(await callers(SHARED), raw, "application/json")
    assert shared.content == first.content


async def test_a_repeated_body_without_version_scores_the_latest_after_an_edit(
    scoring: httpx.AsyncClient,
) -> None:
    key = await _copy(scoring)
    latest, pinned = _seed001(key), _seed001(key, version=1)
    before = await _post(scoring, latest, "application/json")
    assert before.json()["system_name"] == "2024年度安全生产监管经费项目绩效评价指标体系"
    system = example("seed001", "system")
    system["name"] = "2025年度指标体系"
    # Version 2 differs from version 1 in its name only, so the total stays 88.00.
    edited = await scoring.put(f"/systems/{key}", json=system)
    assert edited.status_code == 200, edited.text
    after = await _post(scoring, latest, "application/json")
    assert (after.json()["system_name"], after.json()["total"]) == ("2025年度指标体系", "88.00")
    old = await _post(scoring, pinned, "application/json")
    assert old.json()["system_name"] == "2024年度安全生产监管经费项目绩效评价指标体系"


async def test_every_json_content_type_gets_the_same_answer(scoring: httpx.AsyncClient) -> None:
    raw = _seed001(await _copy(scoring), version=1)
    answers = [await _post(scoring, raw, content_type) for content_type in JSON_TYPES]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].content == answers[1].content == answers[2].content
    assert answers[0].headers["content-type"] == "application/json"


def _facts(key: str, **facts: Any) -> bytes:
    body = {"system_key": key, "version": 1, "facts": {**example("seed001", "facts"), **facts}}
    return json.dumps(body, ensure_ascii=False).encode()


# (body from the system key, status, problem type, the paths of its errors)
BAD: list[tuple[Callable[[str], bytes], int, str, list[str]]] = [
    (lambda key: b'{"system_key": ', 422, "/problems/invalid-request", ["body[15]"]),
    (lambda key: b"", 422, "/problems/invalid-request", ["body"]),
    (lambda key: b"[]", 422, "/problems/invalid-request", ["body"]),
    (lambda key: b'{"system_key": "\xff"}', 400, "about:blank", []),
    (
        lambda key: _facts(key, 预算资金="一百四十"),
        422,
        "/problems/invalid-request",
        ["body.facts.预算资金"],
    ),
    (
        lambda key: _facts(key, 检查企业家次="-1"),
        422,
        "/problems/cannot-score",
        ["body.facts.检查企业家次"],
    ),
    (
        lambda key: json.dumps({"system_key": key, "facts": {}, "fact": {}}).encode(),
        422,
        "/problems/invalid-request",
        ["body.fact"],
    ),
    (
        lambda key: json.dumps({"system_key": key, "version": 0}).encode(),
        422,
        "/problems/invalid-request",
        ["body.version"],
    ),
]


async def test_a_bad_body_gets_the_same_problem_whatever_its_json_type(
    scoring: httpx.AsyncClient,
) -> None:
    key = await _copy(scoring)
    for make, status, type_, paths in BAD:
        for content_type in JSON_TYPES:
            response = await _post(scoring, make(key), content_type)
            assert response.status_code == status, (content_type, response.text)
            assert response.headers["content-type"] == PROBLEM
            problem = response.json()
            assert problem["type"] == type_, problem
            assert [e["path"] for e in problem.get("errors", [])] == paths, problem
            assert problem["instance"] == "/scores"


async def test_a_broken_inline_system_is_listed_even_after_a_good_one_was_compiled(
    scoring: httpx.AsyncClient,
) -> None:
    system = example("seed001", "system")
    facts, judgements = example("seed001", "facts"), example("seed001", "judgements")
    good = {"system": system, "facts": facts, "judgements": judgements}
    for _ in range(2):
        response = await scoring.post("/scores", json=good)
        assert (response.status_code, response.json()["total"]) == (200, "88.00")
    broken = copy.deepcopy(system)
    broken["indicators"][0]["weight"] = "25"  # level-1 weights add up to 105
    response = await scoring.post("/scores", json={**good, "system": broken})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/problems/invalid-system"
    # Level 1's first children still add up to 20, and level 1 now adds up to 105.
    paths = [e["path"] for e in problem["errors"]]
    assert paths == ["body.indicators[0].weight", "body.total_weight"], problem


async def test_a_cached_answer_does_not_keep_its_compiled_system_alive(
    scoring: httpx.AsyncClient,
) -> None:
    engine._compiled.clear()
    body = {"system": example("seed001", "system"), "facts": example("seed001", "facts")}
    raw = json.dumps(body, ensure_ascii=False).encode()
    first = await _post(scoring, raw, "application/json")
    assert (first.status_code, first.json()["complete"]) == (200, False)  # judgements pending
    compiled = weakref.ref(next(iter(engine._compiled.values())))
    engine._compiled.clear()
    gc.collect()
    assert compiled() is None
    again = await _post(scoring, raw, "application/json")  # compiled anew, the same answer
    assert again.content == first.content


def test_the_body_cache_keeps_the_latest_bodies_up_to_its_bound() -> None:
    scores._bodies.clear()
    bodies = [_seed001(str(uuid.UUID(int=i)), version=1) for i in range(scores.BODIES_CACHED + 5)]
    parsed = [scores.parsed_json(raw) for raw in bodies]
    assert len(scores._bodies) == scores.BODIES_CACHED
    assert bodies[4] not in scores._bodies
    assert bodies[5] in scores._bodies
    assert scores.parsed_json(bodies[-1]) is parsed[-1]  # validated once
    assert scores.parsed_json(b'{"system_key": ') is None
    assert scores.parsed_json(b'{"facts": {}}') is None  # neither system nor key
    many = {f"fact {i:05d} of a long list": "12345.5" for i in range(2_000)}
    large = json.dumps({"system_key": str(uuid.UUID(int=1)), "facts": many}).encode()
    assert len(large) > scores.BODY_CACHED_BYTES
    assert scores.parsed_json(large) is not None
    assert large not in scores._bodies
    assert len(scores._bodies) == scores.BODIES_CACHED
    scores._bodies.clear()


def test_the_openapi_document_still_declares_the_request_and_the_result() -> None:
    app = create_app(ScoringSettings(database_url="sqlite://"))
    operation = app.openapi()["paths"]["/scores"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ScoreRequest"}
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Result"}
    assert set(operation["responses"]) == {"200", "400", "404", "422"}


def _scored(case: str, **judged: Any) -> engine.Result:
    system = IndicatorSystem.model_validate(example(case, "system"))
    facts = {name: Decimal(str(value)) for name, value in example(case, "facts").items()}
    judgements = {**example(case, "judgements"), **judged}
    return engine.compile_system(system).score(
        facts, {code: rules.Judgement.model_validate(j) for code, j in judgements.items()}
    )


def test_a_result_put_together_from_its_parts_is_the_same_json() -> None:
    whole = TypeAdapter(engine.Result)
    overridden = {"3.1.1": {"override": {"score": "2.5", "reason": "检查记录不全"}}}
    pending = _scored("seed001", **{"1.1.1": {}})
    assert (pending.pending, pending.grade) == (["1.1.1"], None)
    for result in (
        _scored("seed001"),
        _scored("seed002"),
        _scored("seed001", **overridden),
        pending,
    ):
        expected = whole.dump_json(result)
        assert result_json.dump(result) == expected  # parts written now
        assert result_json.dump(result) == expected  # parts found
        assert json.loads(expected)["indicators"][0]["code"] == result.indicators[0].code


def test_post_scores_is_tried_before_fastapis_routes() -> None:
    first = create_app().router.routes[0]
    assert isinstance(first, Route)
    assert (first.path, first.methods) == ("/scores", {"POST"})
