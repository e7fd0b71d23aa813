"""Where one single-sheet submit spends the survey service's CPU, called in-process on PostgreSQL.

The app is called as uvicorn would call it (an ASGI scope, the body, the signed headers), so
the figures cover kit's middleware, routing, dependencies, validation, the database driver and
the response, but not HTTP parsing. Prints the process CPU per submit (database excluded: it
runs in its own processes), then a cProfile breakdown by library and by stage. CPU time, not
wall time, so a shared machine changes the figures less. Run `python -m bench.survey_profile`.
"""

import asyncio
import cProfile
import json
import pstats
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import uvloop
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp, Message

from services.kit import identity, migrations, testing
from services.survey.main import create_app
from services.survey.settings import SurveySettings

POINTS = [10, 9, 10, 8, 10, 10, 7, 10, 6, 10]
WARM = 300
COUNT = 2000
ADMIN = identity.Identity("bench", "org-bench", frozenset({"survey:manage"}), frozenset())
PUBLIC = identity.Identity("public", None)
SECRET = identity.secret_bytes()  # read once: settings cost more than a submit
# (label, file path fragment) in order: the first fragment found in a function's file names it.
LIBRARIES = [
    ("kit", "/services/kit/"),
    ("survey", "/services/survey/"),
    ("fastapi", "/fastapi/"),
    ("starlette", "/starlette/"),
    ("pydantic", "/pydantic"),
    ("sqlalchemy", "/sqlalchemy/"),
    ("psycopg", "/psycopg"),
    ("asyncio", "/asyncio/"),
    ("json", "/json/"),
]
# Stages: (label, function name, file fragment); cumulative time of the first frame.
STAGES = [
    ("whole app call", "__call__", "fastapi/applications.py"),
    ("kit RequestLog (all inside)", "__call__", "kit/logs.py"),
    ("kit IdentityCheck (all inside)", "__call__", "kit/identity.py"),
    ("identity.verify", "verify", "kit/identity.py"),
    ("access log line", "info", "logging/__init__.py"),
    ("starlette routing", "__call__", "starlette/routing.py"),
    ("fastapi request handling", "app", "fastapi/routing.py"),
    ("dependency resolution", "solve_dependencies", "fastapi/dependencies/utils.py"),
    ("session commit", "commit", "sqlalchemy/ext/asyncio/session.py"),
    ("session close", "close", "sqlalchemy/ext/asyncio/session.py"),
    ("submit_sheet handler", "submit_sheet", "survey/api/collect.py"),
    ("  body parse (model_validate_json)", "model_validate_json", "pydantic/main.py"),
    ("  form_by_id", "form_by_id", "survey/store.py"),
    ("  store_one", "store_one", "survey/ingest.py"),
    ("    _prepare (check)", "_prepare", "survey/ingest.py"),
    ("    insert_one", "insert_one", "survey/writes.py"),
    ("    psycopg_connection", "psycopg_connection", "survey/writes.py"),
    ("  receipt json", "model_dump_json", "pydantic/main.py"),
]


async def _call(app: ASGIApp, method: str, path: str, body: bytes, who: identity.Identity) -> Any:
    headers = [(b"content-type", b"application/json"), (b"host", b"bench")]
    signed = identity.sign(SECRET, who, method, path)
    headers += [(k.encode(), v.encode()) for k, v in signed]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent: list[Message] = []
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = sent[0]["status"]
    payload = b"".join(m.get("body", b"") for m in sent[1:])
    return status, payload


def _say(text: str) -> None:
    print(text)  # noqa: T201


def _sheet() -> bytes:
    answers = {str(i + 1): p for i, p in enumerate(POINTS)}
    return json.dumps({"id": str(uuid.uuid4()), "answers": answers}).encode()


def _library(filename: str) -> str:
    return next((label for label, part in LIBRARIES if part in filename), "other")


def _report(stats: pstats.Stats, count: int) -> None:
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    by_library: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        by_library[_library(filename)] += tottime
        total += tottime
    _say(f"  profiled self time per submit: {total / count * 1e6:7.0f} µs (with the profiler's)")
    for label, seconds in sorted(by_library.items(), key=lambda item: -item[1]):
        _say(f"    {label:<12} {seconds / count * 1e6:7.0f} µs  {seconds / total:5.1%}")
    _say("  stages (cumulative, per submit):")
    for label, name, part in STAGES:
        found = [v for (f, _, n), v in raw.items() if n == name and part in f]
        cumulative = max((v[3] for v in found), default=0.0)
        _say(f"    {label:<38} {cumulative / count * 1e6:7.0f} µs")


async def _run(url: str, profile: bool) -> None:
    app = create_app(SurveySettings(database_url=url, migrate_on_start=False, log_level="WARNING"))
    async with LifespanManager(app) as manager:
        served = manager.app
        status, body = await _call(served, "POST", "/templates/seed002/copies", b"", ADMIN)
        assert status == 201, body
        made = {"questionnaire_key": json.loads(body)["key"], "name": "profile"}
        status, body = await _call(served, "POST", "/surveys", json.dumps(made).encode(), ADMIN)
        assert status == 201, body
        path = f"/s/{json.loads(body)['public_token']}/sheets"
        for _ in range(WARM):
            status, body = await _call(served, "POST", path, _sheet(), PUBLIC)
            assert status == 201, body
        bodies = [_sheet() for _ in range(COUNT)]
        started = time.process_time()
        for sheet in bodies:
            await _call(served, "POST", path, sheet, PUBLIC)
        cpu = time.process_time() - started
        _say(f"  service CPU per submit, in-process, unprofiled: {cpu / COUNT * 1e6:7.0f} µs")
        if profile:
            bodies = [_sheet() for _ in range(COUNT)]
            profiler = cProfile.Profile(time.process_time)  # CPU: awaits cost nothing
            profiler.enable()
            for sheet in bodies:
                await _call(served, "POST", path, sheet, PUBLIC)
            profiler.disable()
            _report(pstats.Stats(profiler), COUNT)
            if "--dump" in sys.argv:
                profiler.dump_stats("/tmp/survey-submit.prof")


def main() -> None:
    """Profile single-sheet submits and print the breakdown."""
    ini = Path(__file__).parents[1] / "services" / "survey" / "alembic.ini"
    with testing.postgres_database() as url:
        migrations.upgrade(ini, url)
        # uvloop, as uvicorn runs the service
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(_run(url, profile="--no-profile" not in sys.argv))


if __name__ == "__main__":
    main()
