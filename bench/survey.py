"""Survey ingestion and results on PostgreSQL (issue 4), with the raw ceilings measured alongside.

One run, on a fresh PostgreSQL database, bounded well under two minutes:
1. raw ceilings with psycopg alone: one INSERT transaction per 10-answer sheet over 8
   connections, COPY of answer rows, and a bare GROUP BY over the answers;
2. single-sheet submits through the gateway in remote mode (the gateway one uvicorn process,
   the survey service two, on loopback, with keys and limits on and access logs off), 8
   concurrent clients (wrk), each sheet committed before its 201; for scale, a no-op through
   the same chain;
3. batch ingestion through the gateway, 1,000 sheets a request, four in flight, loading
   100,000 sheets;
4. the results of that survey over its 1,000,000 answer rows, through the gateway.
Everything shares the machine's cores, the database included. Run it alone with
`python -m bench.survey`, or with everything else, `make bench`.
"""

import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import psycopg

from services.kit import migrations, testing

ROOT = Path(__file__).parents[1]
INI = ROOT / "services" / "survey" / "alembic.ini"
CONNECTIONS = 8
SECONDS = 5.0
BATCH = 1000
BATCH_CLIENTS = 4
SHEETS = 100_000  # × 10 answers = 1,000,000 answer rows
POINTS = [10, 9, 10, 8, 10, 10, 7, 10, 6, 10]
WORKERS = 2  # survey service processes: one per core of these machines
ADMIN_KEY = "jx_bench-admin-key-0123456789abcdef"


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@dataclass(frozen=True)
class Served:
    """A uvicorn process on loopback: its address and process id."""

    url: str
    pid: int


@contextmanager
def _serve(app: str, env: dict[str, str], workers: int = 1) -> Iterator[Served]:
    port = testing.free_port()
    command = testing.uvicorn_command(app, port)
    if workers > 1:
        command += ["--workers", str(workers)]
    popen = subprocess.Popen(
        command,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        testing.wait_healthy(f"http://127.0.0.1:{port}/healthz", popen, timeout_s=60)
        yield Served(f"http://127.0.0.1:{port}", popen.pid)
    finally:
        testing.stop(popen)


def _cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """Return CPU seconds used so far by each root process with its children, and PostgreSQL."""
    used = dict.fromkeys([*roots, "PostgreSQL"], 0.0)
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, tail = (entry / "stat").read_text().rpartition(")")
        except (OSError, ValueError):
            continue
        fields = tail.split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        pid, ppid = int(entry.name), int(fields[1])
        name = next((n for n, root in roots.items() if root in (pid, ppid)), None)
        if name is None and head.endswith("(postgres"):
            name = "PostgreSQL"
        if name is not None:
            used[name] += seconds
    return used


def _sheet_row(survey: str, sheet: uuid.UUID) -> tuple[object, ...]:
    body = json.dumps({"answers": {str(i + 1): p for i, p in enumerate(POINTS)}, "header": {}})
    return (sheet, survey, os.urandom(32), 94 * 100, 10, body)


async def _raw_inserts(url: str, survey: str) -> float:
    """One transaction per sheet (the sheet row and its 10 answers) over 8 connections."""
    answers = ", ".join(["(%s, %s, %s, %s)"] * len(POINTS))
    sheet_sql = (
        "INSERT INTO sheet (id, survey_id, digest, score_total, score_items, body, review, "
        "received_at) VALUES (%s, %s, %s, %s, %s, %s, 'accepted', now())"
    )
    answer_sql = f"INSERT INTO answer (survey_id, sheet_id, question, level) VALUES {answers}"
    done = 0
    deadline = time.perf_counter() + SECONDS

    async def client() -> None:
        nonlocal done
        async with await psycopg.AsyncConnection.connect(_libpq(url)) as conn:
            while time.perf_counter() < deadline:
                sheet = uuid.uuid4()
                async with conn.transaction():
                    await conn.execute(sheet_sql, _sheet_row(survey, sheet))
                    values = [v for q, p in enumerate(POINTS) for v in (survey, sheet, q, p)]
                    await conn.execute(answer_sql, values)
                done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
    return done / (time.perf_counter() - started)


def _raw_copy(url: str, survey: str, rows: int) -> float:
    """COPY answer rows in chunks of 50,000, each chunk committed."""
    chunk = 50_000
    sheets = [uuid.uuid4() for _ in range(rows // len(POINTS))]
    lines = [f"{survey}\t{s}\t{q}\t{p}\n" for s in sheets for q, p in enumerate(POINTS)]
    with psycopg.connect(_libpq(url)) as conn:
        started = time.perf_counter()
        for at in range(0, len(lines), chunk):
            with (
                conn.cursor() as cur,
                cur.copy("COPY answer (survey_id, sheet_id, question, level) FROM STDIN") as copy,
            ):
                copy.write("".join(lines[at : at + chunk]))
            conn.commit()
        return len(lines) / (time.perf_counter() - started)


def _bare_group_by_ms(url: str, survey: str) -> float:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE answer")
        sql = (
            "SELECT question, level, count(*) FROM answer WHERE survey_id = %s "
            "GROUP BY question, level"
        )
        times = []
        for _ in range(6):
            started = time.perf_counter()
            conn.execute(sql, (survey,)).fetchall()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times[1:])


def _wrk_singles(url: str) -> tuple[float, int]:
    """8 concurrent clients, each POST a new 10-item sheet; return the rate and non-201s."""
    answers = ",".join(f'\\"{i + 1}\\":{p}' for i, p in enumerate(POINTS))
    prefix = uuid.uuid4().hex[:8]
    script = f"""
local n = 0
other = 0
threads = {{}}
setup = function(thread) table.insert(threads, thread) end
request = function()
  n = n + 1
  local body = string.format('{{"id":"{prefix}-0000-4000-8000-%012x","answers":{{{answers}}}}}', n)
  return wrk.format("POST", nil, {{["Content-Type"] = "application/json"}}, body)
end
response = function(status, headers, body)
  if status ~= 201 then other = other + 1 end
end
done = function(summary, latency, requests)
  local other = 0
  for _, thread in ipairs(threads) do other = other + thread:get("other") end
  io.write(string.format("JSON %f %d\\n", summary.requests / (summary.duration / 1e6), other))
end
"""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "singles.lua"
        path.write_text(script)
        out = subprocess.run(
            [
                "wrk",
                "-t",
                "1",
                "-c",
                str(CONNECTIONS),
                "-d",
                f"{int(SECONDS)}s",
                "-s",
                str(path),
                url,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    rate, other = out[out.index("JSON ") + 5 :].split()[:2]
    return float(rate), int(other)


def _wrk_get(url: str) -> float:
    """Return the rate of GETs of a URL by 8 concurrent clients."""
    command = ["wrk", "-t", "1", "-c", str(CONNECTIONS), "-d", f"{int(SECONDS)}s", url]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return float(out.split("Requests/sec:")[1].split()[0])


async def _batches(url: str) -> float:
    """Post SHEETS sheets in batches of BATCH, BATCH_CLIENTS requests in flight; sheets/s."""
    bodies = [
        json.dumps(
            {
                "sheets": [
                    {
                        "id": str(uuid.uuid4()),
                        "answers": {str(q + 1): (p + b + s) % 11 for q, p in enumerate(POINTS)},
                    }
                    for s in range(BATCH)
                ]
            }
        ).encode()
        for b in range(SHEETS // BATCH)
    ]
    queue = list(reversed(bodies))

    async def client(session: aiohttp.ClientSession) -> None:
        while queue:
            body = queue.pop()
            headers = {"content-type": "application/json"}
            async with session.post(url, data=body, headers=headers) as response:
                outcome = await response.json()
                assert response.status == 200, outcome
                assert outcome["stored"] == BATCH, outcome

    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(BATCH_CLIENTS)))
        return SHEETS / (time.perf_counter() - started)


def _results_ms(url: str) -> tuple[float, dict[str, object]]:
    times = []
    body: dict[str, object] = {}
    with httpx.Client(timeout=60, headers={"x-api-key": ADMIN_KEY}) as client:
        for _ in range(6):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            body = response.json()
    return statistics.median(times[1:]), body


def _line(label: str, value: str) -> None:
    print(f"  {label:<58} {value}")  # noqa: T201


def main() -> None:
    """Measure and print the survey figures with their goals and ratios."""
    print("\n## Survey: ingestion and results on PostgreSQL (issue 4)")  # noqa: T201
    sys.stdout.flush()
    with testing.postgres_database() as url, tempfile.TemporaryDirectory() as folder:
        migrations.upgrade(INI, url)
        env = {
            "JIXIAO_INTERNAL_SECRET": secrets.token_hex(32),
            "SURVEY_DATABASE_URL": url,
            "SURVEY_LOG_LEVEL": "WARNING",
            **{f"{s}_DATABASE_URL": f"sqlite:///{folder}/{s}.db" for s in ("SCORING", "REPORT")},
            "GATEWAY_DATABASE_URL": f"sqlite:///{folder}/gateway.db",
            "GATEWAY_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
            "GATEWAY_PUBLIC_RATE": "100000000/minute",
            "GATEWAY_LOG_LEVEL": "WARNING",
        }
        with (
            _serve("services.survey.main:app", env, workers=WORKERS) as service,
            _serve("gateway.main:app", {**env, "GATEWAY_SURVEY_URL": service.url}) as gateway,
        ):
            api = f"{gateway.url}/api/v1/survey"
            roots = {"gateway": gateway.pid, "survey": service.pid}
            raw_survey, _ = _make_survey(api)
            raw_single = asyncio.run(_raw_inserts(url, raw_survey))
            raw_copy = _raw_copy(url, raw_survey, 500_000)
            singles, token = _make_survey(api)
            before = _cpu_seconds(roots)
            single_rate, not_created = _wrk_singles(f"{api}/s/{token}/sheets")
            after = _cpu_seconds(roots)
            noop_rate = _wrk_get(f"{api}/healthz")
            stored = _count(url, singles)
            batch_survey, batch_token = _make_survey(api)
            batch_rate = asyncio.run(_batches(f"{api}/s/{batch_token}/sheets/batch"))
            bare_ms = _bare_group_by_ms(url, batch_survey)
            results_ms, results = _results_ms(f"{api}/surveys/{batch_survey}/results")
    _line("raw: INSERT transaction per sheet, 8 connections", f"{raw_single:8.0f} sheets/s")
    _line("raw: COPY of answer rows", f"{raw_copy:8.0f} rows/s")
    _line("raw: bare GROUP BY over 1,000,000 answers", f"{bare_ms:8.1f} ms")
    ratio = single_rate / raw_single
    _line(
        "single submits through the gateway, 8 clients",
        f"{single_rate:8.0f} sheets/s = {ratio:.0%} of raw (goal ≥ 50%)"
        f"  [{stored} stored, {not_created} not 201]",
    )
    per_sheet = {k: (after[k] - before[k]) / (single_rate * SECONDS) * 1000 for k in after}
    _line(
        "  CPU per submit",
        ", ".join(f"{name} {ms:.2f} ms" for name, ms in per_sheet.items()),
    )
    _line(
        "  for scale: a no-op (/healthz) through the gateway, 8 clients",
        f"{noop_rate:8.0f} req/s = {noop_rate / raw_single:.0%} of raw",
    )
    _line(
        f"batch ingestion through the gateway ({BATCH:,} a request)",
        f"{batch_rate:8.0f} sheets/s = {batch_rate * 10 / raw_copy:.0%} of raw COPY rows "
        f"(goal ≥ 10,000 sheets/s)",
    )
    _line(
        "results over 1,000,000 answers, through the gateway",
        f"{results_ms:8.1f} ms = {results_ms / bare_ms:.1f}× the bare GROUP BY (goal ≤ 250 ms)"
        f"  [n = {results['n']}, satisfaction {results['satisfaction_percent']}]",
    )
    sys.stdout.flush()


def _make_survey(api: str) -> tuple[str, str]:
    """Field seed 002's form through the gateway; return the survey's id and public token."""
    with httpx.Client(timeout=30, headers={"x-api-key": ADMIN_KEY}) as client:
        copied = client.post(f"{api}/templates/seed002/copies")
        assert copied.status_code == 201, copied.text
        body = {"questionnaire_key": copied.json()["key"], "name": "bench"}
        made = client.post(f"{api}/surveys", json=body)
        assert made.status_code == 201, made.text
        return made.json()["id"], made.json()["public_token"]


def _count(url: str, survey: str) -> int:
    with psycopg.connect(_libpq(url)) as conn:
        row = conn.execute("SELECT count(*) FROM sheet WHERE survey_id = %s", (survey,)).fetchone()
        return int(row[0]) if row else 0


if __name__ == "__main__":
    main()
