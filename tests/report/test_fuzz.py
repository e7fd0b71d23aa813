"""Generated requests against every report operation: never a 5xx, never a response off-schema.

`make test` runs a few examples per operation; `make fuzz` sets JIXIAO_FUZZ_EXAMPLES higher.
The report service reads the scoring and survey services, so both run in-process beside it.
Seed 001's finalized evaluation, one made document and one uploaded template are seeded
first, and path parameters take their ids half the time, so requests reach past the 404.
"""

import asyncio
import atexit
import io
import os
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
import schemathesis
from asgi_lifespan import LifespanManager
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.types import ASGIApp, Receive, Scope, Send

from services.kit import testing
from services.kit.testing import SignedApp, caller
from services.report import data, placeholders
from services.report.main import create_app
from services.report.render import custom
from services.report.settings import ReportSettings
from services.scoring.main import create_app as create_scoring_app
from services.scoring.settings import ScoringSettings
from services.survey.main import create_app as create_survey_app
from services.survey.settings import SurveySettings
from tests import fuzzing
from tests.report import seed001
from tests.report.conftest import wait
from tests.report.test_templates import DOCX, GOOD

EXAMPLES = fuzzing.examples(4)
WHO = caller("fuzz", "fuzz")

_FOLDER = tempfile.mkdtemp(prefix="jixiao-fuzz-")
atexit.register(shutil.rmtree, _FOLDER, True)


def _url(name: str) -> str:
    return f"sqlite:///{_FOLDER}/{name}.db"


def _report(peers: dict[str, ASGIApp], run_worker: bool) -> ASGIApp:
    """The report service on this module's database, reading these started peers."""
    report = ReportSettings(
        database_url=_url("report"), run_worker=run_worker, poll_interval_s=0.05
    )
    return create_app(report.model_copy(update={"log_level": "CRITICAL"}), peers)


class WithPeers:
    """ASGI app that starts survey and scoring in its lifespan, then the app built on them."""

    def __init__(self, build: Callable[[dict[str, ASGIApp]], ASGIApp]) -> None:
        self.build = build
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            assert self.app is not None, "the lifespan starts the app"
            await self.app(scope, receive, send)
            return
        async with AsyncExitStack() as stack:
            survey_app = create_survey_app(SurveySettings(database_url=_url("survey")))
            survey = (await stack.enter_async_context(LifespanManager(survey_app))).app
            scoring_app = create_scoring_app(
                ScoringSettings(database_url=_url("scoring")), peers={"survey": survey}
            )
            scoring = (await stack.enter_async_context(LifespanManager(scoring_app))).app
            self.app = self.build({"survey": survey, "scoring": scoring})
            await self.app(scope, receive, send)


async def _seed() -> dict[str, str]:
    """Make seed 001's evaluation, its Markdown report and a template; return their ids."""
    seeding = WithPeers(lambda peers: _report(peers, run_worker=True))
    async with testing.started(SignedApp(seeding, WHO)) as report:
        assert isinstance(seeding.app, object)
        scoring_app = create_scoring_app(ScoringSettings(database_url=_url("scoring")))
        async with testing.started(scoring_app) as scoring:
            evaluation = await seed001.create(testing.signed_as(scoring, WHO))
        url = f"/evaluations/{evaluation['id']}/documents"
        posted = await report.post(url, json={"kind": "report", "format": "md"})
        assert posted.status_code == 202, posted.text
        job = await wait(report, posted.headers["location"])
        assert job["state"] == "done", job
        uploaded = await report.post(
            "/templates", params={"name": "fuzz"}, content=GOOD, headers={"content-type": DOCX}
        )
        assert uploaded.status_code == 201, uploaded.text
    return {
        "evaluation_id": evaluation["id"],
        "job_id": job["id"],
        "document_id": job["document"]["id"],
        "template_id": uploaded.json()["id"],
    }


KNOWN = asyncio.run(_seed())
# A DOCX upload is bytes on the wire, as application/octet-stream is.
schemathesis.serializer.alias(DOCX, "application/octet-stream")
# Fuzzed without the worker: a generated request may queue a job, but no document is made.
_APP = SignedApp(WithPeers(lambda peers: _report(peers, run_worker=False)), WHO)
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)
schema.config.phases.coverage.enabled = os.environ.get("JIXIAO_FUZZ_COVERAGE") == "1"
schema.config.request_timeout = 120  # a loaded machine is slow, not wrong


@schema.hook
def flatmap_case(
    context: schemathesis.HookContext, case: schemathesis.Case[Any]
) -> st.SearchStrategy[schemathesis.Case[Any]]:
    """Half the time, put the seeded ids in the path in place of generated ones."""
    known = {name: KNOWN[name] for name in case.path_parameters if name in KNOWN}
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    if path is not None and path.mode.is_negative:
        return st.just(case)  # a valid id in place of the bad one would make it a good request

    def put(use: bool) -> schemathesis.Case[Any]:
        if use:  # assigned, not updated in place, so schemathesis sees the case changed
            case.path_parameters = {**case.path_parameters, **known}
        return case

    return st.booleans().map(put) if known else st.just(case)


# Generated requests by operation: `make fuzz` writes them to var/fuzz/report.json (issue 8).
SENT: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _record_requests() -> Iterator[None]:
    """Write how many requests were generated, and in how long, when make fuzz runs."""
    yield from fuzzing.recorded("report", SENT)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_breaks_its_schema(case: schemathesis.Case[Any]) -> None:
    SENT[f"{case.method.upper()} {case.path}"] += 1
    # Valid-shaped input may still be refused (an upload that is not a DOCX): that is a
    # 4xx by design, so the "schema-valid data must be accepted" check does not apply here.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


# Pieces of Jinja and of the data names, so generated templates are mostly near-misses.
TOKENS = [
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    " ",
    "(",
    ")",
    "[",
    "]",
    ".",
    ",",
    "|",
    ":",
    "~",
    "-",
    "*",
    "'",
    '"',
    "=",
    "for",
    "in",
    "endfor",
    "if",
    "else",
    "endif",
    "set",
    "raw",
    "loop",
    "title",
    "indicators",
    "level1",
    "name",
    "score",
    "upper",
    "first",
    "join",
    "1",
    "x",
]


@given(st.lists(st.sampled_from(TOKENS) | st.text(max_size=3), max_size=40))
@settings(max_examples=EXAMPLES * 10, deadline=None)
def test_any_template_text_is_checked_into_a_report(pieces: list[str]) -> None:
    report = placeholders.check(["".join(pieces)], data.names())
    assert all(set(p) == {"placeholder", "message"} for p in report.problems)


NESTED = {
    "parens": "{{ " + "(" * 2000 + "title" + ")" * 2000 + " }}",
    "negations": "{{ " + "-" * 5000 + "1 }}",
    "filters": "{{ title" + "|upper" * 3000 + " }}",
    "lists": "{{ " + "[" * 900 + "]" * 900 + " }}",
    "attributes": "{{ title" + ".a" * 5000 + " }}",
    "loops": "{% for a in indicators %}" * 300 + "{% endfor %}" * 300,
}


@pytest.mark.parametrize("text", NESTED.values(), ids=NESTED.keys())
def test_a_template_nested_too_deeply_is_refused_not_a_crash(text: str) -> None:
    report = placeholders.check([text], data.names())
    assert {"placeholder": "syntax", "message": "template nested too deeply"} in report.problems


def _members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return {name: package.read(name) for name in package.namelist()}


def _package(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, content in members.items():
            package.writestr(name, content)
    return out.getvalue()


GOOD_MEMBERS = _members(GOOD)


@given(
    st.sampled_from(sorted(GOOD_MEMBERS)),
    st.sampled_from(["drop", "cut", "splice"]),
    st.integers(min_value=0),
    st.binary(max_size=40) | st.sampled_from([b"<", b"</w:t>", b"{{", b"{% for", b"\xff"]),
)
@settings(max_examples=EXAMPLES * 5, deadline=None)
def test_a_damaged_docx_is_checked_or_refused_as_not_docx(
    member: str, damage: str, at: int, noise: bytes
) -> None:
    members = dict(GOOD_MEMBERS)
    content = members.pop(member)
    at %= len(content) + 1
    if damage != "drop":
        members[member] = content[:at] + (noise if damage == "splice" else b"")
    try:
        custom.check(_package(members))
    except custom.NotDocx:
        pass  # the one error check() declares


@given(st.integers(min_value=0), st.binary(min_size=1, max_size=8))
@settings(max_examples=EXAMPLES * 5, deadline=None)
def test_damaged_bytes_are_checked_or_refused_as_not_docx(at: int, noise: bytes) -> None:
    at %= len(GOOD)
    try:
        custom.check(GOOD[:at] + noise + GOOD[at + len(noise) :])
    except custom.NotDocx:
        pass


LOOP = "{% for a in indicators %}"


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        (LOOP + LOOP + LOOP + "{{ title }}{% endfor %}{% endfor %}{% endfor %}", ["indicators"]),
        (LOOP + "{% for b in level1 %}{% endfor %}{% endfor %}", ["level1"]),
        (
            "{% for l in level1 %}{% for c in l.children %}{% for i in c.indicators %}"
            "{{ i.name }}{% endfor %}{% endfor %}{% endfor %}",
            [],
        ),
        (LOOP + "{% endfor %}{% for l in level1 %}{% endfor %}", []),
    ],
    ids=["cross-product", "two-lists", "down-the-tree", "one-after-another"],
)
def test_a_loop_inside_a_loop_may_only_go_down_the_outer_item(
    text: str, refused: list[str]
) -> None:
    report = placeholders.check([text], data.names())
    assert report.problems == [
        {
            "placeholder": f"{{% for … in {path} %}}",
            "message": "a loop inside a loop may only go over the outer loop's item (l.children)",
        }
        for path in refused
    ]
