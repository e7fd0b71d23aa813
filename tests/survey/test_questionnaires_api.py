"""Questionnaires and templates over HTTP: create, version, read, list, copy; 404 and 422."""

import uuid
from typing import Any

import httpx

from tests.survey.conftest import problem

FORM: dict[str, Any] = {
    "name": "企业满意度调查",
    "header": [{"code": "企业", "label": "企业"}],
    "questions": [
        {"kind": "likert", "code": "q1", "text": "服务效率"},
        {"kind": "choice", "code": "q2", "text": "行业", "options": ["制造", "商贸"]},
        {"kind": "text", "code": "q3", "text": "建议"},
    ],
}


async def test_a_questionnaire_is_stored_as_version_1_and_edits_add_versions(
    survey: httpx.AsyncClient,
) -> None:
    created = await survey.post("/questionnaires", json=FORM)
    assert created.status_code == 201, created.text
    first = created.json()
    assert (first["version"], first["method"]) == (1, "likert")
    levels = first["questionnaire"]["questions"][0]["levels"]
    assert [(lv["label"], lv["value"]) for lv in levels][:2] == [
        ("非常满意", "100"),
        ("满意", "75"),
    ]
    edited = await survey.put(f"/questionnaires/{first['key']}", json={**FORM, "name": "改名"})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["version"], edited.json()["key"]) == (2, first["key"])
    latest = await survey.get(f"/questionnaires/{first['key']}")
    assert latest.json()["name"] == "改名"
    old = await survey.get(f"/questionnaires/{first['key']}/versions/1")
    assert old.json()["name"] == "企业满意度调查"
    listed = await survey.get("/questionnaires")
    assert [(i["key"], i["version"]) for i in listed.json()["items"]] == [(first["key"], 2)]


async def test_unknown_questionnaires_and_versions_are_404(survey: httpx.AsyncClient) -> None:
    key = uuid.uuid4()
    problem(await survey.get(f"/questionnaires/{key}"), 404, "/problems/questionnaire-not-found")
    problem(
        await survey.put(f"/questionnaires/{key}", json=FORM),
        404,
        "/problems/questionnaire-not-found",
    )
    created = (await survey.post("/questionnaires", json=FORM)).json()
    missing = await survey.get(f"/questionnaires/{created['key']}/versions/7")
    problem(missing, 404, "/problems/questionnaire-not-found")


async def test_a_broken_questionnaire_is_422_with_every_path(survey: httpx.AsyncClient) -> None:
    broken = {
        **FORM,
        "header": [{"code": "姓名", "label": "姓名", "required": True}],
        "questions": [FORM["questions"][0], FORM["questions"][0]],
    }
    body = problem(
        await survey.post("/questionnaires", json=broken), 422, "/problems/invalid-questionnaire"
    )
    assert {e["path"] for e in body["errors"]} == {
        "body.questions[1].code",
        "body.header[0].required",
    }
    typo = {**FORM, "questions": [{"kind": "likert", "code": "q1", "txt": "服务效率"}]}
    problem(await survey.post("/questionnaires", json=typo), 422, "/problems/invalid-request")
    key = (await survey.post("/questionnaires", json=FORM)).json()["key"]
    edit = await survey.put(f"/questionnaires/{key}", json=broken)
    problem(edit, 422, "/problems/invalid-questionnaire")
    problem(await survey.get("/questionnaires/not-a-key"), 422, "/problems/invalid-request")


async def test_templates_are_listed_read_and_copied(survey: httpx.AsyncClient) -> None:
    listed = (await survey.get("/templates")).json()["items"]
    assert {(t["name"], t["method"], t["questions"]) for t in listed} == {
        ("seed001", "likert", 3),
        ("seed002", "points", 10),
    }
    read = await survey.get("/templates/seed002")
    assert read.json()["name"] == "安全生产标准化建设专项资金满意度调查问卷"
    copied = await survey.post("/templates/seed002/copies")
    assert copied.status_code == 201
    assert copied.json()["questionnaire"] == read.json()
    problem(await survey.get("/templates/nope"), 404, "/problems/template-not-found")
    problem(await survey.post("/templates/nope/copies"), 404, "/problems/template-not-found")
