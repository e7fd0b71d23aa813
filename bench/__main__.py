"""`make bench`: every benchmark in one run, figures printed with their goals."""

import importlib
import platform

from bench import http, scoring

# Each service's own benchmark module, when it exists (bench/survey.py, bench/report.py).
OPTIONAL = ("bench.survey", "bench.report")


def main() -> None:
    """Run every benchmark in turn."""
    print(f"jixiao benchmarks on {platform.node()}, Python {platform.python_version()}")  # noqa: T201
    scoring.main()
    http.main()
    for name in OPTIONAL:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        module.main()


if __name__ == "__main__":
    main()
