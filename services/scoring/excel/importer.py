"""Build an indicator system from a sheet in the seed layout, with its import report.

Weights are checked by `validate_system` like any system; every problem is reported at the
Excel cell it comes from. A workbook this service exported carries its exact rules, facts
and formulas in auxiliary sheets; a hand-made one has its 评分标准 texts recognised.
"""

import re
from collections import Counter
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from services.scoring import formula, rules
from services.scoring.excel import extras, layout, scores, sheet, standards, workbook
from services.scoring.excel.report import Imported, ImportFailed, ImportReport, IndicatorReport
from services.scoring.system import (
    IndicatorSystem,
    Issue,
    issues_from_validation_error,
    validate_system,
)

_TITLE_PREFIX = re.compile(r"^附件\s*(?:\d+\s*[:：]|[:：])?\s*")
_DIGIT_SPACE = re.compile(r"(?<=\d)\s+(?=[^\d\s])|(?<=[^\d\s])\s+(?=\d)")
_FIELDS = {"name": "name", "weight": "weight", "standard": "rule", "explanation": "explanation"}


def import_system(
    data: bytes,
    sheet_name: str | None = None,
    name: str | None = None,
    grade_scale: str | None = None,
    with_judgements: bool = False,
) -> Imported:
    """Read an XLSX (or CSV) indicator table into a system; ImportFailed lists every bad cell."""
    table = _table(workbook.read_grids(data, sheet_name))
    found = extras.read(table.grid.others)
    builder = _Builder(table, found)
    body = builder.build(name, grade_scale)
    issues = table.issues + found.issues + builder.validate(body)
    if issues:
        raise ImportFailed(issues)
    system = IndicatorSystem.model_validate(body)
    judgements: dict[str, rules.Judgement] = {}
    if with_judgements:
        judgements, problems = scores.judgements(system, builder.leaves, found)
        if problems:
            raise ImportFailed(problems)
    return Imported(
        system=system,
        report=builder.report(),
        judgements=judgements,
        facts=found.values if with_judgements else {},
    )


def _table(grids: list[workbook.Grid]) -> sheet.Table:
    reasons = []
    for grid in grids:
        try:
            return sheet.parse(grid)
        except sheet.NoTable as error:
            reasons.append(str(error))
    where = grids[0].title if grids else workbook.CSV_SHEET
    raise ImportFailed([Issue(path=where, message="；".join(reasons) or "no sheet")])


class _Builder:
    """Turn the sheet's tree into system JSON, remembering which cell each part came from."""

    def __init__(self, table: sheet.Table, found: extras.Extras) -> None:
        self.table, self.extras = table, found
        self.facts: dict[str, dict[str, str]] = {f["name"]: f for f in found.facts}
        self.derived: dict[str, dict[str, str]] = {d["name"]: d for d in found.derived}
        self.known = {d["name"]: d["formula"] for d in found.derived}
        self.origin: dict[str, str] = dict(found.cells)
        self.places: dict[str, tuple[str, str]] = {}  # JSON path: (cell, indicator name)
        self.unknown: set[str] = set()  # paths whose weight could not be read
        self.unchecked: set[str] = set()  # paths whose weight sum cannot be checked
        self.indicators: list[IndicatorReport] = []
        self.leaves: list[scores.Leaf] = []
        self.notes: list[str] = list(table.notes)

    def build(self, name: str | None, grade_scale: str | None) -> dict[str, Any]:
        """Return the system as JSON data (not yet validated)."""
        indicators = [
            self._node(node, f"indicators[{i}]", str(i + 1), key)
            for i, (node, key) in enumerate(_keys(self.table.tree, ()))
        ]
        if any(f"indicators[{i}]" in self.unknown for i in range(len(indicators))):
            self.unchecked.add("total")
        body: dict[str, Any] = {"name": name or self._title(), **self.extras.system}
        if name:
            body["name"] = name
        if self.table.total is not None:
            body["total_weight"] = str(self.table.total)
        if grade_scale:
            body["grade_scale"] = grade_scale
        body |= {
            "facts": list(self.facts.values()),
            "derived": list(self.derived.values()),
            "indicators": indicators,
        }
        return body

    def _title(self) -> str:
        grid = self.table.grid
        for row in grid.rows[: self.table.header_row - 1]:
            title = " ".join(layout.text(v) for v in row if layout.text(v))
            if title:
                return _DIGIT_SPACE.sub("", _TITLE_PREFIX.sub("", title)).strip() or grid.title
        return grid.title

    def _node(self, node: sheet.Node, path: str, code: str, names: tuple[str, ...]) -> Any:
        row = self.extras.rules.get(names)
        code = row.code if row is not None and row.code else code
        self.places[path] = (node.cells["name"], node.name)
        for key, cell in node.cells.items():
            self.places[f"{path}.{_FIELDS.get(key, key)}"] = (cell, node.name)
        if node.level == 3:
            return self._leaf(node, path, code, names, row)
        children = [
            self._node(child, f"{path}.children[{i}]", f"{code}.{i + 1}", key)
            for i, (child, key) in enumerate(_keys(node.children, names))
        ]
        weight = node.weight
        if weight is None:
            weight = sum((Decimal(child["weight"]) for child in children), Decimal(0))
            self.notes.append(f"“{node.name}”未填权重，取下级指标权重之和 {weight}")
        unsure = any(f"{path}.children[{i}]" in self.unknown for i in range(len(children)))
        if node.bad_weight or (node.weight is None and unsure):
            self.unknown.add(path)
        if node.bad_weight or unsure:
            self.unchecked.add(path)
        return {"code": code, "name": node.name, "weight": str(weight), "children": children}

    def _leaf(
        self,
        node: sheet.Node,
        path: str,
        code: str,
        names: tuple[str, ...],
        row: extras.RuleRow | None,
    ) -> dict[str, Any]:
        weight = node.weight if node.weight is not None and not node.bad_weight else Decimal(0)
        if node.bad_weight:
            self.unknown.add(path)
        texts = node.texts
        standard = texts.get("standard", "")
        cell = node.cells.get("standard", node.cells["name"])
        if row is not None and row.rule is not None and row.standard == standard:
            rule, form, source = row.rule, "导出时的规则（规则工作表）", "rules_sheet"
            notes: list[str] = []
        else:
            found = standards.recognise(
                node.name, weight, standard, texts.get("explanation", ""), self.known
            )
            if isinstance(found, str):
                rule, form, source, notes = {"kind": "judgement"}, found, "not_recognised", []
            else:
                rule, form, source = found.rule, found.form, "standard"
                notes = list(found.notes) + self._declare(found, cell)
            if row is not None and row.rule is not None:
                notes.append("评分标准与规则工作表中的不同，已按评分标准重新识别")
        self.indicators.append(
            IndicatorReport(
                code=code,
                name=node.name,
                cell=cell,
                kind=rule["kind"],
                form=form,
                source=source,
                reads=_reads(rule),
                notes=notes,
            )
        )
        self.leaves.append(scores.Leaf(code, node, names))
        leaf = {"code": code, "name": node.name, "weight": str(weight), "rule": rule}
        return leaf | {k: texts[k] for k in ("explanation", "standard", "evidence") if k in texts}

    def _declare(self, found: standards.Recognised, cell: str) -> list[str]:
        """Add the facts and rates a recognised rule reads; note what the sheets lacked."""
        notes = []
        for name, (source, fmt) in found.derived.items():
            if name in self.derived:
                if self.derived[name]["formula"] != source:
                    notes.append(
                        f"“{name}”已有公式 {self.derived[name]['formula']}，未采用 {source}"
                    )
                continue
            self.facts.pop(name, None)
            self.derived[name] = {"name": name, "formula": source, "format": fmt}
            self.known[name] = source
            self.origin.setdefault(name, cell)
        for name, kind in found.facts.items():
            if name not in self.facts and name not in self.derived:
                self.facts[name] = {"name": name, "type": kind}
                self.origin.setdefault(name, cell)
                if self.extras.facts:
                    notes.append(f"数据项工作表中没有“{name}”，已按评分标准添加")
        return notes

    def validate(self, body: dict[str, Any]) -> list[Issue]:
        """Check the system like any other, each issue moved to its cell."""
        try:
            found = validate_system(IndicatorSystem.model_validate(body))
        except ValidationError as error:
            found = issues_from_validation_error(error, body)
        return [self._at(issue, body) for issue in found if not self._unchecked(issue.path)]

    def _unchecked(self, path: str) -> bool:
        if path == "total_weight":
            return "total" in self.unchecked
        return path.endswith(".weight") and path.removesuffix(".weight") in self.unchecked

    def _at(self, issue: Issue, body: dict[str, Any]) -> Issue:
        path = issue.path
        for end in range(len(path), 0, -1):
            if path[:end] in self.places and path[end : end + 1] in ("", ".", "["):
                cell, name = self.places[path[:end]]
                return Issue(path=cell, message=f"{name}：{issue.message}")
        match = re.match(r"(facts|derived)\[(\d+)\]", path)
        if match and int(match[2]) < len(body[match[1]]):
            named = body[match[1]][int(match[2])]["name"]
            cell = self.origin.get(named, self.table.grid.title)
            return Issue(path=cell, message=f"{named}：{issue.message}")
        if path == "total_weight":
            cell = self.table.total_cell or self._level1_weights()
            return Issue(path=cell, message=f"一级指标权重之和与总分不一致：{issue.message}")
        return Issue(path=self.table.grid.title, message=f"{path}：{issue.message}")

    def _level1_weights(self) -> str:
        cells = [node.cells.get("weight", node.cells["name"]) for node in self.table.tree]
        return cells[0] if len(cells) == 1 else f"{cells[0]}:{cells[-1].split('!')[-1]}"

    def report(self) -> ImportReport:
        """Return the import report."""
        return ImportReport(
            sheet=self.table.grid.title,
            header_row=self.table.header_row,
            indicators=self.indicators,
            judged=[i.code for i in self.indicators if i.source == "not_recognised"],
            facts=list(self.facts),
            derived=list(self.derived),
            notes=self.notes,
        )


def _keys(
    nodes: list[sheet.Node], parent: tuple[str, ...]
) -> list[tuple[sheet.Node, tuple[str, ...]]]:
    """Pair siblings with their keys into the rules sheet (see extras.sibling)."""
    seen: Counter[str] = Counter()
    paired = []
    for node in nodes:
        paired.append((node, (*parent, extras.sibling(node.name, seen[node.name]))))
        seen[node.name] += 1
    return paired


def _reads(rule: dict[str, Any]) -> list[str]:
    try:
        sources = rules.formulas(extras.RULE.validate_python(rule)).values()
    except ValidationError:
        return []
    names: list[str] = []
    for source in sources:
        try:
            parsed = formula.parse(source)
        except formula.FormulaError:
            continue
        names += [n for n in sorted(parsed.names, key=source.find) if n not in names]
    return names
