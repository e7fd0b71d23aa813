"""Gateway and scoring over HTTP (issues 2, 3 and 6): direct vs through the gateway, one run.

Every service runs as its own uvicorn process (one worker) on loopback, the gateway in remote
mode in front of them; wrk makes the load (one thread, 32 connections, 5 s per figure).
"""

import json
import secrets
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from bench import scoring_http
from bench.harness import ROOT, Load, Process, serve, table, wrk
from services.kit import identity

SEED = ROOT / "examples" / "seed001"
SECONDS = 5
JSON = {"content-type": "application/json"}
KEY = "jx_bench-" + secrets.token_urlsafe(16)
SECRET = secrets.token_urlsafe(32)  # shared by the gateway and the service processes
SCOPES = frozenset({"scoring:read", "scoring:write"})


def signed(org_id: str, method: str, target: str) -> dict[str, str]:
    """Identity headers for calling a service directly as a client of `org_id` (for a minute)."""
    bench = identity.Identity("bench", org_id, SCOPES, frozenset({org_id}))
    return dict(identity.sign(SECRET.encode(), bench, method, target))


def _seed(name: str) -> Any:
    return json.loads((SEED / f"{name}.json").read_text(encoding="utf-8"))


def _score_body(key: str) -> bytes:
    body = {
        "system_key": key,
        "version": 1,
        "facts": _seed("facts"),
        "judgements": _seed("judgements"),
    }
    return json.dumps(body, ensure_ascii=False).encode()


def _batch_body(key: str, size: int) -> bytes:
    facts, judgements = _seed("facts"), _seed("judgements")
    projects = [
        {
            "id": f"p{i}",
            "facts": {
                **facts,
                "检查企业家次": str(300 + i % 400),
                "市民满意度": f"0.{55 + i % 45}",
            },
            "judgements": judgements,
        }
        for i in range(size)
    ]
    body = {"system_key": key, "version": 1, "projects": projects}
    return json.dumps(body, ensure_ascii=False).encode()


def _fmt(load: Load) -> str:
    return (
        f"{load.rps:7.0f} req/s  p50 {load.p50_ms:6.2f} ms  p99 {load.p99_ms:6.2f} ms"
        f"  errors {load.errors}"
    )


def _system(stack: ExitStack, folder: Path, redis_url: str) -> dict[str, Process]:
    """Start the three services and the gateway in remote mode, each its own process."""
    common = {"JIXIAO_INTERNAL_SECRET": SECRET}
    scoring = stack.enter_context(
        serve(
            "scoring",
            "services.scoring.main:app",
            {**common, "SCORING_DATABASE_URL": f"sqlite:///{folder}/s.db"},
        )
    )
    survey = stack.enter_context(
        serve(
            "survey",
            "services.survey.main:app",
            {**common, "SURVEY_DATABASE_URL": f"sqlite:///{folder}/v.db"},
        )
    )
    report = stack.enter_context(
        serve(
            "report",
            "services.report.main:app",
            {
                **common,
                "REPORT_DATABASE_URL": f"sqlite:///{folder}/r.db",
                "REPORT_SCORING_URL": scoring.url,
                "REPORT_SURVEY_URL": survey.url,
            },
        )
    )
    env = {
        "GATEWAY_SCORING_URL": scoring.url,
        "GATEWAY_SURVEY_URL": survey.url,
        "GATEWAY_REPORT_URL": report.url,
        "GATEWAY_DATABASE_URL": f"sqlite:///{folder}/g.db",
        "GATEWAY_BOOTSTRAP_ADMIN_KEY": KEY,
        "GATEWAY_DEFAULT_RATE": "100000000/minute",  # limits are checked, never reached
        "GATEWAY_REDIS_URL": redis_url,
        "GATEWAY_REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        **common,
    }
    gateway = stack.enter_context(serve("gateway", "gateway.main:app", env))
    return {"gateway": gateway, "scoring": scoring, "survey": survey, "report": report}


def main() -> None:
    """Run the HTTP figures and print them with their ratios."""
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        processes = _system(stack, Path(folder), "redis://127.0.0.1:6379/0")
        idle = {name: p.rss_mb() for name, p in processes.items()}
        scoring, gateway = processes["scoring"].url, processes["gateway"].url
        copies = "/templates/seed001/copies"
        # Made through the gateway, so the admin key's organisation owns it; direct calls below
        # are signed for that organisation, as the gateway would sign them.
        made = httpx.post(f"{gateway}/api/v1/scoring{copies}", headers={"x-api-key": KEY}).json()
        key, org = made["key"], made["org_id"]
        body = _score_body(key)
        check = httpx.post(
            f"{scoring}/scores", content=body, headers={**JSON, **signed(org, "POST", "/scores")}
        ).json()
        if check["total"] != "88.00":
            raise RuntimeError(f"seed 001 should score 88.00, got {check}")
        trivial_direct = wrk(f"{scoring}/healthz", 32, SECONDS)
        trivial_routed = wrk(f"{gateway}/api/v1/scoring/healthz", 32, SECONDS)
        keyed = {"x-api-key": KEY}
        trivial_keyed = wrk(f"{gateway}/api/v1/scoring/healthz", 32, SECONDS, headers=keyed)
        score_direct = wrk(f"{scoring}/scores", 32, SECONDS, body, signed(org, "POST", "/scores"))
        score_routed = wrk(f"{gateway}/api/v1/scoring/scores", 32, SECONDS, body, keyed)
        # One body over and over is answered from the service's caches; distinct bodies (more
        # than it keeps) are decoded, validated, scored and serialised every time.
        varied = scoring_http.varied_bodies(key, scoring_http.DISTINCT)
        signed_post = signed(org, "POST", "/scores")
        varied_direct = wrk(f"{scoring}/scores", 32, SECONDS, headers=signed_post, bodies=varied)
        routed_url = f"{gateway}/api/v1/scoring/scores"
        varied_routed = wrk(routed_url, 32, SECONDS, headers=keyed, bodies=varied)
        one_direct = wrk(f"{scoring}/healthz", 1, SECONDS)
        one_routed = wrk(f"{gateway}/api/v1/scoring/healthz", 1, SECONDS)
        started = time.perf_counter()
        answer = httpx.post(
            f"{scoring}/scores/batch",
            content=_batch_body(key, 1000),
            headers={**JSON, **signed(org, "POST", "/scores/batch")},
            timeout=60,
        )
        batch_s = time.perf_counter() - started
        if answer.status_code != 200 or answer.json()["scored"] != 1000:
            raise RuntimeError(f"batch failed: {answer.text[:500]}")
    base = trivial_direct.rps
    added = one_routed.p50_ms - one_direct.p50_ms
    table(
        "Gateway (issue 2): trivial GET /healthz and a 2 KB JSON POST, 32 connections",
        [
            ("trivial, direct", _fmt(trivial_direct)),
            ("trivial, through gateway", _fmt(trivial_routed)),
            ("gateway keeps (goal ≥ 70%)", f"{trivial_routed.rps / base:.0%} of direct"),
            ("trivial, through gateway, key + limits (Redis)", _fmt(trivial_keyed)),
            (
                "auth and limits keep (goal ≥ 85%)",
                f"{trivial_keyed.rps / trivial_routed.rps:.0%} of the trivial figure",
            ),
            (f"POST /scores ({len(body)} B), direct", _fmt(score_direct)),
            ("POST /scores, through gateway", _fmt(score_routed)),
            ("gateway keeps on the POST", f"{score_routed.rps / score_direct.rps:.0%}"),
            (
                "p50 added, 1 connection (goal ≤ 0.5 ms)",
                f"{added:.3f} ms ({one_direct.p50_ms:.3f} → {one_routed.p50_ms:.3f})",
            ),
            *[(f"idle RSS {name} (goal ≤ 120 MB)", f"{mb:.0f} MB") for name, mb in idle.items()],
        ],
    )
    table(
        "Scoring over HTTP (issue 3), same run",
        [
            ("stateless seed 001, one body (cached), direct", f"{score_direct.rps / base:.0%}"),
            ("one body (cached), through the gateway", f"{score_routed.rps / base:.0%}"),
            (
                f"{scoring_http.DISTINCT:,} distinct bodies, direct (goal ≥ 35% of trivial)",
                f"{varied_direct.rps / base:.0%}  ({_fmt(varied_direct)})",
            ),
            (
                "distinct bodies, through the gateway (goal ≥ 25% of trivial)",
                f"{varied_routed.rps / base:.0%}  ({_fmt(varied_routed)})",
            ),
            ("batch of 1,000 projects, direct (goal ≤ 1 s)", f"{batch_s:.3f} s"),
        ],
    )


if __name__ == "__main__":
    main()
