"""Generated requests against every scoring operation: never a 5xx, never a response off-schema.

`make test` runs a few examples per operation; `make fuzz` sets JIXIAO_FUZZ_EXAMPLES higher.
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
from schemathesis.specs.openapi.checks import positive_data_acceptance

from services.kit.testing import SignedApp, caller
from services.scoring.main import create_app
from services.scoring.settings import ScoringSettings
from tests import fuzzing

EXAMPLES = fuzzing.examples(6)


# A fresh database for this module's app, made at import because parametrize needs the schema.
_FOLDER = tempfile.mkdtemp(prefix="jixiao-fuzz-")
atexit.register(shutil.rmtree, _FOLDER, True)
_APP = create_app(
    ScoringSettings(database_url=f"sqlite:///{_FOLDER}/fuzz.db", log_level="CRITICAL")
)
# Signed as the gateway would sign a caller holding every scoring scope.
schema = schemathesis.openapi.from_asgi("/openapi.json", SignedApp(_APP, caller("fuzz", "fuzz")))
# The coverage phase walks every boundary of every field deterministically: minutes, not
# seconds. `make fuzz` keeps it; the fast form in `make test` runs examples and fuzzing only.
schema.config.phases.coverage.enabled = os.environ.get("JIXIAO_FUZZ_COVERAGE") == "1"


# Generated requests by operation: `make fuzz` writes them to var/fuzz/scoring.json (issue 8).
SENT: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _record_requests() -> Iterator[None]:
    """Write how many requests were generated, and in how long, when make fuzz runs."""
    yield from fuzzing.recorded("scoring", SENT)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_breaks_its_schema(case: schemathesis.Case[Any]) -> None:
    SENT[f"{case.method.upper()} {case.path}"] += 1
    # Valid-shaped input may still be refused (a weight that does not add up): that is a 422
    # by design, so the "schema-valid data must be accepted" check does not apply here.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
