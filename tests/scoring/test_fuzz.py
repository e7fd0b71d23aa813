"""Generated requests against every scoring operation: never a 5xx, never a response off-schema.

`make test` runs a few examples per operation; `make fuzz` sets JIXIAO_FUZZ_EXAMPLES higher.
"""

import atexit
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from services.kit.testing import SignedApp, caller
from services.scoring.main import create_app
from services.scoring.settings import ScoringSettings

RECORDS = Path(__file__).resolve().parents[2] / "var" / "fuzz"
EXAMPLES = int(os.environ.get("JIXIAO_FUZZ_EXAMPLES", "6"))


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
    started = time.monotonic()
    yield
    if "JIXIAO_FUZZ_EXAMPLES" in os.environ:
        fuzzed = {
            "service": "scoring",
            "examples_per_operation": EXAMPLES,
            "operations": len(SENT),
            "requests": SENT.total(),
            "seconds": round(time.monotonic() - started),
            "by_operation": dict(sorted(SENT.items())),
        }
        RECORDS.mkdir(parents=True, exist_ok=True)
        (RECORDS / "scoring.json").write_text(json.dumps(fuzzed, indent=1, ensure_ascii=False))
        least = int(os.environ.get("JIXIAO_FUZZ_MIN_REQUESTS", "0"))
        assert SENT.total() >= least, f"{SENT.total()} requests generated, not {least}"


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_breaks_its_schema(case: schemathesis.Case[Any]) -> None:
    SENT[f"{case.method.upper()} {case.path}"] += 1
    # Valid-shaped input may still be refused (a weight that does not add up): that is a 422
    # by design, so the "schema-valid data must be accepted" check does not apply here.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
