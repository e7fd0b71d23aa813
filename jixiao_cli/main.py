"""`jixiao`: migrate the databases, load the demo case, score a system and facts from files."""

import argparse
import asyncio
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jixiao_cli import demo
from services.scoring import numbers

SERVICES = ("scoring", "survey", "report")


def migrate(_: argparse.Namespace) -> int:
    """Bring every service's database to its latest migration."""
    from services.kit import migrations
    from services.report.settings import ReportSettings
    from services.scoring.settings import ScoringSettings
    from services.survey.settings import SurveySettings

    root = Path(__file__).parents[1] / "services"
    for name, settings in zip(
        SERVICES, (ScoringSettings(), SurveySettings(), ReportSettings()), strict=True
    ):
        if settings.database_url.startswith("sqlite:///./"):
            Path("var").mkdir(exist_ok=True)
        migrations.upgrade(root / name / "alembic.ini", settings.database_url)
        print(f"{name}: migrated")  # noqa: T201 (a command's output)
    return 0


async def _demo() -> dict[str, str]:
    from gateway.main import LocalSettings, create_app
    from gateway.settings import GatewaySettings
    from services.kit.testing import started
    from services.report.settings import ReportSettings
    from services.scoring.settings import ScoringSettings
    from services.survey.settings import SurveySettings

    quiet = "WARNING"
    local = LocalSettings(
        ScoringSettings(log_level=quiet),
        SurveySettings(log_level=quiet),
        ReportSettings(log_level=quiet),
    )
    async with started(create_app(GatewaySettings(log_level=quiet), local)) as client:
        return await demo.load(client)


def load_demo(_: argparse.Namespace) -> int:
    """Load the seed 001 case (88.00, 良) into the embedded system."""
    print(json.dumps(asyncio.run(_demo()), ensure_ascii=False, indent=2))  # noqa: T201
    return 0


def _json(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def score(args: argparse.Namespace) -> int:
    """Score a system file with a facts file (and judgements), print JSON or a table."""
    from services.scoring import engine
    from services.scoring.schemas import ScoreRequest
    from services.scoring.system import InvalidSystem

    try:
        request = ScoreRequest.model_validate(
            {
                "system": _json(args.system),
                "facts": _json(args.facts),
                "judgements": _json(args.judgements) if args.judgements else {},
            }
        )
        assert request.system is not None  # given inline above
        result = engine.compile_system(request.system).score(request.facts, request.judgements)
    except ValidationError as error:
        print(error, file=sys.stderr)  # noqa: T201
        return 2
    except (InvalidSystem, engine.ScoringFailed) as error:
        for issue in error.issues:
            print(f"{issue.path}: {issue.message}", file=sys.stderr)  # noqa: T201
        return 2
    if args.format == "json":
        print(result.model_dump_json(indent=2))  # noqa: T201
    else:
        print(table(result))  # noqa: T201
    return 0


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(text: str, width: int, right: bool = False) -> str:
    """Pad to a width in terminal columns: a Chinese character takes two."""
    space = " " * max(width - _width(text), 0)
    return space + text if right else text + space


def table(result: Any) -> str:
    """Render a result as the seed reports' 表2: indicator, weight, score, rate."""
    widths = (8, 30, 6, 8, 10)

    def row(*cells: str) -> str:
        return "".join(
            _cell(c, w, i >= 2) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    rows = [row("代码", "指标", "权重", "得分", "得分率")]
    for indicator in result.indicators:
        rate = "—" if indicator.score_rate is None else numbers.as_percent(indicator.score_rate)
        final = "待评" if indicator.final_score is None else str(indicator.final_score)
        rows.append(row(indicator.code, indicator.name, str(indicator.weight), final, rate))
    total_rate = numbers.as_percent(result.score_rate)
    rows.append(row("合计", "", str(result.total_weight), str(result.total), total_rate))
    rows.append(f"等级: {result.grade or '（未完成评分）'}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="jixiao", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply every service's migrations").set_defaults(
        run=migrate
    )
    commands.add_parser("demo", help="load the seed 001 case").set_defaults(run=load_demo)
    scorer = commands.add_parser("score", help="score SYSTEM.json with FACTS.json")
    scorer.add_argument("system")
    scorer.add_argument("facts")
    scorer.add_argument("--judgements", help="judgements JSON file")
    scorer.add_argument("--format", choices=("json", "table"), default="table")
    scorer.set_defaults(run=score)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
