"""The scoring API: stored systems and their versions, stateless and batch scoring."""

import copy
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError

from services.scoring import schemas
from tests.scoring.conftest import example

PROBLEM = "application/problem+json"


def _problem(response: httpx.Response, status: int, type_: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == type_
    return body


async def _seed001_key(scoring: httpx.AsyncClient) -> str:
    response = await scoring.post("/templates/seed001/copies")
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


async def test_seed001_scores_88_through_the_api_with_every_level3_score(
    scoring: httpx.AsyncClient,
) -> None:
    key = await _seed001_key(scoring)
    body = {
        "system_key": key,
        "facts": example("seed001", "facts"),
        "judgements": example("seed001", "judgements"),
    }
    response = await scoring.post("/scores", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    expected = example("seed001", "expected")
    assert result["total"] == "88.00"
    assert result["grade"] == "良"
    assert result["complete"] is True
    assert [g["score"] for g in result["groups"]] == ["12.00", "16.00", "30.00", "30.00"]
    scores = {i["code"]: i["final_score"] for i in result["indicators"]}
    assert len(scores) == 24
    for code, indicator in expected["indicators"].items():
        assert scores[code] == f"{float(indicator['score']):.2f}", code
    rate = next(i for i in result["indicators"] if i["code"] == "1.3.2")
    assert rate["score_rate"] == "0.6667"


async def test_inline_system_scores_the_same_as_the_stored_one(scoring: httpx.AsyncClient) -> None:
    system = example("seed001", "system")
    body = {
        "system": system,
        "facts": example("seed001", "facts"),
        "judgements": example("seed001", "judgements"),
    }
    response = await scoring.post("/scores", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["total"] == "88.00"


async def test_text_where_a_number_belongs_is_a_422_naming_the_fact(
    scoring: httpx.AsyncClient,
) -> None:
    key = await _seed001_key(scoring)
    facts = {**example("seed001", "facts"), "预算资金": "一百四十", "检查企业家次": True}
    response = await scoring.post("/scores", json={"system_key": key, "facts": facts})
    body = _problem(response, 422, "/problems/invalid-request")
    assert "body.facts.预算资金" in [e["path"] for e in body["errors"]]


async def test_missing_facts_and_wrong_types_are_listed_together(
    scoring: httpx.AsyncClient,
) -> None:
    key = await _seed001_key(scoring)
    facts = dict(example("seed001", "facts"))
    del facts["预算资金"]
    facts["检查企业家次"] = "-3"
    response = await scoring.post(
        "/scores",
        json={"system_key": key, "facts": facts, "judgements": example("seed001", "judgements")},
    )
    body = _problem(response, 422, "/problems/cannot-score")
    paths = {e["path"] for e in body["errors"]}
    assert "body.facts.预算资金" in paths
    assert "body.facts.检查企业家次" in paths


async def test_invalid_inline_system_lists_every_problem_with_its_path(
    scoring: httpx.AsyncClient,
) -> None:
    system = copy.deepcopy(example("seed001", "system"))
    system["indicators"][0]["weight"] = "25"  # level-1 weights no longer add up to 100
    rate_rule = system["indicators"][1]["children"][0]["children"][0]["rule"]
    rate_rule["value"] = "未声明的资金 / 预算资金"
    response = await scoring.post("/scores", json={"system": system})
    body = _problem(response, 422, "/problems/invalid-system")
    paths = [e["path"] for e in body["errors"]]
    assert any(p.startswith("body.indicators[0]") for p in paths), paths
    assert "body.indicators[1].children[0].children[0].rule.value" in paths, paths


async def test_formula_with_attribute_access_or_dunder_is_refused(
    scoring: httpx.AsyncClient,
) -> None:
    system = copy.deepcopy(example("seed001", "system"))
    rule = system["indicators"][1]["children"][0]["children"][0]["rule"]
    rule["value"] = "预算资金.__class__"
    response = await scoring.post("/systems", json=system)
    body = _problem(response, 422, "/problems/invalid-system")
    assert [e["path"] for e in body["errors"]] == [
        "body.indicators[1].children[0].children[0].rule.value"
    ]


async def test_editing_a_system_makes_a_new_version_and_keeps_the_old(
    scoring: httpx.AsyncClient,
) -> None:
    key = await _seed001_key(scoring)
    system = (await scoring.get(f"/systems/{key}")).json()["system"]
    system["name"] = "2025年度安全生产监管经费项目绩效评价指标体系"
    updated = await scoring.put(f"/systems/{key}", json=system)
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2
    latest = (await scoring.get(f"/systems/{key}")).json()
    assert (latest["version"], latest["name"]) == (2, system["name"])
    first = (await scoring.get(f"/systems/{key}/versions/1")).json()
    assert first["name"] == "2024年度安全生产监管经费项目绩效评价指标体系"
    listed = (await scoring.get("/systems")).json()["items"]
    assert [(s["key"], s["version"]) for s in listed] == [(key, 2)]


async def test_unknown_system_and_template_are_404_problems(scoring: httpx.AsyncClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    _problem(await scoring.get(f"/systems/{missing}"), 404, "/problems/system-not-found")
    _problem(
        await scoring.post("/scores", json={"system_key": missing}),
        404,
        "/problems/system-not-found",
    )
    _problem(await scoring.get("/templates/nope"), 404, "/problems/template-not-found")


async def test_every_template_is_listed_and_copies_into_a_valid_system(
    scoring: httpx.AsyncClient,
) -> None:
    listed = (await scoring.get("/templates")).json()["items"]
    assert {t["name"] for t in listed} == {
        "seed001",
        "seed002",
        "seed004",
        "mof_framework",
        "self_evaluation",
    }
    assert next(t for t in listed if t["name"] == "seed001")["indicators"] == 24
    for template in listed:
        copied = await scoring.post(f"/templates/{template['name']}/copies")
        assert copied.status_code == 201, copied.text


async def test_batch_scores_each_project_and_names_the_bad_one(scoring: httpx.AsyncClient) -> None:
    key = await _seed001_key(scoring)
    facts = example("seed001", "facts")
    judgements = example("seed001", "judgements")
    worse = {**facts, "检查企业家次": "450"}
    broken = {k: v for k, v in facts.items() if k != "实际到位资金"}
    body = {
        "system_key": key,
        "projects": [
            {"id": "兴宁-2024", "facts": facts, "judgements": judgements},
            {"id": "兴宁-450", "facts": worse, "judgements": judgements},
            {"id": "缺资金", "facts": broken, "judgements": judgements},
        ],
    }
    response = await scoring.post("/scores/batch", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["scored"], answer["failed"]) == (2, 1)
    first, second, third = answer["items"]
    assert (first["summary"]["total"], first["summary"]["grade"]) == ("88.00", "良")
    # 450 of 500 家次: 450 / 500 × 3 = 2.70, so 0.30 is lost.
    assert second["summary"]["total"] == "87.70"
    lost = next(i for i in second["summary"]["indicators"] if i["code"] == "3.1.1")
    assert lost["final_score"] == "2.70"
    assert "450" in lost["deduction_reason"]
    assert third["summary"] is None
    assert "body.projects[2].facts.实际到位资金" in [e["path"] for e in third["errors"]]


async def test_unknown_fields_are_refused(scoring: httpx.AsyncClient) -> None:
    key = await _seed001_key(scoring)
    response = await scoring.post("/scores", json={"system_key": key, "fact": {}})
    body = _problem(response, 422, "/problems/invalid-request")
    assert [e["path"] for e in body["errors"]] == ["body.fact"]


async def test_a_stored_system_spells_out_its_grade_bands_and_fund_roles(
    scoring: httpx.AsyncClient,
) -> None:
    key = await _seed001_key(scoring)
    stored = (await scoring.get(f"/systems/{key}")).json()
    assert stored["system"]["grade_scale"] == "five_band"
    assert [(b["grade"], b["min"], b["max"]) for b in stored["scale"]["bands"]] == [
        ("优", "90", None),
        ("良", "80", "90"),
        ("中", "70", "80"),
        ("低", "60", "70"),
        ("差", "0", "60"),
    ]
    roles = {f["name"]: f.get("role") for f in stored["system"]["facts"] if f.get("role")}
    assert roles == {"预算资金": "budget", "实际到位资金": "arrived", "实际支出资金": "spent"}


def test_a_fact_must_print_within_64_characters() -> None:
    facts = TypeAdapter(schemas.Facts)
    assert facts.validate_python({"预算资金": 1.5e3}) == {"预算资金": Decimal("1500.0")}
    for value in (-6.04276424137931e-208, "1E+80"):  # 210 and 81 characters written out
        with pytest.raises(ValidationError, match="at most 64 characters"):
            facts.validate_python({"预算资金": value})


async def test_whole_numbers_are_not_read_from_text_or_booleans(scoring: httpx.AsyncClient) -> None:
    key = await _seed001_key(scoring)
    project = {"name": "2024年度安全生产监管经费项目", "implementing_unit": "兴宁市应急管理局"}
    for year in ("2024", True, 2024.0):
        response = await scoring.post("/projects", json={**project, "year": year})
        body = _problem(response, 422, "/problems/invalid-request")
        assert [e["path"] for e in body["errors"]] == ["body.year"], year
    response = await scoring.post("/scores", json={"system_key": key, "version": "1"})
    body = _problem(response, 422, "/problems/invalid-request")
    assert [e["path"] for e in body["errors"]] == ["body.version"]
    made = await scoring.post("/projects", json={**project, "year": 2024})
    assert (made.status_code, made.json()["year"]) == (201, 2024)
