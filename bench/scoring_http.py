"""Stateless scoring over HTTP (issue 3) with bodies that vary, beside the trivial endpoint.

bench/http.py posts one body over and over, which the service answers from its caches; here
the same processes (bench.http's, remote mode) also get 1,000 distinct bodies in turn, more
than the service keeps, so every request is decoded, validated, scored and serialised.
The figures are interleaved over rounds and the median kept: the machine is shared.
Run it with `python -m bench.scoring_http`.
"""

import json
import statistics
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench import http
from bench.harness import Load, table, wrk

ROUNDS = 3
SECONDS = 4
DISTINCT = 1_000  # above the service's 256 cached bodies: a cyclic walk never hits


def varied_bodies(key: str, count: int) -> list[bytes]:
    """Return `count` distinct seed 001 bodies (a few facts varied), one line each."""
    facts, judgements = http._seed("facts"), http._seed("judgements")
    bodies = []
    for i in range(count):
        varied = {
            **facts,
            "检查企业家次": str(300 + i % 400),
            "市民满意度": f"0.{5500 + i:04d}",
            "本年度一般安全生产事故发生数": str(i % 7),
        }
        body = {"system_key": key, "version": 1, "facts": varied, "judgements": judgements}
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


def main() -> None:
    """Print each figure's median over the rounds, and its share of the trivial endpoint."""
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        processes = http._system(stack, Path(folder), "redis://127.0.0.1:6379/0")
        scoring, gateway = processes["scoring"].url, processes["gateway"].url
        copies = "/templates/seed001/copies"
        made = httpx.post(f"{gateway}/api/v1/scoring{copies}", headers={"x-api-key": http.KEY})
        key, org = made.json()["key"], made.json()["org_id"]
        same, varied = http._score_body(key), varied_bodies(key, DISTINCT)

        def signed() -> dict[str, str]:  # a signature holds for a minute: sign each run anew
            return http.signed(org, "POST", "/scores")

        keyed = {"x-api-key": http.KEY}
        routed = f"{gateway}/api/v1/scoring/scores"
        for body in (same, varied[0], varied[-1]):
            check = httpx.post(f"{scoring}/scores", content=body, headers={**http.JSON, **signed()})
            if check.status_code != 200:
                raise RuntimeError(f"seed 001 did not score: {check.text[:500]}")
        figures: list[tuple[str, Callable[[], Load]]] = [
            ("trivial GET /healthz, direct", lambda: wrk(f"{scoring}/healthz", 32, SECONDS)),
            (
                "POST /scores, one body, direct",
                lambda: wrk(f"{scoring}/scores", 32, SECONDS, same, signed()),
            ),
            (
                f"POST /scores, {DISTINCT:,} bodies, direct",
                lambda: wrk(f"{scoring}/scores", 32, SECONDS, headers=signed(), bodies=varied),
            ),
            (
                "POST /scores, one body, gateway",
                lambda: wrk(routed, 32, SECONDS, same, keyed),
            ),
            (
                f"POST /scores, {DISTINCT:,} bodies, gateway",
                lambda: wrk(routed, 32, SECONDS, headers=keyed, bodies=varied),
            ),
        ]
        runs: dict[str, list[Load]] = {}
        for _ in range(ROUNDS):
            for label, run in figures:
                runs.setdefault(label, []).append(run())
    base = statistics.median(load.rps for load in next(iter(runs.values())))
    rows = []
    for label, loads in runs.items():
        rps = statistics.median(load.rps for load in loads)
        errors = sum(load.errors for load in loads)
        share = f"{rps / base:4.0%} of trivial" if rps != base else ""
        rows.append((label, f"{rps:7.0f} req/s  {share}  errors {errors}"))
    table(f"Scoring over HTTP, medians of {ROUNDS} interleaved rounds", rows)


if __name__ == "__main__":
    main()
