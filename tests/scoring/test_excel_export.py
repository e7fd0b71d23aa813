"""Exporting systems and scored evaluations as XLSX and CSV, and importing them back."""

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from services.scoring import engine, rules
from services.scoring.excel import exporter, importer
from services.scoring.system import IndicatorSystem

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ["seed001", "seed002", "seed004", "mof_framework", "self_evaluation"]
SUM = re.compile(r"^=SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)$")
# Seed 004 prints no scores: these facts and judgements are made up to exercise every rule kind.
SEED004_FACTS = {
    "计划到位资金": Decimal(100),
    "实际到位资金": Decimal(96),
    "本年度较大及以上安全生产事故起数": Decimal(1),
    "上年度较大及以上安全生产事故起数": Decimal(2),
    "本年度一般安全生产事故起数": Decimal(9),
    "上年度一般安全生产事故起数": Decimal(10),
    "服务对象满意度": Decimal("0.87"),
}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def template(name: str) -> IndicatorSystem:
    path = ROOT / "services" / "scoring" / "templates" / f"{name}.json"
    return IndicatorSystem.model_validate(load(path))


def seed001() -> tuple[IndicatorSystem, dict[str, Decimal | bool], dict[str, rules.Judgement]]:
    folder = ROOT / "examples" / "seed001"
    facts: dict[str, Decimal | bool] = {
        k: Decimal(v) for k, v in load(folder / "facts.json").items()
    }
    raw = load(folder / "judgements.json")
    return (
        template("seed001"),
        facts,
        {c: rules.Judgement.model_validate(j) for c, j in raw.items()},
    )


def seed004_judgements(system: IndicatorSystem) -> dict[str, rules.Judgement]:
    """Award every judged indicator of seed 004 all but half a point, with a reason."""
    out: dict[str, rules.Judgement] = {}
    for one in system.indicators:
        for two in one.children:
            for three in two.children:
                rule, reason = three.rule, f"{three.name}有不足，扣0.5分"
                if isinstance(rule, rules.CheckpointsRule):
                    awards = {c.key: c.points for c in rule.checkpoints}
                    awards[rule.checkpoints[0].key] -= Decimal("0.5")
                    out[three.code] = rules.Judgement(checkpoints=awards, reason=reason)
                elif isinstance(rule, rules.JudgementRule):
                    out[three.code] = rules.Judgement(
                        score=three.weight - Decimal("0.5"), reason=reason
                    )
                elif isinstance(rule, rules.CategoricalRule):
                    out[three.code] = rules.Judgement(option=rule.options[1].key)
    return out


@pytest.mark.parametrize("name", TEMPLATES)
def test_export_then_import_gives_the_same_system(name: str) -> None:
    system = template(name)
    imported = importer.import_system(exporter.write_xlsx(system))
    assert imported.system == system
    assert {i.source for i in imported.report.indicators} == {"rules_sheet"}


def test_scored_seed001_round_trip_gives_the_same_scores() -> None:
    system, facts, judgements = seed001()
    result = engine.compile_system(system).score(facts, judgements)
    data = exporter.write_xlsx(system, result, judgements, facts)
    imported = importer.import_system(data, with_judgements=True)
    assert (imported.system, imported.judgements, imported.facts) == (system, judgements, facts)
    again = engine.compile_system(imported.system).score(imported.facts, imported.judgements)
    assert again == result
    assert again.total == Decimal("88.00")


def test_scored_seed004_round_trip_gives_the_same_scores() -> None:
    system = template("seed004")
    judgements = seed004_judgements(system)
    result = engine.compile_system(system).score(SEED004_FACTS, judgements)
    assert (result.total, result.complete) == (Decimal("88.85"), True)
    data = exporter.write_xlsx(system, result, judgements, SEED004_FACTS)
    imported = importer.import_system(data, with_judgements=True)
    again = engine.compile_system(imported.system).score(imported.facts, imported.judgements)
    assert (imported.system, again) == (system, result)


def test_scores_typed_over_an_export_are_read_from_the_score_column() -> None:
    system = template("seed004")
    data = exporter.write_xlsx(system)  # an empty scoring sheet for the evaluator to fill in
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["指标体系"]
    assert isinstance(sheet, Worksheet)
    sheet["J3"], sheet["L3"] = 1.5, "年度工作计划不完整"  # 1.1.1, checkpoints 1 + 1
    sheet["J5"] = 2  # 1.3.1, a judgement of 0—2
    sheet["J12"] = 1.5  # 2.1.2, the option 资金未及时到位，但未影响项目进度
    buffer = io.BytesIO()
    book.save(buffer)
    imported = importer.import_system(buffer.getvalue(), with_judgements=True)
    assert imported.judgements == {
        "1.1.1": rules.Judgement(
            checkpoints={"1": Decimal(1), "2": Decimal("0.5")}, reason="年度工作计划不完整"
        ),
        "1.3.1": rules.Judgement(score=Decimal(2)),
        "2.1.2": rules.Judgement(option="late_no_delay"),
    }


def sheet_values(data: bytes) -> Worksheet:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert isinstance(sheet, Worksheet)
    return sheet


def evaluate(sheet: Worksheet, ref: str) -> Decimal:
    """Compute a cell as Excel would, for the SUM formulas an export writes."""
    value = sheet[ref].value
    found = SUM.match(value) if isinstance(value, str) else None
    if found is None:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    column, first, last = found[1], int(found[2]), int(found[4])
    return sum((evaluate(sheet, f"{column}{row}") for row in range(first, last + 1)), Decimal(0))


def test_export_sums_add_up_in_the_sheet_with_merged_cells_and_a_frozen_header() -> None:
    system, facts, judgements = seed001()
    result = engine.compile_system(system).score(facts, judgements)
    sheet = sheet_values(exporter.write_xlsx(system, result, judgements, facts))
    assert sheet.title == "评分表"
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["H"].width == 60
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:N1", "A3:A8", "B3:B8", "N3:N8", "C3:C4", "D3:D4", "M3:M4", "A23:A26"} <= merged
    assert sheet["M3"].value == "=SUM(J3:J4)"
    assert sheet["N3"].value == "=SUM(M3:M8)"
    assert sheet["K3"].value == '=IF(OR(J3="",F3=0),"",J3/F3)'
    assert (sheet["A27"].value, sheet["J27"].value) == ("合计", "=SUM(N3:N26)")
    assert [evaluate(sheet, f"N{row}") for row in (3, 9, 14, 23)] == [
        Decimal(12),
        Decimal(16),
        Decimal(30),
        Decimal(30),
    ]
    assert evaluate(sheet, "J27") == Decimal(88)
    assert evaluate(sheet, "M5") == Decimal(5)  # 绩效目标: 2.5 + 2.5
    assert (sheet["A28"].value, sheet["B28"].value) == ("评价等级", "良")


def test_csv_export_has_a_bom_and_the_table_rows() -> None:
    system, facts, judgements = seed001()
    result = engine.compile_system(system).score(facts, judgements)
    data = exporter.write_csv(system, result)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["2024年度安全生产监管经费项目绩效评价指标体系"]
    assert rows[1][:6] == ["一级指标", "权重", "二级指标", "权重", "三级指标", "权重"]
    assert rows[2][:6] + rows[2][9:] == [
        "决策",
        "20",
        "项目立项",
        "4",
        "立项依据充分性",
        "2",
        "2",
        "100.00%",
        "/",
        "3.5",
        "12",
    ]
    assert rows[3][:6] == ["", "", "", "", "立项程序规范性", "2"]
    assert rows[-2][:2] + rows[-2][9:11] == ["合计", "100", "88", "88.00%"]
    assert rows[-1] == ["评价等级", "良"]


def test_csv_export_imports_back_by_recognising_its_standards() -> None:
    imported = importer.import_system(exporter.write_csv(template("seed001")))
    assert [n.name for n in imported.system.indicators] == ["决策", "过程", "产出", "效益"]
    assert imported.report.judged == []
    assert {i.source for i in imported.report.indicators} == {"standard"}
