"""Spreadsheets (issue 7): a 2,000-project facts sheet in, 1,000 scored evaluations out."""

import asyncio
import io
import json
import random
import tempfile
import time
from decimal import Decimal

from openpyxl import Workbook

from bench.harness import ROOT, table
from services.kit.testing import started
from services.scoring import engine, rules
from services.scoring.excel import exporter, facts, summary
from services.scoring.main import create_app
from services.scoring.settings import ScoringSettings
from services.scoring.system import IndicatorSystem

SEED = ROOT / "examples" / "seed001"
PROJECTS = 2_000
EVALUATIONS = 1_000


def facts_sheet(system: IndicatorSystem, base: dict[str, Decimal | bool]) -> bytes:
    """Return a write-only XLSX of PROJECTS rows: 项目名称, 年度, then every fact of seed 001."""
    rng = random.Random(7)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("facts")
    names = [fact.name for fact in system.facts]
    sheet.append(["项目名称", "年度", *names])
    for index in range(PROJECTS):
        row: list[object] = [f"项目{index:04d}", 2024]
        for name in names:
            value = base[name]
            row.append(float(value) * rng.uniform(0.8, 1.0) if name == "市民满意度" else int(value))
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def import_over_api(data: bytes, key_system: dict[str, object]) -> tuple[float, int]:
    """Store a system, then time POST /imports/facts of the sheet on a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        settings = ScoringSettings(database_url=f"sqlite:///{folder}/bench.db", log_level="WARNING")
        async with started(create_app(settings)) as client:
            key = (await client.post("/systems", json=key_system)).json()["key"]
            began = time.perf_counter()
            response = await client.post(
                "/imports/facts",
                files={"file": ("facts.xlsx", data)},
                data={"system_key": key},
            )
            elapsed = time.perf_counter() - began
            return elapsed, int(response.json()["created"])


def main() -> None:
    """Time the facts import (parse only, and over the API) and the exports."""
    raw = json.loads((SEED / "system.json").read_text(encoding="utf-8"))
    system = IndicatorSystem.model_validate(raw)
    base: dict[str, Decimal | bool] = {
        k: Decimal(v) for k, v in json.loads((SEED / "facts.json").read_text()).items()
    }
    judgements = {
        code: rules.Judgement.model_validate(j)
        for code, j in json.loads((SEED / "judgements.json").read_text(encoding="utf-8")).items()
    }
    data = facts_sheet(system, base)
    types = {fact.name: fact.type for fact in system.facts}
    began = time.perf_counter()
    sheet = facts.read_facts(data, types)
    parsed = time.perf_counter() - began
    assert len(sheet.good()) == PROJECTS
    assert not sheet.issues
    stored_s, created = asyncio.run(import_over_api(data, raw))
    assert created == PROJECTS
    compiled = engine.compile_system(system)
    rng = random.Random(2024)
    results = [
        (
            f"项目{i:04d}",
            compiled.score({**base, "检查企业家次": Decimal(rng.randint(300, 700))}, judgements),
        )
        for i in range(EVALUATIONS)
    ]
    began = time.perf_counter()
    workbook = summary.write_xlsx(system, results)
    summary_s = time.perf_counter() - began
    began = time.perf_counter()
    summary.write_csv(system, results)
    csv_s = time.perf_counter() - began
    began = time.perf_counter()
    for _, result in results[:100]:
        exporter.write_xlsx(system, result, judgements, base)
    detailed_ms = (time.perf_counter() - began) * 1000 / 100
    table(
        "Spreadsheets (issue 7)",
        [
            (f"read a {PROJECTS:,}-project facts XLSX ({len(data) // 1024} KB)", f"{parsed:.2f} s"),
            (
                f"import it over the API, {PROJECTS:,} projects stored (goal ≤ 5 s)",
                f"{stored_s:.2f} s",
            ),
            (
                f"export {EVALUATIONS:,} scored evaluations, one XLSX (goal ≤ 5 s)",
                f"{summary_s:.2f} s ({len(workbook) // 1024} KB)",
            ),
            (f"export {EVALUATIONS:,} scored evaluations as CSV", f"{csv_s:.2f} s"),
            ("export one evaluation's full scored table (XLSX)", f"{detailed_ms:.1f} ms"),
        ],
    )


if __name__ == "__main__":
    main()
