"""`jixiao`: migrate the databases, load the demo case, score a system and facts from files."""

import argparse
import asyncio
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from jixiao_cli import demo, keys
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
    app = create_app(GatewaySettings(log_level=quiet), local)
    async with keys.temporary_key() as key, started(app) as client:
        client.headers["x-api-key"] = key
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


def _store(path: str, endpoint: str, fields: dict[str, str]) -> tuple[int, Any]:
    """Post a spreadsheet to the embedded scoring service (its configured database)."""
    from services.kit import identity
    from services.kit.testing import started
    from services.scoring.main import create_app
    from services.scoring.settings import ScoringSettings

    upload = {"file": (Path(path).name, Path(path).read_bytes())}

    async def post() -> tuple[int, Any]:
        app = create_app(ScoringSettings(log_level="WARNING"))
        async with started(app) as client:
            identity.sign_client(client, identity.secret_bytes(), "cli")  # as the service needs
            response = await client.post(endpoint, files=upload, data=fields)
            return response.status_code, response.json()

    return asyncio.run(post())


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))  # noqa: T201


def _cells(issues: Any) -> int:
    for issue in issues:
        print(f"{issue.path}: {issue.message}", file=sys.stderr)  # noqa: T201
    return 2


def import_system(args: argparse.Namespace) -> int:
    """Import an indicator system from XLSX/CSV: show it (--dry-run), write it, or store it."""
    from services.scoring.excel import importer, report, workbook

    if not args.dry_run and not args.out:
        fields = {"name": args.name or "", "grade_scale": args.grade_scale or ""}
        status, body = _store(args.file, "/imports/systems", fields | {"sheet": args.sheet or ""})
        if status >= 400:
            print(json.dumps(body, ensure_ascii=False, indent=2), file=sys.stderr)  # noqa: T201
            return 2
        _print_json({"stored": body["stored"], "judged": body["report"]["judged"]})
        return 0
    try:
        imported = importer.import_system(
            Path(args.file).read_bytes(),
            sheet_name=args.sheet,
            name=args.name,
            grade_scale=args.grade_scale,
            with_judgements=args.judgements,
        )
    except report.ImportFailed as failed:
        return _cells(failed.issues)
    except (workbook.Unreadable, workbook.TooLarge) as error:
        print(error, file=sys.stderr)  # noqa: T201
        return 2
    shown = imported.model_dump(mode="json", exclude_none=True)
    if args.out:
        Path(args.out).write_text(json.dumps(shown["system"], ensure_ascii=False, indent=2))
        shown.pop("system")
    _print_json(shown)
    return 0


def export(args: argparse.Namespace) -> int:
    """Write a system file (scored when facts are given) as XLSX or CSV."""
    from services.scoring import engine
    from services.scoring.excel import exporter
    from services.scoring.schemas import ScoreRequest
    from services.scoring.system import InvalidSystem

    fmt = args.format or ("csv" if args.output.lower().endswith(".csv") else "xlsx")
    try:
        request = ScoreRequest.model_validate(
            {
                "system": _json(args.system),
                "facts": _json(args.facts) if args.facts else {},
                "judgements": _json(args.judgements) if args.judgements else {},
            }
        )
        assert request.system is not None  # given inline above
        compiled = engine.compile_system(request.system)
        result = compiled.score(request.facts, request.judgements) if args.facts else None
    except ValidationError as error:
        print(error, file=sys.stderr)  # noqa: T201
        return 2
    except (InvalidSystem, engine.ScoringFailed) as error:
        return _cells(error.issues)
    if fmt == "csv":
        data = exporter.write_csv(request.system, result)
    else:
        data = exporter.write_xlsx(request.system, result, request.judgements, request.facts)
    Path(args.output).write_bytes(data)
    return 0


def import_facts(args: argparse.Namespace) -> int:
    """Read a facts sheet (a row per project): print the rows, or store them as projects."""
    from services.scoring.excel import facts, workbook
    from services.scoring.system import IndicatorSystem

    if args.store:
        fields = {"keep_good": str(args.keep_good).lower(), "system_key": args.system_key or ""}
        status, body = _store(args.file, "/imports/facts", fields | {"year": args.year or ""})
        _print_json(body)
        return 2 if status >= 400 else 0
    types = None
    if args.system:
        system = IndicatorSystem.model_validate(_json(args.system))
        types = {fact.name: fact.type for fact in system.facts}
    try:
        sheet = facts.read_facts(Path(args.file).read_bytes(), types, args.sheet)
    except (workbook.Unreadable, workbook.TooLarge) as error:
        print(error, file=sys.stderr)  # noqa: T201
        return 2
    if sheet.issues:
        _cells(sheet.issues)
        if not args.keep_good:
            return 2
    rows = [
        {"row": r.number, "id": r.id, "name": r.name, "year": r.year, "facts": r.facts}
        for r in sheet.good()
    ]
    _print_json(rows)
    return 0


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
    importer = commands.add_parser("import-system", help="import an indicator system from XLSX")
    importer.add_argument("file")
    importer.add_argument("--dry-run", action="store_true", help="show it, store nothing")
    importer.add_argument("--out", help="write the system JSON here instead of storing it")
    importer.add_argument("--sheet", help="the sheet to read (default: the first table)")
    importer.add_argument("--name", help="the system's name (default: the sheet's title)")
    importer.add_argument("--grade-scale", help="four_band, five_band or four_band_excellent")
    importer.add_argument("--judgements", action="store_true", help="read 得分 as judgements")
    importer.set_defaults(run=import_system)
    exporter = commands.add_parser("export", help="write SYSTEM.json (scored) as XLSX or CSV")
    exporter.add_argument("system")
    exporter.add_argument("-o", "--output", required=True, help="OUT.xlsx or OUT.csv")
    exporter.add_argument("--facts", help="facts JSON file: export the scored table")
    exporter.add_argument("--judgements", help="judgements JSON file")
    exporter.add_argument("--format", choices=("xlsx", "csv"))
    exporter.set_defaults(run=export)
    facts = commands.add_parser("import-facts", help="read facts, a row per project")
    facts.add_argument("file")
    facts.add_argument("--system", help="system JSON file whose facts name the columns")
    facts.add_argument("--sheet", help="the sheet to read (default: the first)")
    facts.add_argument("--keep-good", action="store_true", help="keep the rows without errors")
    facts.add_argument("--store", action="store_true", help="store them as projects")
    facts.add_argument("--system-key", help="with --store: the stored system to check against")
    facts.add_argument("--year", help="with --store: the year of new projects without one")
    facts.set_defaults(run=import_facts)
    keys.add_parser(commands)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
