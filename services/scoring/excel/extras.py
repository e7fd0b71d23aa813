"""The auxiliary sheets of an export (体系, 数据项, 计算公式, 规则), read back on import.

They carry what the table's layout cannot show, so that export → import gives the same
system: facts with types and units, formulas, the grade scale, codes and exact rules.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter, ValidationError

from services.scoring import rules
from services.scoring.excel import layout
from services.scoring.excel.workbook import cell_address
from services.scoring.system import Issue

RULE = TypeAdapter(rules.Rule)
TYPE_NAMES = {
    "金额": "amount",
    "计数": "count",
    "数值": "number",
    "比率": "rate",
    "是否": "boolean",
}


@dataclass(frozen=True)
class RuleRow:
    """One row of the 规则 sheet: an indicator's code, and for level 3 its exact rule."""

    code: str
    standard: str
    rule: dict[str, Any] | None
    judgement: dict[str, Any] | None
    score: Decimal | None


@dataclass
class Extras:
    """What the auxiliary sheets hold; empty when the workbook has none (a hand-made sheet)."""

    system: dict[str, Any] = field(default_factory=dict)
    facts: list[dict[str, str]] = field(default_factory=list)
    derived: list[dict[str, str]] = field(default_factory=list)
    values: dict[str, Decimal | bool] = field(default_factory=dict)
    rules: dict[tuple[str, ...], RuleRow] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)  # fact or derived name: its cell
    issues: list[Issue] = field(default_factory=list)


def read(sheets: dict[str, list[list[object]]]) -> Extras:
    """Read whichever auxiliary sheets the workbook has."""
    aux = Extras()
    for row in _rows(sheets.get(layout.SYSTEM_SHEET)):
        key, value = layout.text(row[0]), layout.text(row[1]) if len(row) > 1 else ""
        if key == "名称" and value:
            aux.system["name"] = value
        elif key == "总分" and value:
            aux.system["total_weight"] = value
        elif key == "等级标准" and value:
            aux.system["grade_scale"] = json.loads(value) if value.startswith("{") else value
    _facts(aux, sheets.get(layout.FACTS_SHEET))
    for number, row in enumerate(_rows(sheets.get(layout.DERIVED_SHEET)), start=2):
        cells = [layout.text(v) for v in (*row, "", "", "")[:3]]
        if cells[0]:
            aux.derived.append({"name": cells[0], "formula": cells[1], "format": cells[2]})
            aux.cells[cells[0]] = cell_address(layout.DERIVED_SHEET, number, 2)
    _rules(aux, sheets.get(layout.RULES_SHEET))
    return aux


def _rows(rows: list[list[object]] | None) -> list[list[object]]:
    return [list(row) for row in (rows or [])[1:] if any(layout.text(v) for v in row)]


def _facts(aux: Extras, rows: list[list[object]] | None) -> None:
    for number, row in enumerate(rows or [], start=1):
        if number == 1 or not any(layout.text(v) for v in row):
            continue
        name, kind, unit, description, value, role = (*row, *[None] * 6)[:6]
        label = layout.text(name)
        fact = {"name": label, "type": TYPE_NAMES.get(layout.text(kind), layout.text(kind))}
        fact |= {
            k: layout.text(v)
            for k, v in (("unit", unit), ("description", description), ("role", role))
        }
        aux.facts.append({k: v for k, v in fact.items() if v})
        aux.cells[label] = cell_address(layout.FACTS_SHEET, number, 1)
        if isinstance(value, bool) or layout.text(value) in ("true", "false", "是", "否"):
            aux.values[label] = (
                value
                if isinstance(value, bool)
                else layout.text(value)
                in (
                    "true",
                    "是",
                )
            )
        elif layout.text(value):
            parsed = layout.number(value)
            if parsed is None:
                where = cell_address(layout.FACTS_SHEET, number, 5)
                aux.issues.append(Issue(path=where, message=f"值应为数字或 是/否：{value!r}"))
            else:
                aux.values[label] = parsed


def sibling(name: str, earlier: int) -> str:
    """Name a node in a rules key: its name, marked when an earlier sibling has the same one."""
    # Siblings may share a name; the n-th of them takes the n-th row of that name.
    return name if earlier == 0 else f"{name}\x00{earlier}"


def _rules(aux: Extras, rows: list[list[object]] | None) -> None:
    names: list[str] = []
    seen: Counter[tuple[str, ...]] = Counter()
    for number, row in enumerate(rows or [], start=1):
        if number == 1:
            continue
        code, level, name, standard, rule, judgement, score = (*row, *[None] * 7)[:7]
        depth = int(layout.number(level) or 0)
        if depth not in (1, 2, 3):
            continue
        path = (*names[: depth - 1], layout.text(name))
        names = [*path[:-1], sibling(path[-1], seen[path])]
        seen[path] += 1
        parsed = _json(aux, rule, number, 5) if depth == 3 else None
        if parsed is not None:
            try:
                RULE.validate_python(parsed)
            except ValidationError as error:
                where = cell_address(layout.RULES_SHEET, number, 5)
                aux.issues.append(
                    Issue(path=where, message=f"规则无效：{error.errors()[0]['msg']}")
                )
                parsed = None
        aux.rules.setdefault(
            tuple(names),
            RuleRow(
                layout.text(code),
                layout.text(standard),
                parsed,
                _json(aux, judgement, number, 6),
                layout.number(score),
            ),
        )


def _json(aux: Extras, value: object, row: int, col: int) -> dict[str, Any] | None:
    raw = layout.text(value)
    if not raw:
        return None
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as error:
        where = cell_address(layout.RULES_SHEET, row, col)
        aux.issues.append(Issue(path=where, message=f"不是有效的 JSON：{error.msg}"))
        return None
    return parsed if isinstance(parsed, dict) else None
