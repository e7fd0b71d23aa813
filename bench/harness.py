"""Shared bench tools: processes on loopback, wrk runs, RSS readings, a figures table."""

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from services.kit import testing

ROOT = Path(__file__).parents[1]


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass
class Process:
    """A uvicorn process serving one app on a loopback port."""

    name: str
    port: int
    popen: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        """Resident memory of the process, in MB."""
        status = Path(f"/proc/{self.popen.pid}/status").read_text()
        kb = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
        return kb / 1024


@contextmanager
def serve(
    name: str, app: str, env: dict[str, str], healthy_within_s: float = 120.0
) -> Iterator[Process]:
    """Run an app in its own uvicorn process (one worker) until the block ends."""
    port = testing.free_port()
    with tempfile.TemporaryFile() as log:
        popen = subprocess.Popen(
            testing.uvicorn_command(app, port),
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            try:
                # Generous: on a loaded machine a process takes tens of seconds to start.
                testing.wait_healthy(f"http://127.0.0.1:{port}/healthz", popen, healthy_within_s)
            except (RuntimeError, TimeoutError):
                log.seek(0)
                raise RuntimeError(f"{name} failed:\n{log.read().decode()[-3000:]}") from None
            yield Process(name, port, popen)
        finally:
            testing.stop(popen)


def wrk(
    url: str,
    connections: int,
    seconds: int = 5,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    bodies: list[bytes] | None = None,
) -> Load:
    """Load a URL with wrk (GET, a POST of one JSON body, or POSTs of `bodies` in turn)."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "bench.lua"
        lines = [
            "done = function(summary, latency, requests)",
            '  io.write(string.format("JSON {\\"rps\\": %f, \\"p50\\": %f, \\"p99\\": %f, '
            '\\"errors\\": %d}\\n", summary.requests / (summary.duration / 1e6), '
            "latency:percentile(50) / 1000, latency:percentile(99) / 1000, "
            "summary.errors.connect + summary.errors.read + summary.errors.write + "
            "summary.errors.status + summary.errors.timeout))",
            "end",
        ]
        if body is not None or bodies is not None:
            post = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"']
            lines = [*post, *lines]
        if body is not None:
            (Path(folder) / "body.json").write_bytes(body)
            lines = [
                f'local f = io.open("{folder}/body.json", "rb")',
                "wrk.body = f:read('*all')",
                "f:close()",
                *lines,
            ]
        if bodies is not None:  # one JSON body per line, sent in turn
            (Path(folder) / "bodies.jsonl").write_bytes(b"\n".join(bodies) + b"\n")
            lines = [
                f'bodies = {{}}\nfor line in io.lines("{folder}/bodies.jsonl") do'
                " bodies[#bodies + 1] = line end",
                "i = 0",
                "request = function()\n  i = i % #bodies + 1",
                "  return wrk.format(nil, nil, nil, bodies[i])\nend",
                *lines,
            ]
        lines = [f'wrk.headers["{k}"] = "{v}"' for k, v in (headers or {}).items()] + lines
        script.write_text("\n".join(lines))
        out = subprocess.run(
            ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script), url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    figures = json.loads(out[out.index("JSON ") + 5 :].splitlines()[0])
    return Load(figures["rps"], figures["p50"], figures["p99"], figures["errors"])


def table(title: str, rows: list[tuple[str, str]]) -> None:
    """Print a titled two-column table of figures."""
    width = max(len(label) for label, _ in rows)
    print(f"\n## {title}")  # noqa: T201
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")  # noqa: T201
    sys.stdout.flush()
