"""In-process scoring of the seed 001 system (issue 3): evaluations per second on one core."""

import json
import random
import time
from decimal import Decimal

from bench.harness import ROOT, table
from services.scoring import engine, rules
from services.scoring.system import IndicatorSystem

SEED = ROOT / "examples" / "seed001"


def main() -> None:
    """Score seed 001 many times, with identical and with varied facts."""
    system = IndicatorSystem.model_validate_json((SEED / "system.json").read_text(encoding="utf-8"))
    raw = json.loads((SEED / "facts.json").read_text(encoding="utf-8"))
    facts: dict[str, Decimal | bool] = {k: Decimal(v) for k, v in raw.items()}
    judgements = {
        code: rules.Judgement.model_validate(j)
        for code, j in json.loads((SEED / "judgements.json").read_text(encoding="utf-8")).items()
    }
    compiled = engine.compile_system(system)
    assert compiled.score(facts, judgements).total == Decimal("88.00")
    rng = random.Random(2024)
    varied = [
        {
            **facts,
            "检查企业家次": Decimal(rng.randint(300, 700)),
            "实际支出资金": Decimal(rng.randint(100, 160)),
            "市民满意度": Decimal(rng.randint(5000, 10000)) / 10000,
            "本年度一般安全生产事故发生数": Decimal(rng.randint(0, 9)),
        }
        for _ in range(20_000)
    ]
    rows = []
    for label, inputs in (("identical facts", [facts] * 20_000), ("varied facts", varied)):
        started = time.perf_counter()
        for one in inputs:
            compiled.score(one, judgements)
        rate = len(inputs) / (time.perf_counter() - started)
        rows.append((f"seed 001, {label} (goal ≥ 5,000/s)", f"{rate:,.0f} evaluations/s"))
    table("Scoring in-process (issue 3), one core", rows)


if __name__ == "__main__":
    main()
