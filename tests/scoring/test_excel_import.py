"""Importing indicator systems from the seeds' tables: examples/seed001/appendix.xlsx, seed004.

The appendix's facts are named from its standard texts (实际开展企业检查次数, 支出金额…);
FACT_MAP says which seed 001 fact of examples/seed001/facts.json gives each of them.
"""

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.scoring import engine, rules
from services.scoring.excel import importer
from services.scoring.excel.report import Imported
from services.scoring.system import IndicatorSystem, walk
from tests.scoring.test_templates import SEED001_KINDS

ROOT = Path(__file__).resolve().parents[2]
APPENDIX = ROOT / "examples" / "seed001" / "appendix.xlsx"
SEED004 = ROOT / "examples" / "seed004" / "scoring_table.xlsx"
TEMPLATES = ROOT / "services" / "scoring" / "templates"
Facts = dict[str, Decimal | bool]
# Appendix fact name: how to read it from the facts of examples/seed001 (template names).
FACT_MAP: dict[str, Callable[[Facts], Decimal | bool]] = {
    "实际开展企业检查次数": lambda f: f["检查企业家次"],
    "实际开展安全生产宣传次数": lambda f: f["安全生产宣传次数"],
    "实际开展应急救援演练次数": lambda f: f["应急救援演练次数"],
    "支出金额": lambda f: f["实际支出资金"],
    "预算金额": lambda f: f["预算资金"],
    # 控制率 ≥ 0% as printed: no major accident is 100% controlled.
    "较大以上安全事故发生控制率": lambda f: Decimal(f["较大以上安全事故发生数"] == 0),
}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def seed001_facts(system: IndicatorSystem) -> Facts:
    """Map examples/seed001/facts.json onto the fact names the appendix import declares."""
    raw = load(ROOT / "examples" / "seed001" / "facts.json")
    given: Facts = {k: v if isinstance(v, bool) else Decimal(v) for k, v in raw.items()}
    return {
        fact.name: FACT_MAP[fact.name](given) if fact.name in FACT_MAP else given[fact.name]
        for fact in system.facts
    }


def seed001_judgements() -> dict[str, rules.Judgement]:
    raw = load(ROOT / "examples" / "seed001" / "judgements.json")
    return {code: rules.Judgement.model_validate(j) for code, j in raw.items()}


@pytest.fixture(scope="module")
def appendix() -> Imported:
    return importer.import_system(APPENDIX.read_bytes(), grade_scale="five_band")


def leaves(system: IndicatorSystem) -> dict[str, Any]:
    return {node.code: node for _, level, node in walk(system.indicators) if level == 3}


def test_appendix_has_the_seed_tree_and_its_texts_verbatim(appendix: Imported) -> None:
    template = IndicatorSystem.model_validate(load(TEMPLATES / "seed001.json"))
    system = appendix.system
    assert system.name == "2024年度安全生产监管经费项目绩效评价指标体系"
    assert system.total_weight == Decimal(100)
    shape = [(n.code, level, n.name, n.weight) for _, level, n in walk(system.indicators)]
    assert shape == [(n.code, level, n.name, n.weight) for _, level, n in walk(template.indicators)]
    assert len(shape) == 4 + 11 + 24
    for code, node in leaves(template).items():
        imported = leaves(system)[code]
        assert (imported.explanation, imported.standard) == (node.explanation, node.standard)


def test_appendix_recognises_every_quantitative_standard_and_the_checkpoints(
    appendix: Imported,
) -> None:
    kinds = {i.code: i.kind for i in appendix.report.indicators}
    # The sheet recognises exactly the rule kinds the seed 001 template was written with.
    assert kinds == SEED001_KINDS
    assert appendix.report.judged == []
    template = leaves(IndicatorSystem.model_validate(load(TEMPLATES / "seed001.json")))
    for code, node in leaves(appendix.system).items():
        if kinds[code] == "checkpoints":
            assert node.rule == template[code].rule
    assert leaves(appendix.system)["4.2.1"].rule == template["4.2.1"].rule
    assert leaves(appendix.system)["4.1.1"].rule == template["4.1.1"].rule
    assert leaves(appendix.system)["3.4.1"].rule == rules.OverrunRule(
        value="项目成本控制率",
        full_at=Decimal(1),
        step=Decimal("0.01"),
        points_per_step=Decimal(1),
        partial_step="pro_rata",
    )


def test_appendix_declares_the_facts_and_rates_its_standards_define(appendix: Imported) -> None:
    derived = {d.name: d.formula for d in appendix.system.derived}
    assert derived["资金到位率"] == "实际到位资金 / 预算资金"
    assert derived["项目成本控制率"] == "支出金额 / 预算金额"
    assert derived["一般安全生产事故降低率"] == (
        "(上年度一般安全生产事故发生数 - 本年度一般安全生产事故发生数)"
        " / 上年度一般安全生产事故发生数"
    )
    types = {f.name: f.type for f in appendix.system.facts}
    assert types["实际到位资金"] == "amount"
    assert types["检查企业家次"] == "count"
    assert types["市民满意度"] == "rate"
    assert len(types) == 24
    assert len(derived) == 10


def test_appendix_scores_88_with_the_seed_scores_per_indicator(appendix: Imported) -> None:
    system = appendix.system
    result = engine.compile_system(system).score(seed001_facts(system), seed001_judgements())
    expected = load(ROOT / "examples" / "seed001" / "expected.json")["indicators"]
    assert {i.code: i.final_score for i in result.indicators} == {
        code: Decimal(item["score"]) for code, item in expected.items()
    }
    assert (result.total, result.grade, result.complete) == (Decimal("88.00"), "良", True)
    assert [g.score for g in result.groups] == [Decimal(12), Decimal(16), Decimal(30), Decimal(30)]


def test_appendix_score_column_read_as_judgements_gives_the_same_scores() -> None:
    imported = importer.import_system(APPENDIX.read_bytes(), with_judgements=True)
    judgements = imported.judgements
    assert sorted(judgements) == sorted(seed001_judgements())
    assert judgements["1.1.2"] == rules.Judgement(
        checkpoints={"1": Decimal("0.5"), "2": Decimal("0.5"), "3": Decimal("0.5")},
        reason="年度工作计划编制不够细化、科学,计划的可执行程度有待提高,综合评价扣0.50分。",
    )
    result = engine.compile_system(imported.system).score(
        seed001_facts(imported.system), judgements
    )
    assert result.total == Decimal("88.00")
    assert [i.final_score for i in result.indicators] == [
        i.final_score
        for i in engine.compile_system(imported.system)
        .score(seed001_facts(imported.system), seed001_judgements())
        .indicators
    ]


def test_seed004_table_imports_with_its_checkpoints() -> None:
    imported = importer.import_system(SEED004.read_bytes())
    template = IndicatorSystem.model_validate(load(TEMPLATES / "seed004.json"))
    got, want = leaves(imported.system), leaves(template)
    assert [(n.code, n.name, n.weight) for _, _, n in walk(imported.system.indicators)] == [
        (n.code, n.name, n.weight) for _, _, n in walk(template.indicators)
    ]
    checkpoints = [code for code, node in want.items() if node.rule.kind == "checkpoints"]
    assert len(checkpoints) == 14
    for code, node in want.items():
        assert (got[code].explanation, got[code].standard, got[code].evidence) == (
            node.explanation,
            node.standard,
            node.evidence,
        )
        if node.rule.kind in ("checkpoints", "judgement", "step"):
            assert got[code].rule == node.rule, code
    # Option keys are numbered, not named; the template's rule for last year = 0 is its own.
    assert [o.label for o in got["2.1.2"].rule.options] == [
        o.label for o in want["2.1.2"].rule.options
    ]
    assert got["3.3.1"].rule.parts[0].rule.when_last_year_zero == rules.FailFallback(
        outcome="error"
    )
    assert imported.report.judged == []
    assert "“社会效益”未填权重，取下级指标权重之和 16" in imported.report.notes
