"""Generated requests against every survey operation: never a 5xx, never a response off-schema.

`make test` runs a few examples per operation; `make fuzz` sets JIXIAO_FUZZ_EXAMPLES higher.
A fielded survey with one sheet is seeded first, and path parameters take its ids half the
time, so generated requests reach past the 404 into the code that reads and writes sheets.
"""

import atexit
import os
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    status_code_conformance,
)

from services.kit.testing import SignedApp, caller
from services.survey.main import create_app
from services.survey.settings import SurveySettings
from tests import fuzzing

EXAMPLES = fuzzing.examples(4)
FORM = "application/x-www-form-urlencoded"
PROBLEM = "application/problem+json"
LIKERT = {"1": "满意", "2": "满意", "3": "满意"}  # seed 001's three questions

# A fresh database for this module's app, made at import because parametrize needs the schema.
_FOLDER = tempfile.mkdtemp(prefix="jixiao-fuzz-")
atexit.register(shutil.rmtree, _FOLDER, True)
_APP = SignedApp(
    create_app(SurveySettings(database_url=f"sqlite:///{_FOLDER}/fuzz.db", log_level="CRITICAL")),
    caller("fuzz", "fuzz"),
)
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)
schema.config.phases.coverage.enabled = os.environ.get("JIXIAO_FUZZ_COVERAGE") == "1"
# 10,000 invitations in one request take over schemathesis' 10 s on a loaded machine; the
# request then runs on and locks SQLite for the next case, a failure of the harness only.
schema.config.request_timeout = 120


def _client() -> asgi.ASGIClient:
    """A client of the app in the same lifespan and event loop schemathesis calls it in."""
    return asgi.get_client(cast(Any, _APP))


def _seed() -> dict[str, str]:
    """Field seed 001's questionnaire and store one sheet; return the ids by parameter name."""
    with _client() as client:
        copied = client.post("/templates/seed001/copies")
        assert copied.status_code == 201, copied.text
        key = copied.json()["key"]
        fielded = client.post("/surveys", json={"questionnaire_key": key, "name": "fuzz"})
        assert fielded.status_code == 201, fielded.text
        survey = fielded.json()
        sheet: dict[str, Any] = {"id": str(uuid.uuid4()), "answers": LIKERT}
        stored = client.post(f"/s/{survey['public_token']}/sheets", json=sheet)
        assert stored.status_code == 201, stored.text
    return {
        "name": "seed001",
        "key": key,
        "version": "1",
        "survey_id": survey["id"],
        "token": survey["public_token"],
        "sheet_id": sheet["id"],
    }


KNOWN = _seed()


@schema.hook
def flatmap_case(
    context: schemathesis.HookContext, case: schemathesis.Case[Any]
) -> st.SearchStrategy[schemathesis.Case[Any]]:
    """Half the time, put the seeded ids in the path in place of generated ones."""
    known = {name: KNOWN[name] for name in case.path_parameters if name in KNOWN}
    if _negated_path(case):
        return st.just(case)  # a valid id in place of the bad one would make it a good request

    def put(use: bool) -> schemathesis.Case[Any]:
        if use:  # assigned, not updated in place, so schemathesis sees the case changed
            case.path_parameters = {**case.path_parameters, **known}
        return case

    return st.booleans().map(put) if known else st.just(case)


def _negated_path(case: schemathesis.Case[Any]) -> bool:
    """Whether schemathesis made this case's path parameters invalid on purpose."""
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    return path is not None and path.mode.is_negative


def _html_page(case: schemathesis.Case[Any]) -> bool:
    """Whether the response is one of the answer page's HTML pages."""
    form_post = case.operation.path == "/s/{token}/sheets" and case.media_type == FORM
    return form_post or case.operation.path == "/s/{token}"


# Generated requests by operation: `make fuzz` writes them to var/fuzz/survey.json (issue 8).
SENT: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _record_requests() -> Iterator[None]:
    """Write how many requests were generated, and in how long, when make fuzz runs."""
    yield from fuzzing.recorded("survey", SENT)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_breaks_its_schema(case: schemathesis.Case[Any]) -> None:
    SENT[f"{case.method.upper()} {case.path}"] += 1
    # Valid-shaped input may still be refused (a sheet missing a required answer): that is a
    # 422 by design, so the "schema-valid data must be accepted" check does not apply here.
    excluded: list[Any] = [positive_data_acceptance]
    if _html_page(case):
        excluded.append(content_type_conformance)
    if case.operation.path == "/s/{token}/sheets/batch":
        # A batch refuses a bad sheet on its own and stores the rest: 200 with the sheet's
        # problem in `items`, by design, so a bad sheet inside it is no bad request.
        excluded.append(negative_data_rejection)
    response = case.call_and_validate(excluded_checks=excluded)
    if _html_page(case):  # the page's own answers are HTML; FastAPI's 422 stays a problem
        assert response.headers["content-type"][0] in ("text/html; charset=utf-8", PROBLEM)


def _check(method: str, path: str, checks: list[Any], **parts: Any) -> None:
    """Send one hand-made case and run the given checks on its response."""
    template = path.replace(KNOWN["token"], "{token}").replace("no-such-token", "{token}")
    token = path.split("/")[2]
    case = schema[template][method].Case(path_parameters={"token": token}, **parts)
    case.call_and_validate(checks=checks)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/s/no-such-token", None), ("POST", "/s/no-such-token/sheets", "id=x")],
)
def test_answer_pages_are_documented_as_html(method: str, path: str, body: str | None) -> None:
    form = {"body": {"id": "x"}, "media_type": FORM} if body else {}
    _check(method, path, [content_type_conformance], **form)


def test_a_repeated_sheet_is_a_documented_200() -> None:
    sheet = {"id": KNOWN["sheet_id"], "answers": LIKERT}
    _check(
        "POST",
        f"/s/{KNOWN['token']}/sheets",
        [status_code_conformance],
        body=sheet,
        media_type="application/json",
    )


@pytest.mark.parametrize("field", ["name", "groups"])
def test_patch_refuses_null_name_and_groups(field: str) -> None:
    with _client() as client:
        answer = client.patch(f"/surveys/{KNOWN['survey_id']}", json={field: None})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["path"] == f"body.{field}"


def test_a_version_beyond_any_integer_column_is_refused() -> None:
    with _client() as client:
        answer = client.get(f"/questionnaires/{KNOWN['key']}/versions/{2**63}")
    assert answer.status_code == 422, answer.text


def test_an_offset_beyond_any_integer_column_is_refused() -> None:
    with _client() as client:
        answer = client.get(f"/surveys/{KNOWN['survey_id']}/sheets", params={"offset": 2**63})
    assert answer.status_code == 422, answer.text


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/questionnaires", {"required": 0}, "body.questions[0].text.required"),
        ("/questionnaires", {"max_length": "500"}, "body.questions[0].text.max_length"),
        ("/surveys", {"invitation_only": 1}, "body.invitation_only"),
        ("/surveys", {"target": "100"}, "body.target"),
    ],
)
def test_a_boolean_or_whole_number_of_another_json_type_is_refused(
    path: str, body: dict[str, Any], field: str
) -> None:
    # Found by make fuzz: "required": 0 was read as False and stored (201), off the schema.
    question = {"kind": "text", "code": "q", "text": "意见"}
    sent: dict[str, Any] = (
        {"name": "问卷", "questions": [question | body]}
        if path == "/questionnaires"
        else {"questionnaire_key": KNOWN["key"], "name": "调查", **body}
    )
    with _client() as client:
        answer = client.post(path, json=sent)
    assert answer.status_code == 422, answer.text
    assert [e["path"] for e in answer.json()["errors"]] == [field]
