"""Recognising 评分标准 texts as rules, and reading sheets laid out in the other accepted ways."""

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from services.scoring.excel import importer, standards
from services.scoring.excel.report import ImportFailed

D = Decimal


@pytest.mark.parametrize(
    ("name", "weight", "standard", "rule"),
    [
        (
            "完成率",
            D(5),
            "完成率＝（已完成数／计划数）×100%；得分＝完成率×5分",
            {"kind": "rate", "value": "完成率"},
        ),
        (
            "培训人次",
            D(4),
            "培训人次≥200人次的得4分，否则按实际完成比例计分。",
            {"kind": "target", "value": "培训人次", "direction": ">=", "target": "200"},
        ),
        (
            "控制率",
            D(6),
            "控制率 $\\geq 95\\%$ 得6分,否则不得分。",
            {"kind": "pass_fail", "condition": "控制率 >= 0.95"},
        ),
        (
            "满意度",
            D(10),
            "满意度达到90%以上得满分，每降低1个百分点扣0.5分，低于70%的不得分",
            {
                "kind": "step",
                "value": "满意度",
                "full_at": "0.9",
                "step": "0.01",
                "points_per_step": "0.5",
                "partial_step": "pro_rata",
                "direction": ">=",
                "zero_beyond": "0.7",
            },
        ),
        (
            "成本率",
            D(4),
            "成本率≤100%得4分，每超出2%扣1分（不足2%按2%计算），扣完为止。",
            {
                "kind": "overrun",
                "value": "成本率",
                "full_at": "1",
                "step": "0.02",
                "points_per_step": "1",
                "partial_step": "whole",
            },
        ),
        (
            "投诉率",
            D(3),
            "投诉率<1%，得3分；投诉率<2%，得2分；否则得1分。",
            {
                "kind": "tiers",
                "value": "投诉率",
                "tiers": [
                    {"op": "<", "than": "0.01", "points": "3"},
                    {"op": "<", "than": "0.02", "points": "2"},
                ],
                "otherwise": "1",
            },
        ),
        (
            "事故起数",
            D(5),
            "事故起数与上年相比，起数相同，计3分，每增加10%，扣1分，每下降10%，增加1分，"
            "最高5分，最低0分",
            {
                "kind": "change",
                "current": "本年度事故起数",
                "last_year": "上年度事故起数",
                "better": "lower",
                "base_points": "3",
                "step": "0.1",
                "malus_per_step": "1",
                "bonus_per_step": "1",
                "max": "5",
                "min": "0",
                "partial_step": "pro_rata",
            },
        ),
        (
            "制度",
            D(3),
            "评分要点：①制度健全（1分）；②执行有效（2分）。",
            {
                "kind": "checkpoints",
                "checkpoints": [
                    {"key": "1", "text": "制度健全", "points": "1"},
                    {"key": "2", "text": "执行有效", "points": "2"},
                ],
            },
        ),
        ("宣传", D(8), "宣传到位的，计0—8分。", {"kind": "judgement"}),
    ],
)
def test_recognised_forms(name: str, weight: Decimal, standard: str, rule: dict[str, Any]) -> None:
    found = standards.recognise(name, weight, standard, "", {})
    assert isinstance(found, standards.Recognised), found
    assert found.rule == rule


@pytest.mark.parametrize(
    ("weight", "standard", "reason"),
    [
        (D(3), "根据实际情况酌情评分。", "评分标准中没有分值（如 (1分)、计0—2分）"),
        (D(3), "①制度健全（1分）；②执行有效（1分）。", "评分要点的分值合计 2，与权重 3 不一致"),
        (D(3), "完成率≥90%得2分，否则按实际完成比例计分。", "评分标准的分值 2 与权重 3 不一致"),
    ],
)
def test_other_standards_are_left_to_the_evaluator(
    weight: Decimal, standard: str, reason: str
) -> None:
    assert standards.recognise("指标", weight, standard, "", {}) == reason


def sheet_bytes(rows: list[list[object]], merges: tuple[str, ...] = ()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.append(["一级指标", "权重", "二级指标", "权重", "三级指标", "权重", "评分标准"])
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ROWS: list[list[object]] = [
    ["决策", 60, "立项", 60, "依据", 30, "计0—30分"],
    ["", "", "", "", "程序", 30, "计0—30分"],
    ["效益", 40, "满意度", 40, "满意度", 40, "满意度≥90%得40分，否则按实际完成比例计分"],
]


def test_blank_repeated_and_merged_layouts_read_alike() -> None:
    repeated = [row[:] for row in ROWS]
    repeated[1][:4] = ["决策", 60, "立项", 60]
    merged = sheet_bytes(
        [row if i != 1 else ["", "", "", "", *row[4:]] for i, row in enumerate(ROWS)],
        ("A2:A3", "B2:B3", "C2:C3", "D2:D3"),
    )
    systems = [
        importer.import_system(data).system
        for data in (sheet_bytes(ROWS), sheet_bytes(repeated), merged)
    ]
    assert systems[0] == systems[1] == systems[2]
    assert [n.name for n in systems[0].indicators[0].children[0].children] == ["依据", "程序"]


def test_a_merge_across_a_level_1_boundary_is_out_of_place() -> None:
    rows = [row[:] for row in ROWS]
    rows[1][:4] = ["", "", "", ""]
    rows[2][2:4] = ["", ""]
    with pytest.raises(ImportFailed) as failed:
        importer.import_system(sheet_bytes(rows, ("C2:C4", "D2:D4")))
    assert [(i.path, i.message) for i in failed.value.issues] == [
        (
            "Sheet!C2:C4",
            "合并单元格位置不对：二级指标跨越了上级指标的边界（第4行起是新的上级指标）",
        ),
        ("Sheet!D2:D4", "合并单元格位置不对：权重的合并范围与二级指标“（第4行）”的行不一致"),
    ]
