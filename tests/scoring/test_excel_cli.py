"""The spreadsheet commands: jixiao import-system, export, import-facts."""

import io
import json
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from jixiao_cli.main import main
from services.scoring.excel import importer
from services.scoring.system import IndicatorSystem

ROOT = Path(__file__).resolve().parents[2]
APPENDIX = ROOT / "examples" / "seed001" / "appendix.xlsx"
SYSTEM = ROOT / "examples" / "seed001" / "system.json"


def test_import_system_dry_run_prints_the_system_and_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["import-system", str(APPENDIX), "--dry-run", "--grade-scale", "five_band"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["system"]["grade_scale"] == "five_band"
    assert shown["report"]["judged"] == []
    assert [i["kind"] for i in shown["report"]["indicators"]].count("checkpoints") == 9


def test_import_system_lists_bad_cells_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = openpyxl.load_workbook(APPENDIX)
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet["B14"] = 31  # 产出 30 -> 31: the level-1 weights add up to 101
    path = tmp_path / "bad.xlsx"
    book.save(path)
    assert main(["import-system", str(path), "--dry-run"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "Sheet1!B14: 产出：weight 31 is not the sum of its children's, 30",
        "Sheet1!B27: 一级指标权重之和与总分不一致："
        "level-1 weights sum to 101, not to the total weight 100",
    ]


def test_export_writes_a_scored_table_that_imports_back(tmp_path: Path) -> None:
    out = tmp_path / "scored.xlsx"
    folder = ROOT / "examples" / "seed001"
    args = ["export", str(SYSTEM), "-o", str(out), "--facts", str(folder / "facts.json")]
    assert main([*args, "--judgements", str(folder / "judgements.json")]) == 0
    imported = importer.import_system(out.read_bytes(), with_judgements=True)
    assert imported.system == IndicatorSystem.model_validate_json(SYSTEM.read_text())
    assert main(["import-system", str(out), "--out", str(tmp_path / "system.json")]) == 0
    written = IndicatorSystem.model_validate_json((tmp_path / "system.json").read_text())
    assert written == imported.system
    csv = tmp_path / "system.csv"
    assert main(["export", str(SYSTEM), "-o", str(csv)]) == 0
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf2024")


def test_import_facts_prints_rows_and_stores_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.append(["项目名称", "年度", "预算资金", "市民满意度"])
    sheet.append(["甲项目", 2024, 140, "98.72%"])
    sheet.append(["乙项目", 2024, -1, 0.9])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "facts.xlsx"
    path.write_bytes(buffer.getvalue())
    assert main(["import-facts", str(path), "--system", str(SYSTEM)]) == 2
    assert capsys.readouterr().err == "Sheet!C3: 预算资金：an amount must be ≥ 0（-1）\n"
    assert main(["import-facts", str(path), "--system", str(SYSTEM), "--keep-good"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {
            "row": 2,
            "id": None,
            "name": "甲项目",
            "year": 2024,
            "facts": {"预算资金": "140", "市民满意度": "0.9872"},
        }
    ]
    monkeypatch.setenv("SCORING_DATABASE_URL", f"sqlite:///{tmp_path}/scoring.db")
    assert main(["import-facts", str(path), "--store", "--keep-good"]) == 0
    stored = json.loads(capsys.readouterr().out)
    assert (stored["created"], [e["path"] for e in stored["errors"]]) == (2, [])
