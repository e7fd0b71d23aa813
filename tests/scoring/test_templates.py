"""Built-in indicator systems (services/scoring/templates): valid, faithful to their seeds.

The weights and rule readings asserted here are copied from the seed documents in
/work/shared/seeds (001 附件, 002 section 3, 004 附件2), not from the templates themselves.
"""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.scoring import engine, rules
from services.scoring.system import Indicator, IndicatorSystem, parse_system, validate_system, walk

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "services" / "scoring" / "templates"
EXAMPLES = ROOT / "examples"
NAMES = ["mof_framework", "seed001", "seed002", "seed004", "self_evaluation"]

# Seed 001 附件: code → (name, weight); level-2 membership as in its 表2.
SEED001_WEIGHTS = {
    "1": ("决策", "20"),
    "1.1": ("项目立项", "4"),
    "1.1.1": ("立项依据充分性", "2"),
    "1.1.2": ("立项程序规范性", "2"),
    "1.2": ("绩效目标", "10"),
    "1.2.1": ("绩效目标合理性", "5"),
    "1.2.2": ("绩效指标明确性", "5"),
    "1.3": ("资金投入", "6"),
    "1.3.1": ("预算编制科学性", "3"),
    "1.3.2": ("资金分配合理性", "3"),
    "2": ("过程", "20"),
    "2.1": ("资金管理", "10"),
    "2.1.1": ("资金到位率", "3"),
    "2.1.2": ("预算执行率", "3"),
    "2.1.3": ("资金使用合规性", "4"),
    "2.2": ("组织实施", "10"),
    "2.2.1": ("管理制度健全性", "4"),
    "2.2.2": ("制度执行有效性", "6"),
    "3": ("产出", "30"),
    "3.1": ("产出数量", "8"),
    "3.1.1": ("检查企业家次", "3"),
    "3.1.2": ("安全生产宣传次数", "3"),
    "3.1.3": ("应急救援演练次数", "2"),
    "3.2": ("产出质量", "8"),
    "3.2.1": ("安全风险隐患整改率", "4"),
    "3.2.2": ("安全生产宣传资料验收合格率", "4"),
    "3.3": ("产出时效", "8"),
    "3.3.1": ("检查企业工作按时完成率", "3"),
    "3.3.2": ("安全生产宣传工作按时完成率", "3"),
    "3.3.3": ("应急救援演练工作按时完成率", "2"),
    "3.4": ("产出成本", "6"),
    "3.4.1": ("项目成本控制率", "6"),
    "4": ("效益", "30"),
    "4.1": ("社会效益", "22"),
    "4.1.1": ("安全生产应急事件处置率", "7"),
    "4.1.2": ("较大以上安全事故发生控制率", "7"),
    "4.1.3": ("一般安全生产事故降低率", "8"),
    "4.2": ("服务对象满意度", "8"),
    "4.2.1": ("市民满意度", "8"),
}
SEED001_KINDS = {
    "1.1.1": "checkpoints",
    "1.1.2": "checkpoints",
    "1.2.1": "checkpoints",
    "1.2.2": "checkpoints",
    "1.3.1": "checkpoints",
    "1.3.2": "checkpoints",
    "2.1.1": "rate",
    "2.1.2": "rate",
    "2.1.3": "checkpoints",
    "2.2.1": "checkpoints",
    "2.2.2": "checkpoints",
    "3.1.1": "target",
    "3.1.2": "target",
    "3.1.3": "target",
    "3.2.1": "rate",
    "3.2.2": "rate",
    "3.3.1": "rate",
    "3.3.2": "rate",
    "3.3.3": "rate",
    "3.4.1": "overrun",
    "4.1.1": "step",
    "4.1.2": "pass_fail",
    "4.1.3": "tiers",
    "4.2.1": "step",
}
# Seed 001 附件, 评分要点: the points of ①②③ per indicator.
SEED001_CHECKPOINTS = {
    "1.1.1": ["0.5", "0.5", "1"],
    "1.1.2": ["0.5", "0.5", "1"],
    "1.2.1": ["1", "1", "3"],
    "1.2.2": ["2", "2", "1"],
    "1.3.1": ["1", "2"],
    "1.3.2": ["1.5", "1.5"],
    "2.1.3": ["2", "1", "1"],
    "2.2.1": ["2", "2"],
    "2.2.2": ["2", "2", "2"],
}
SEED001_FACTS = {
    "预算资金": "140",
    "实际到位资金": "140",
    "实际支出资金": "140",
    "检查企业家次": "540",
    "安全生产宣传次数": "12",
    "应急救援演练次数": "2",
    "经检查发现的安全风险隐患数": "413",
    "经检查发现的应整改安全风险隐患数": "412",
    "实际已整改安全风险隐患数": "412",
    "应处置安全生产应急事件数": "3",
    "已处置安全生产应急事件数": "3",
    "较大以上安全事故发生数": "0",
    "本年度一般安全生产事故发生数": "3",
    "上年度一般安全生产事故发生数": "5",
    "市民满意度": "0.9872",
}


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def template(name: str) -> IndicatorSystem:
    return IndicatorSystem.model_validate(load_json(TEMPLATES / f"{name}.json"))


def levels(system: IndicatorSystem) -> dict[int, list[Indicator]]:
    found: dict[int, list[Indicator]] = {1: [], 2: [], 3: []}
    for _, level, node in walk(system.indicators):
        found[level].append(node)
    return found


def decimals(values: dict[str, str]) -> dict[str, Decimal | bool]:
    return {name: Decimal(value) for name, value in values.items()}


def quantitative_scores(
    system: IndicatorSystem, facts: dict[str, str], judgements: dict[str, Any] | None = None
) -> dict[str, Decimal | None]:
    """Score with these facts; judged indicators stay pending unless judged."""
    judged = {code: rules.Judgement.model_validate(j) for code, j in (judgements or {}).items()}
    result = engine.compile_system(system).score(decimals(facts), judged)
    return {indicator.code: indicator.final_score for indicator in result.indicators}


def test_the_folder_holds_exactly_the_documented_templates() -> None:
    assert sorted(path.stem for path in TEMPLATES.glob("*.json")) == NAMES
    readme = (TEMPLATES / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert f"`{name}.json`" in readme


@pytest.mark.parametrize("name", NAMES)
def test_template_is_a_valid_indicator_system(name: str) -> None:
    system = template(name)
    assert validate_system(system) == []
    assert parse_system(load_json(TEMPLATES / f"{name}.json")) == system
    engine.compile_system(system)


@pytest.mark.parametrize("name", NAMES)
def test_every_level_3_indicator_has_a_rule_and_nothing_is_lost(name: str) -> None:
    data = load_json(TEMPLATES / f"{name}.json")
    system = template(name)
    for _, level, node in walk(system.indicators):
        assert (node.rule is not None) == (level == 3)
    # Unknown fields are refused and every value given survives validation unchanged.
    assert system.model_dump(mode="json", exclude_unset=True) == data


def test_seed001_has_the_seed_tree_and_weights() -> None:
    system = template("seed001")
    found = levels(system)
    assert [len(found[level]) for level in (1, 2, 3)] == [4, 11, 24]
    assert system.total_weight == Decimal(100)
    assert system.grade_scale == "five_band"
    got = {node.code: (node.name, node.weight) for _, _, node in walk(system.indicators)}
    assert got == {code: (name, Decimal(w)) for code, (name, w) in SEED001_WEIGHTS.items()}


def test_seed001_rules_have_the_seed_kinds_and_checkpoint_points() -> None:
    system = template("seed001")
    leaves = {node.code: node for node in levels(system)[3]}
    assert {code: node.rule.kind for code, node in leaves.items() if node.rule} == SEED001_KINDS
    for code, points in SEED001_CHECKPOINTS.items():
        rule = leaves[code].rule
        assert isinstance(rule, rules.CheckpointsRule)
        assert [c.points for c in rule.checkpoints] == [Decimal(p) for p in points]
        assert [c.key for c in rule.checkpoints] == [str(i + 1) for i in range(len(points))]
        for checkpoint in rule.checkpoints:
            assert checkpoint.text in leaves[code].standard


def test_seed001_texts_are_the_appendix_texts() -> None:
    leaves = {node.code: node for node in levels(template("seed001"))[3]}
    assert leaves["2.1.1"].explanation == (
        "实际到位资金与预算资金的比率,用以反映和考核资金落实情况对项目实施的总体保障程度。"
    )
    assert (
        leaves["2.1.1"].standard
        == "资金到位率=(实际到位资金/预算资金)*100%。 得分=资金到位率*3分。"
    )
    assert leaves["4.1.2"].standard == "较大以上安全事故发生控制率 ≥ 0% 得7分,否则不得分。"
    assert leaves["4.2.1"].standard.startswith(
        "市民满意度 ≥ 90% 得8分,每下降5%扣1分(不足5%按5%计算),低于60%不得分。"
    )
    assert all(node.explanation and node.standard for node in leaves.values())


def test_example_seed001_system_is_the_template() -> None:
    assert load_json(EXAMPLES / "seed001" / "system.json") == load_json(TEMPLATES / "seed001.json")


def test_example_seed002_system_is_the_template() -> None:
    assert load_json(EXAMPLES / "seed002" / "system.json") == load_json(TEMPLATES / "seed002.json")


def test_seed001_rules_read_the_standards_as_the_seed_states_them() -> None:
    system = template("seed001")
    base = SEED001_FACTS | {
        "实际印刷资料批次数": "4",
        "经验收合格的印刷资料批次数": "4",
        "按时完成企业检查次数": "540",
        "按时完成安全生产宣传次数": "12",
        "按时完成应急救援演练次数": "2",
    }
    assert quantitative_scores(system, base)["3.2.1"] == Decimal("4.00")
    worse = base | {
        "检查企业家次": "450",  # ≥500家次得3分，否则按实际完成比例: 450/500 × 3
        "按时完成企业检查次数": "450",
        "实际支出资金": "147",  # 成本控制率 105%: 每超出1%扣1分 → 6 − 5
        "已处置安全生产应急事件数": "97",  # 97%: 每下降2%扣1分（不足2%按2%计算）→ 7 − 2
        "应处置安全生产应急事件数": "100",
        "较大以上安全事故发生数": "1",  # 否则不得分
        "本年度一般安全生产事故发生数": "5",  # 降低率 = 0% → 4
        "市民满意度": "0.8",  # 下降10% → 8 − 2
    }
    scores = quantitative_scores(system, worse)
    assert scores["3.1.1"] == Decimal("2.70")
    assert scores["3.4.1"] == Decimal("1.00")
    assert scores["4.1.1"] == Decimal("5.00")
    assert scores["4.1.2"] == Decimal("0.00")
    assert scores["4.1.3"] == Decimal("4.00")
    assert scores["4.2.1"] == Decimal("6.00")
    assert quantitative_scores(system, worse | {"市民满意度": "0.88"})["4.2.1"] == Decimal("7.00")
    assert quantitative_scores(system, worse | {"市民满意度": "0.59"})["4.2.1"] == Decimal("0.00")
    more = worse | {"本年度一般安全生产事故发生数": "6"}
    assert quantitative_scores(system, more)["4.1.3"] == Decimal("0.00")


def test_seed002_has_the_seed_tree_and_weights() -> None:
    system = template("seed002")
    found = levels(system)
    assert [len(found[level]) for level in (1, 2, 3)] == [4, 11, 27]
    assert [(n.name, n.weight) for n in found[1]] == [
        ("项目管理", Decimal(10)),
        ("投入", Decimal(20)),
        ("过程", Decimal(20)),
        ("产出与效益", Decimal(50)),
    ]
    assert [(n.name, n.weight) for n in found[2]] == [
        (name, Decimal(w))
        for name, w in [
            ("项目目标", "10"),
            ("资金到位", "5"),
            ("资金管理", "15"),
            ("项目实施", "16"),
            ("会计信息管理", "4"),
            ("产出数量", "12"),
            ("产出质量", "13"),
            ("社会效益", "10"),
            ("经济效益", "5"),
            ("可持续影响", "5"),
            ("服务对象满意度", "5"),
        ]
    ]
    assert system.scale().bands[1].grade == "良好"


def test_seed004_has_the_seed_tree_and_weights() -> None:
    system = template("seed004")
    found = levels(system)
    assert [len(found[level]) for level in (1, 2, 3)] == [3, 9, 23]
    assert [(n.name, n.weight) for n in found[1]] == [
        ("项目决策", Decimal(20)),
        ("项目管理", Decimal(40)),
        ("项目绩效", Decimal(40)),
    ]
    leaves = {node.name: node for node in found[3]}
    assert leaves["产出数量"].weight == Decimal(20)
    assert leaves["社会效益"].weight == Decimal(9)
    assert leaves["资金到位率"].evidence == "账本、凭证等资料。"
    kinds = {name: node.rule.kind for name, node in leaves.items() if node.rule}
    assert kinds["资金到位率"] == "step"
    assert kinds["到位时效"] == "categorical"
    assert kinds["社会效益"] == "composite"
    assert kinds["服务对象满意度"] == "step"
    assert kinds["资金使用"] == "judgement"
    assert kinds["财务管理"] == "checkpoints"


def test_seed004_rules_read_the_standards_as_the_seed_states_them() -> None:
    system = template("seed004")
    facts = {
        "计划到位资金": "100",
        "实际到位资金": "90",  # 每降低5%，扣0.5分: 3 − 2 × 0.5
        "本年度较大及以上安全生产事故起数": "0",
        "上年度较大及以上安全生产事故起数": "0",  # 起数相同，计3分
        "本年度一般安全生产事故起数": "8",
        "上年度一般安全生产事故起数": "10",  # 下降20%: 3 + 4 × 0.5 = 5, 最高4分
        "服务对象满意度": "0.86",  # 每下降2%扣0.5分: 3 − 2 × 0.5
    }
    scores = quantitative_scores(system, facts)
    codes = {node.name: node.code for node in levels(system)[3]}
    assert scores[codes["资金到位率"]] == Decimal("2.00")
    assert scores[codes["社会效益"]] == Decimal("7.00")
    assert scores[codes["服务对象满意度"]] == Decimal("2.00")
    assert scores[codes["资金使用"]] is None  # judged, still pending
    risen = facts | {"本年度较大及以上安全生产事故起数": "1"}  # last year 0: rule-defined case
    assert quantitative_scores(system, risen)[codes["社会效益"]] == Decimal("4.00")
    timely = {codes["到位时效"]: {"option": "late_no_delay"}}
    assert quantitative_scores(system, facts, timely)[codes["到位时效"]] == Decimal("1.50")


def test_mof_framework_follows_the_mof_skeleton() -> None:
    system = template("mof_framework")
    found = levels(system)
    assert [(n.name, n.weight) for n in found[1]] == [
        ("决策", Decimal(20)),
        ("过程", Decimal(20)),
        ("产出", Decimal(30)),
        ("效益", Decimal(30)),
    ]
    assert [n.name for n in found[2]] == [
        "项目立项",
        "绩效目标",
        "资金投入",
        "资金管理",
        "组织实施",
        "产出数量",
        "产出质量",
        "产出时效",
        "产出成本",
        "项目效益",
        "满意度",
    ]


def test_self_evaluation_has_the_mof_weights_and_rule_kinds() -> None:
    system = template("self_evaluation")
    found = levels(system)
    assert [(n.name, n.weight) for n in found[1]] == [
        ("预算执行率", Decimal(10)),
        ("产出指标", Decimal(50)),
        ("效益指标", Decimal(30)),
        ("满意度指标", Decimal(10)),
    ]
    kinds = {node.rule.kind for node in found[3] if node.rule}
    assert kinds == {"target", "qualitative"}
    facts = {
        "全年预算数": "100",
        "全年执行数": "90",
        "数量指标年度指标值": "10",
        "数量指标全年实际值": "8",
        "质量指标年度指标值": "1",
        "质量指标全年实际值": "1",
        "时效指标年度指标值": "1",
        "时效指标全年实际值": "1",
        "成本指标年度指标值": "100",
        "成本指标全年实际值": "125",
        "服务对象满意度指标年度指标值": "0.9",
        "服务对象满意度": "0.95",
    }
    scores = quantitative_scores(system, facts)
    assert scores["1.1.1"] == Decimal("9.00")  # 90% × 10
    assert scores["2.1.1"] == Decimal("16.00")  # 8 / 10 × 20
    assert scores["2.4.1"] == Decimal("8.00")  # 反向指标: 100 / 125 × 10
    assert scores["4.1.1"] == Decimal("10.00")
    assert scores["3.1.1"] is None  # qualitative, judged
