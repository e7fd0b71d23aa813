"""Stored projects and evaluations: pinned versions, the workflow, the audit trail, checks."""

from typing import Any

import httpx

from services.kit import testing
from tests.scoring.conftest import Callers, example

PROBLEM = "application/problem+json"
# 制度执行有效性 (2 + 2 + 2): the seed awards 1 + 2 + 2; a reviewer lowers it to 1 + 2 + 1.
LOWERED = {"checkpoints": {"1": "1", "2": "2", "3": "1"}, "reason": "合同条款约束力弱，扣2分"}


async def _start(scoring: httpx.AsyncClient, judgements: dict[str, Any]) -> dict[str, Any]:
    key = (await scoring.post("/templates/seed001/copies")).json()["key"]
    facts = example("seed001", "facts")
    project = await scoring.post(
        "/projects",
        json={
            "name": "2024年度安全生产监管经费项目",
            "year": 2024,
            "implementing_unit": "兴宁市应急管理局",
            "commissioning_unit": "兴宁市财政局",
            "facts": {k: facts[k] for k in ("预算资金", "实际到位资金", "实际支出资金")},
        },
    )
    assert project.status_code == 201, project.text
    others = {
        k: v for k, v in facts.items() if k not in ("预算资金", "实际到位资金", "实际支出资金")
    }
    created = await scoring.post(
        "/evaluations",
        json={
            "project_id": project.json()["id"],
            "system_key": key,
            "facts": others,
            "judgements": judgements,
            "reported": {k: v["value"] for k, v in example("seed001", "reported").items()},
            "texts": {
                "title": "2024年度安全生产监管经费项目绩效评价报告",
                "base_date": "2024-12-31",
            },
        },
    )
    assert created.status_code == 201, created.text
    evaluation: dict[str, Any] = created.json()
    return evaluation


async def test_a_draft_with_a_pending_judgement_is_scored_as_far_as_it_can(
    scoring: httpx.AsyncClient,
) -> None:
    judgements = dict(example("seed001", "judgements"))
    del judgements["2.1.3"]  # 资金使用合规性: 1 of 4 in the seed
    evaluation = await _start(scoring, judgements)
    result = evaluation["result"]
    assert evaluation["status"] == "draft"
    assert result["complete"] is False
    assert result["pending"] == ["2.1.3"]
    assert result["grade"] is None
    assert result["total"] == "87.00"  # 88 without the 1 point of 2.1.3
    submit = await scoring.post(f"/evaluations/{evaluation['id']}/submit", json={})
    assert submit.status_code == 409
    assert submit.headers["content-type"] == PROBLEM
    assert "judgements.2.1.3" in [e["path"] for e in submit.json()["errors"]]


async def test_workflow_freezes_finalized_evaluations_and_audits_every_change(
    scoring: httpx.AsyncClient, callers: Callers
) -> None:
    reviewer = await callers(testing.caller("reviewer-wang", "agency"))
    judgements = example("seed001", "judgements")
    evaluation = await _start(scoring, judgements)
    url = f"/evaluations/{evaluation['id']}"
    assert evaluation["result"]["total"] == "88.00"
    assert evaluation["result"]["grade"] == "良"

    lowered = await reviewer.patch(
        url, json={"judgements": {"2.2.2": LOWERED}, "reason": "复核调整"}
    )
    assert lowered.status_code == 200, lowered.text
    assert lowered.json()["result"]["total"] == "87.00"
    assert lowered.json()["revision"] == 2

    assert (await scoring.post(f"{url}/submit", json={})).status_code == 200
    finalized = await scoring.post(f"{url}/finalize", json={})
    assert finalized.status_code == 200, finalized.text
    assert finalized.json()["status"] == "finalized"

    refused = await scoring.patch(url, json={"facts": {"检查企业家次": "450"}})
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/evaluation-finalized"
    no_reason = await scoring.post(f"{url}/reopen", json={})
    assert no_reason.status_code == 409
    reopened = await scoring.post(f"{url}/reopen", json={"reason": "财政局要求复核满意度"})
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "draft"

    audit = (await scoring.get(f"{url}/audit")).json()["items"]
    assert [(e["action"], e["field"]) for e in audit] == [
        ("create", None),
        ("update", "judgements.2.2.2"),
        ("submit", "status"),
        ("finalize", "status"),
        ("reopen", "status"),
    ]
    change = audit[1]
    assert change["actor"] == "reviewer-wang"
    assert change["reason"] == "复核调整"
    assert change["old"] == judgements["2.2.2"]
    assert change["new"] == LOWERED
    assert audit[0]["actor"] == "evaluator-li"
    assert (audit[4]["old"], audit[4]["new"], audit[4]["reason"]) == (
        "finalized",
        "draft",
        "财政局要求复核满意度",
    )


async def test_override_needs_a_reason_and_keeps_both_scores(scoring: httpx.AsyncClient) -> None:
    evaluation = await _start(scoring, example("seed001", "judgements"))
    url = f"/evaluations/{evaluation['id']}"
    no_reason = await scoring.patch(
        url, json={"judgements": {"3.1.1": {"override": {"score": "2"}}}}
    )
    assert no_reason.status_code == 422
    assert no_reason.headers["content-type"] == PROBLEM
    overridden = await scoring.patch(
        url,
        json={"judgements": {"3.1.1": {"override": {"score": "2", "reason": "部分检查记录缺失"}}}},
    )
    assert overridden.status_code == 200, overridden.text
    indicator = next(i for i in overridden.json()["result"]["indicators"] if i["code"] == "3.1.1")
    assert (indicator["computed_score"], indicator["final_score"]) == ("3.00", "2.00")
    assert indicator["overridden"] is True
    assert indicator["override_reason"] == "部分检查记录缺失"


async def test_bad_judgement_is_refused_and_nothing_is_saved(scoring: httpx.AsyncClient) -> None:
    evaluation = await _start(scoring, example("seed001", "judgements"))
    url = f"/evaluations/{evaluation['id']}"
    response = await scoring.patch(
        url,
        json={
            "facts": {"检查企业家次": "450"},
            "judgements": {"1.2.1": {"checkpoints": {"1": "9", "2": "1", "3": "0.5"}}},
        },
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/cannot-score"
    assert any(e["path"].startswith("body.judgements.1.2.1") for e in response.json()["errors"])
    after = (await scoring.get(url)).json()
    assert after["facts"]["检查企业家次"] == "540"
    assert after["revision"] == 1
    assert len((await scoring.get(f"{url}/audit")).json()["items"]) == 1


async def test_check_flags_the_seeds_printed_rectification_rate(scoring: httpx.AsyncClient) -> None:
    evaluation = await _start(scoring, example("seed001", "judgements"))
    findings = (await scoring.get(f"/evaluations/{evaluation['id']}/check")).json()
    reported = [f for f in findings if f["kind"] == "reported_value"]
    assert [(f["path"], f["reported"], f["expected"]) for f in reported] == [
        ("reported.安全风险隐患整改率", "99.75%", "100.00%")
    ]


async def test_unknown_evaluation_and_project_are_404(scoring: httpx.AsyncClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    for path, type_ in [
        (f"/evaluations/{missing}", "/problems/evaluation-not-found"),
        (f"/evaluations/{missing}/audit", "/problems/evaluation-not-found"),
        (f"/projects/{missing}", "/problems/project-not-found"),
    ]:
        response = await scoring.get(path)
        assert response.status_code == 404
        assert response.json()["type"] == type_
