"""The fast form of the soak (issue 8): 15 s of light mixed load on the split system, no errors.

`make soak` runs ten minutes and judges memory growth after a minute's warm-up. Here memory is
only reported: 15 s is too short to reach a steady state (the report process alone grows by
tens of MB when it loads its renderers for the first documents), so no growth figure from it
means anything.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
pytestmark = [pytest.mark.processes, pytest.mark.postgres]
# Request i of a kind is due at i / rate seconds, for i / rate < 15: 2/s gives 30.
EXPECTED = {
    "score": 30,  # 2/s
    "sheet": 30,  # 2/s
    "sheet again": 3,  # a tenth of the sheets' rate: at 0, 5 and 10 s
    "evaluation": 15,  # half of the reads' 2/s
    "results": 15,
    "report": 4,  # every 4 s: at 0, 4, 8 and 12 s
}


def test_a_short_soak_answers_every_request_and_counts_each_sheet_once(tmp_path: Path) -> None:
    summary_path = tmp_path / "soak.json"
    command = [
        sys.executable, "-m", "bench.soak",
        "--duration", "15", "--scores", "2", "--sheets", "2", "--reads", "2",
        "--report-every", "4", "--formats", "md,html", "--sample-every", "1",
        "--no-memory-gate", "--json", str(summary_path), "--logs", str(tmp_path / "logs"),
    ]  # fmt: skip
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = json.loads(summary_path.read_text())
    counts = {kind: figures["count"] for kind, figures in summary["kinds"].items()}
    assert counts == EXPECTED, summary["kinds"]
    assert summary["errors"] == 0
    assert summary["requests"] == 97
    # The sheet sent before the load, then the 30 new ones; the 3 repeats count for nothing.
    assert summary["sheets"] == {"stored": 31, "counted": 31, "ok": True}
    for kind, figures in summary["kinds"].items():
        assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"], kind
    assert set(summary["memory"]) == {"scoring", "survey", "report", "gateway"}
    for name, memory in summary["memory"].items():
        assert len(memory["samples"]) == 16, name  # at 0, 1, ..., 15 s
        assert all(mb > 20 for _, mb in memory["samples"]), name
    assert summary["passed"] is True
