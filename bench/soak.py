"""A soak (issue 8): minutes of steady mixed load on the split system; errors, p99, memory.

The services and a remote-mode gateway run as separate uvicorn processes on PostgreSQL and
Redis (as `make run-split` wires them). An admin key makes an organisation, a client and its
key; the load then goes through the gateway with that key. Each kind of request is sent at its
own fixed rate whether or not earlier ones have answered (open loop), so a slow server shows as
latency, not as fewer requests; latency is counted from when a request was due. Kinds:

* score: stateless scoring of seed 001 (must total 88.00);
* sheet: a survey sheet with a fresh id (201); sheet again: a stored id sent again (200);
* evaluation, results: reads of the draft evaluation and of the survey's results;
* report: revise the evaluation's texts, ask for a document, poll the job, download it.

Any other status, transport error or wrong body is an error. At the end the survey must count
exactly the sheets stored (a repeat never counts twice). Every process's RSS is sampled; after
the warm-up, growth = mean of the last window / mean of the first window (each at most a minute).
Exits 1 if any error happened or growth is over the limit. `python -m bench.soak --help`.

The default rates (4 scores, 4 sheets and 4 reads a second, a report every 5 s) are modest on
purpose: the soak shows that nothing degrades over time on two shared cores, where a report
costs about a CPU-second; `make bench` measures throughput.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import soak_system
from bench.harness import ROOT, Process, table
from bench.soak_load import Check, Soak, cpu_s, sample, steady


def growth(samples: list[list[float]], warmup_s: float, duration_s: float) -> dict[str, Any]:
    """Mean RSS of the first and last windows after the warm-up, and their ratio minus one."""
    window = min(60.0, (duration_s - warmup_s) / 2)
    first = [mb for t, mb in samples if warmup_s <= t < warmup_s + window]
    last = [mb for t, mb in samples if t >= duration_s - window]
    if not first or not last:
        return {"first_mb": None, "last_mb": None, "growth": None, "window_s": window}
    first_mb, last_mb = sum(first) / len(first), sum(last) / len(last)
    return {
        "first_mb": round(first_mb, 1),
        "last_mb": round(last_mb, 1),
        "growth": round(last_mb / first_mb - 1, 4),
        "window_s": window,
    }


@dataclass(frozen=True)
class Options:
    """How long and how hard to soak, and where to write the summary."""

    duration_s: float
    scores: float
    sheets: float
    reads: float
    report_every_s: float
    sample_s: float
    warmup_s: float
    formats: list[str]
    out: Path
    logs: Path
    loop: str
    max_growth: float | None  # None: memory is reported, not judged (short runs)


async def drive(processes: dict[str, Process], options: Options, started: float) -> dict[str, Any]:
    """Prepare the data, run the mixed load, sample memory; return the raw figures."""
    key = await soak_system.api_key(processes["gateway"].url)
    async with httpx.AsyncClient(
        base_url=processes["gateway"].url,
        headers={"x-api-key": key},
        timeout=httpx.Timeout(30.0),
        # Idle connections are let go before uvicorn's 5 s keep-alive ends, or a request may
        # meet a connection the server is closing (a ReadError that is not the system's).
        limits=httpx.Limits(max_connections=64, keepalive_expiry=2.0),
    ) as client:
        soak = Soak(client, await soak_system.prepare(client), options.formats)
        refused = await soak.sheet()  # so that "sheet again" always has a sheet to repeat
        if refused is not None:
            raise RuntimeError(f"setup: the first sheet was refused: {refused}")
        evaluation = f"/api/v1/scoring/evaluations/{soak.setup.evaluation_id}"
        results = f"/api/v1/survey/surveys/{soak.setup.survey_id}/results"
        cpu_before = {name: cpu_s(process) for name, process in processes.items()}
        own_before = time.process_time()
        began, duration = time.monotonic(), options.duration_s
        startup_s = began - started
        kinds: list[tuple[float, str, Check]] = [
            (options.scores, "score", soak.score),
            (options.sheets, "sheet", soak.sheet),
            (options.sheets / 10, "sheet again", soak.sheet_again),
            (options.reads / 2, "evaluation", lambda: soak.read(evaluation)),
            (options.reads / 2, "results", lambda: soak.read(results)),
            (1 / options.report_every_s, "report", soak.report),
        ]
        rss, *_ = await asyncio.gather(
            sample(processes, options.sample_s, duration, began),
            *(
                steady(rate, duration, began, soak.every(kind, check))
                for rate, kind, check in kinds
            ),
        )
        drain_s = time.monotonic() - began - duration
        cpu = {name: cpu_s(process) - cpu_before[name] for name, process in processes.items()}
        cpu["load generator"] = time.process_time() - own_before
        counted = (await client.get(results)).json()["n"]
    return {
        "tallies": soak.tallies,
        "rss": rss,
        "stored": len(soak.stored),
        "counted": counted,
        "drain_s": round(drain_s, 1),
        "cpu_s": {name: round(seconds, 1) for name, seconds in cpu.items()},
        "startup_s": round(startup_s, 1),
    }


def summarize(raw: dict[str, Any], options: Options, load: list[float]) -> dict[str, Any]:
    """Turn the raw figures into the summary written to JSON, with the verdict."""
    kinds = {kind: tally.summary() for kind, tally in raw["tallies"].items()}
    requests = sum(k["count"] + k["errors"] for k in kinds.values())
    errors = sum(k["errors"] for k in kinds.values())
    memory = {
        name: {**growth(samples, options.warmup_s, options.duration_s), "samples": samples}
        for name, samples in raw["rss"].items()
    }
    growths = [m["growth"] for m in memory.values() if m["growth"] is not None]
    worst = max(growths) if growths else None
    memory_ok = options.max_growth is None or (worst is not None and worst <= options.max_growth)
    counted_ok = raw["stored"] == raw["counted"]
    return {
        "duration_s": options.duration_s,
        "rates_per_s": {"score": options.scores, "sheet": options.sheets, "read": options.reads},
        "report_every_s": options.report_every_s,
        "formats": options.formats,
        "warmup_s": options.warmup_s,
        "startup_s": raw["startup_s"],
        "drain_s": raw["drain_s"],
        "logs": str(options.logs),
        "loop": options.loop,
        "machine": {"cpus": os.cpu_count(), "load_before": load, "load_after": os.getloadavg()},
        "kinds": kinds,
        "requests": requests,
        "errors": errors,
        "error_rate": errors / requests if requests else None,
        "cpu_s": raw["cpu_s"],
        "cpu_ms_per_request": round(1000 * sum(raw["cpu_s"].values()) / requests, 1)
        if requests
        else None,
        "sheets": {"stored": raw["stored"], "counted": raw["counted"], "ok": counted_ok},
        "memory": memory,
        "growth_max": worst,
        "max_growth": options.max_growth,
        "passed": errors == 0 and counted_ok and memory_ok,
    }


def show(summary: dict[str, Any]) -> None:
    """Print the summary as a table of figures."""
    rows = []
    for kind, k in summary["kinds"].items():
        rows.append(
            (
                kind,
                f"{k['count']:6d} ok  {k['errors']:3d} errors  p50 {k['p50_ms']} ms  "
                f"p99 {k['p99_ms']} ms  max {k['max_ms']} ms",
            )
        )
    rows.append(
        ("start-up, drain after the load", f"{summary['startup_s']} s, {summary['drain_s']} s")
    )
    rows.append(("error rate (goal 0)", f"{summary['errors']} / {summary['requests']}"))
    sheets = summary["sheets"]
    rows.append(("sheets stored / counted", f"{sheets['stored']} / {sheets['counted']}"))
    for name, m in summary["memory"].items():
        change = "n/a" if m["growth"] is None else f"{m['growth']:+.1%}"
        rows.append((f"RSS {name} (goal ≤ +10%)", f"{m['first_mb']} → {m['last_mb']} MB  {change}"))
    cpu = ", ".join(f"{name} {seconds}" for name, seconds in summary["cpu_s"].items())
    rows.append(("CPU seconds during the load", cpu))
    rows.append(("CPU per request, all processes", f"{summary['cpu_ms_per_request']} ms"))
    load = summary["machine"]["load_after"]
    rows.append(("machine load after (1/5/15 min)", " ".join(f"{x:.2f}" for x in load)))
    rows.append(("verdict", "passed" if summary["passed"] else "FAILED"))
    title = f"Soak (issue 8): {summary['duration_s']:.0f} s of mixed load through the gateway"
    table(title, rows)


def options(argv: list[str] | None) -> Options:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load (600)")
    parser.add_argument("--scores", type=float, default=4.0, help="stateless scores per second")
    parser.add_argument("--sheets", type=float, default=4.0, help="new sheets per second")
    parser.add_argument("--reads", type=float, default=4.0, help="reads per second")
    parser.add_argument("--report-every", type=float, default=5.0, help="seconds between reports")
    parser.add_argument(
        "--sample-every", type=float, default=10.0, help="seconds between RSS reads"
    )
    parser.add_argument("--warmup", type=float, help="seconds left out of the memory figure")
    parser.add_argument("--formats", default="docx,html,md,pdf", help="report formats in turn")
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "soak.json")
    parser.add_argument("--logs", type=Path, default=ROOT / "var" / "soak-logs", help="stderr")
    parser.add_argument(
        "--loop", choices=["auto", "asyncio"], default="auto", help="uvicorn's event loop"
    )
    parser.add_argument("--max-growth", type=float, default=0.10, help="RSS growth allowed")
    parser.add_argument(
        "--no-memory-gate", action="store_true", help="report memory growth without judging it"
    )
    args = parser.parse_args(argv)
    return Options(
        duration_s=args.duration,
        scores=args.scores,
        sheets=args.sheets,
        reads=args.reads,
        report_every_s=args.report_every,
        sample_s=args.sample_every,
        warmup_s=args.warmup if args.warmup is not None else min(60.0, args.duration / 10),
        formats=args.formats.split(","),
        out=args.json,
        logs=args.logs,
        loop=args.loop,
        max_growth=None if args.no_memory_gate else args.max_growth,
    )


def main(argv: list[str] | None = None) -> int:
    """Soak the system, print and write the summary; 0 when every goal was met."""
    chosen = options(argv)
    load = list(os.getloadavg())
    started = time.monotonic()
    with ExitStack() as stack:
        processes = soak_system.system(stack, chosen.logs, chosen.loop)
        try:
            raw = asyncio.run(drive(processes, chosen, started))
        except Exception:
            soak_system.print_errors(chosen.logs)  # the cause is often in a server's log
            raise
    summary = summarize(raw, chosen, load)
    chosen.out.parent.mkdir(parents=True, exist_ok=True)
    chosen.out.write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    show(summary)
    if not summary["passed"]:
        soak_system.print_errors(chosen.logs)
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
