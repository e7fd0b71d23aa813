"""Generated requests against the gateway's merged OpenAPI: never a 5xx, never off-schema.

The three services run inside the gateway's process on embedded SQLite; requests carry an
admin key holding every scope. `make test` runs a few examples per operation; `make fuzz`
sets JIXIAO_FUZZ_EXAMPLES higher.
"""

import atexit
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
)

from gateway.main import LocalSettings, create_app
from gateway.settings import GatewaySettings
from services.report.settings import ReportSettings
from services.scoring.settings import ScoringSettings
from services.survey.settings import SurveySettings
from tests import fuzzing

EXAMPLES = fuzzing.examples(4)
ADMIN_KEY = "jx_fuzz-admin-key-0123456789"
SURVEY = "/api/v1/survey"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_FOLDER = tempfile.mkdtemp(prefix="jixiao-fuzz-")
atexit.register(shutil.rmtree, _FOLDER, True)


def _url(name: str) -> str:
    return f"sqlite:///{_FOLDER}/{name}.db"


_APP = create_app(
    GatewaySettings(
        _env_file=None,
        database_url=_url("gateway"),
        bootstrap_admin_key=SecretStr(ADMIN_KEY),
        log_level="CRITICAL",
        # Limits are tested elsewhere; here they would turn every deep request into a 429.
        default_rate="1000000/minute",
        public_rate="1000000/minute",
    ),
    LocalSettings(
        scoring=ScoringSettings(database_url=_url("scoring"), log_level="CRITICAL"),
        survey=SurveySettings(database_url=_url("survey"), log_level="CRITICAL"),
        report=ReportSettings(database_url=_url("report"), log_level="CRITICAL"),
    ),
)
_MERGED = schemathesis.openapi.from_asgi("/openapi.json", _APP)
_MERGED.config.phases.coverage.enabled = os.environ.get("JIXIAO_FUZZ_COVERAGE") == "1"
_MERGED.config.request_timeout = 120  # a loaded machine is slow, not wrong
schema: schemathesis.BaseSchema = _MERGED
if "JIXIAO_FUZZ_EXAMPLES" not in os.environ:
    # The fast form: the gateway's own routes and one forwarded path per service (an API
    # key's, a public one, a binary upload); tests/*/test_fuzz.py fuzz each service whole.
    schema = _MERGED.exclude(
        path_regex=r"^/api/v1/(?!scoring/projects$|survey/s/\{token\}/sheets$|reports/templates$)"
    )
# A DOCX upload is bytes on the wire, as application/octet-stream is.
schemathesis.serializer.alias(DOCX, "application/octet-stream")


@schema.auth()
class AdminKey:
    """Every request holds the admin key; schemathesis also tries each one without it."""

    def get(self, case: schemathesis.Case[Any], context: schemathesis.AuthContext) -> str:
        return ADMIN_KEY

    def set(
        self, case: schemathesis.Case[Any], key: str, context: schemathesis.AuthContext
    ) -> None:
        case.headers["x-api-key"] = key


def _known_gaps(case: schemathesis.Case[Any]) -> list[Any]:
    """Checks that do not apply to this response by design (see the reason below)."""
    if case.path == f"{SURVEY}/s/{{token}}/sheets/batch":
        # A batch refuses a bad sheet on its own and stores the rest (200, the problem in
        # `items`), by design: a bad sheet inside it is no bad request.
        return [negative_data_rejection]
    return []


# Generated requests by operation: `make fuzz` writes them to var/fuzz/gateway.json (issue 8).
SENT: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _record_requests() -> Iterator[None]:
    """Write how many requests were generated, and in how long, when make fuzz runs."""
    yield from fuzzing.recorded("gateway", SENT)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_breaks_its_schema(case: schemathesis.Case[Any]) -> None:
    SENT[f"{case.method.upper()} {case.path}"] += 1
    # Valid-shaped input may still be refused (a weight that does not add up): that is a
    # 4xx by design, so the "schema-valid data must be accepted" check does not apply here.
    response = case.call()
    case.validate_response(response, excluded_checks=[positive_data_acceptance, *_known_gaps(case)])


def test_the_token_endpoint_errors_are_documented_as_they_are() -> None:
    case = _MERGED["/oauth/token"]["POST"].Case(
        body={"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
        media_type="application/x-www-form-urlencoded",
    )
    case.call_and_validate(checks=[content_type_conformance])
