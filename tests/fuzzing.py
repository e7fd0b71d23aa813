"""What the API fuzz tests share: `make fuzz` records how many requests each generated (issue 8)."""

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

RECORDS = Path(__file__).resolve().parents[1] / "var" / "fuzz"


def examples(default: int) -> int:
    """Return the examples per operation: JIXIAO_FUZZ_EXAMPLES under make fuzz, else `default`."""
    return int(os.environ.get("JIXIAO_FUZZ_EXAMPLES", str(default)))


def recorded(service: str, sent: Counter[str]) -> Iterator[None]:
    """Around a module's fuzz tests: under make fuzz, write var/fuzz/<service>.json and check
    that at least JIXIAO_FUZZ_MIN_REQUESTS requests were generated."""
    started = time.monotonic()
    yield
    if "JIXIAO_FUZZ_EXAMPLES" in os.environ:
        fuzzed = {
            "service": service,
            "examples_per_operation": examples(0),
            "operations": len(sent),
            "requests": sent.total(),
            "seconds": round(time.monotonic() - started),
            "by_operation": dict(sorted(sent.items())),
        }
        RECORDS.mkdir(parents=True, exist_ok=True)
        text = json.dumps(fuzzed, indent=1, ensure_ascii=False)
        (RECORDS / f"{service}.json").write_text(text, encoding="utf-8")
        least = int(os.environ.get("JIXIAO_FUZZ_MIN_REQUESTS", "0"))
        assert sent.total() >= least, f"{sent.total()} requests generated, not {least}"
