"""Read an indicator table in the seed layout into a tree, with every cell's Excel address.

Level-1 and level-2 cells are merged or left blank below their first row; each level-3
indicator takes one row. Problems are collected cell by cell, never stopping at the first.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from services.scoring.excel import layout
from services.scoring.excel.workbook import Grid, Merge, range_address
from services.scoring.system import Issue

HEADER_SEARCH_ROWS = 30
LEVEL_LABELS = ("一级指标", "二级指标", "三级指标")
# Columns a level-3 row owns alone; explanation and evidence may be merged (shared text).
ONE_ROW = ("level3", "weight3", "standard", "score", "rate", "reason")
SHARED = ("explanation", "evidence")


class NoTable(ValueError):
    """No sheet has the header row of an indicator table."""


@dataclass
class Node:
    """An indicator read from the sheet; level 3 carries the texts and the evaluator's score."""

    level: int
    name: str
    row: int
    weight: Decimal | None = None  # None: the sum of the children
    bad_weight: bool = False
    cells: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    score: object = None
    children: list["Node"] = field(default_factory=list)
    last_row: int = 0


@dataclass
class Table:
    """The indicator tree of one sheet, and what was wrong or left aside while reading it."""

    grid: Grid
    header_row: int
    columns: dict[str, int]
    tree: list[Node] = field(default_factory=list)
    total: Decimal | None = None
    total_cell: str | None = None
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, row: int, key: str, message: str) -> None:
        """Record a problem at the cell of a column."""
        self.issues.append(Issue(path=self.grid.address(row, self.columns[key]), message=message))


def find_header(grid: Grid) -> tuple[int, dict[str, int], list[str]]:
    """Return the header row, the column of each key, and the header texts left aside."""
    for row in range(1, min(len(grid.rows), HEADER_SEARCH_ROWS) + 1):
        keys = [layout.header_key(v) for v in grid.rows[row - 1]]
        if "level1" not in keys or "level3" not in keys:
            continue
        columns: dict[str, int] = {}
        ignored: list[str] = []
        level = 0
        for col, key in enumerate(keys, start=1):
            if key in layout.LEVEL_NAMES:
                level = layout.LEVEL_NAMES.index(key) + 1
            if key == "weight" and level and f"weight{level}" not in columns:
                key = f"weight{level}"
            if key is None or key == "weight" or key in columns:
                if layout.text(grid.value(row, col)):
                    ignored.append(grid.address(row, col))
                continue
            columns[key] = col
        return row, columns, ignored
    raise NoTable(f"sheet {grid.title!r} has no header row with 一级指标 and 三级指标")


def parse(grid: Grid) -> Table:
    """Read the table of a sheet: the tree, the total row, and every problem by cell."""
    header, columns, ignored = find_header(grid)
    table = Table(grid, header, columns)
    if ignored:
        table.notes.append("未识别的列（忽略）：" + "、".join(ignored))
    if "level2" not in columns:
        raise NoTable(f"sheet {grid.title!r} has no 二级指标 column")
    _check_merges(table)
    current: list[Node | None] = [None, None]
    for row in range(header + 1, len(grid.rows) + 1):
        values = {key: grid.value(row, col) for key, col in columns.items()}
        if not any(layout.text(v) for v in values.values()):
            continue
        first = next((layout.squeeze(values[k]) for k in layout.LEVEL_NAMES if values.get(k)), "")
        if first in LEVEL_LABELS:
            continue  # the header repeated at a page break
        if first in layout.TOTAL_LABELS and _names_no_leaf(values):
            _total(table, row, values)
            break
        _read_row(table, row, values, current)
    for one in table.tree:
        _close(table, one)
    return table


def _check_merges(table: Table) -> None:
    """Refuse merges that cross columns, or that span rows in a level-3 column."""
    grid, columns = table.grid, table.columns
    owned = {col: key for key, col in columns.items()}
    for merge in grid.merges:
        if merge.max_row <= table.header_row:
            continue  # the title above the header
        keys = [owned[c] for c in range(merge.min_col, merge.max_col + 1) if c in owned]
        if not keys:
            continue
        where = range_address(grid.title, merge)
        if merge.max_col > merge.min_col and not _total_row(grid, merge.min_row, columns):
            table.issues.append(Issue(path=where, message=_OUT_OF_PLACE + "它跨越了多列"))
        elif merge.max_row > merge.min_row and keys[0] in ONE_ROW:
            message = _OUT_OF_PLACE + "每个三级指标只占一行，此列不能跨行合并"
            table.issues.append(Issue(path=where, message=message))


_OUT_OF_PLACE = "合并单元格位置不对："


def _names_no_leaf(values: dict[str, object]) -> bool:
    """Tell a total row (合计 | 100 | / | 100 | / | 100) from a group or leaf named 合计."""
    # A level-1 or level-2 indicator named 总计 has a level-3 name on its first row; the total
    # row has none, or a placeholder such as "/".
    return not any(ch.isalnum() for ch in layout.text(values.get("level3")))


def _total_row(grid: Grid, row: int, columns: dict[str, int]) -> bool:
    cells = (layout.squeeze(grid.value(row, columns[k])) for k in layout.LEVEL_NAMES)
    return any(cell in layout.TOTAL_LABELS for cell in cells)


def _total(table: Table, row: int, values: dict[str, object]) -> None:
    for key in layout.LEVEL_WEIGHTS:
        value = values.get(key)
        if layout.text(value) and not layout.is_formula(value):
            table.total = layout.number(value)
            table.total_cell = table.grid.address(row, table.columns[key])
            if table.total is None:
                table.problem(row, key, f"合计的权重应为数字，不是 {layout.text(value)!r}")
            return


def _read_row(
    table: Table, row: int, values: dict[str, object], current: list[Node | None]
) -> None:
    parents: list[Node] = []
    for level in (1, 2):
        node = _group(table, row, level, current[level - 1], parents)
        if node is None:
            return
        if node is not current[level - 1]:
            (parents[-1].children if parents else table.tree).append(node)
            current[level - 1] = node
            if level == 1:
                current[1] = None
        parents.append(node)
    parents[-1].children.append(_leaf(table, row, values))


def _group(
    table: Table, row: int, level: int, current: Node | None, parents: list[Node]
) -> Node | None:
    """Return the group this row belongs to at a level: the current one or a new one."""
    grid, key = table.grid, layout.LEVEL_NAMES[level - 1]
    col = table.columns[key]
    merge = grid.merge_at(row, col)
    value = grid.value(row, col)
    parent_new = bool(parents) and parents[-1].row == row
    label = LEVEL_LABELS[level - 1]
    if (merge is not None and merge.min_row < row) or not layout.text(value):
        if parent_new or current is None:
            if merge is not None and merge.min_row < row:
                message = f"{_OUT_OF_PLACE}{label}跨越了上级指标的边界（第{row}行起是新的上级指标）"
                table.issues.append(Issue(path=range_address(grid.title, merge), message=message))
            else:
                table.problem(row, key, f"缺少{label}：每组的第一行须填写{label}名称")
            return _new(table, row, level, f"（第{row}行）")
        return current
    # An export writes each group's name once, merged over its rows: there, a name written
    # again is a sibling of the same name (one row long), not the group's name repeated.
    exported = layout.RULES_SHEET in grid.others
    if current is not None and not parent_new and merge is None and not exported:
        found = layout.named(value)
        weight = (
            grid.value(row, table.columns[layout.LEVEL_WEIGHTS[level - 1]])
            if (layout.LEVEL_WEIGHTS[level - 1] in table.columns)
            else None
        )
        repeated = not layout.text(weight) or layout.number(weight) == current.weight
        if found.name == current.name and repeated:
            return current  # the name written again on every row
    return _new(table, row, level, None)


def _new(table: Table, row: int, level: int, placeholder: str | None) -> Node:
    """Start a level-1 or level-2 group at this row, reading its name and weight."""
    grid, key = table.grid, layout.LEVEL_NAMES[level - 1]
    found = layout.named(grid.value(row, table.columns[key]))
    node = Node(level, placeholder or found.name, row)
    node.cells["name"] = grid.address(row, table.columns[key])
    weight_key = layout.LEVEL_WEIGHTS[level - 1]
    node.weight = found.points
    if weight_key in table.columns:
        node.cells["weight"] = grid.address(row, table.columns[weight_key])
        _weight(table, node, row, weight_key, found.points)
    return node


def _weight(table: Table, node: Node, row: int, key: str, points: Decimal | None) -> None:
    value = table.grid.value(row, table.columns[key])
    if not layout.text(value) or layout.is_formula(value):
        if node.level == 3:
            table.problem(row, key, "缺少权重：三级指标须填写权重（数字）")
            node.bad_weight = True
        return  # a parent without a weight takes the sum of its children
    weight = layout.number(value)
    if weight is None or weight < 0:
        table.problem(row, key, f"权重应为不小于0的数字，不是 {layout.text(value)!r}")
        node.bad_weight = True
    elif points is not None and points != weight:
        table.problem(row, key, f"权重 {weight} 与名称中的（{points}分）不一致")
        node.bad_weight = True
    node.weight = weight


def _leaf(table: Table, row: int, values: dict[str, object]) -> Node:
    grid, columns = table.grid, table.columns
    name = layout.text(values.get("level3"))
    if not name:
        table.problem(row, "level3", "缺少三级指标名称")
    node = Node(3, name or f"（第{row}行）", row)
    node.cells["name"] = grid.address(row, columns["level3"])
    if "weight3" not in columns:
        raise NoTable(f"sheet {grid.title!r} has no weight column for 三级指标")
    node.cells["weight"] = grid.address(row, columns["weight3"])
    _weight(table, node, row, "weight3", None)
    for key in ("explanation", "standard", "evidence", "reason"):
        if key in columns:
            value = values.get(key)
            merge = grid.merge_at(row, columns[key])
            if key in SHARED and merge is not None and merge.min_row < row:
                value = grid.value(merge.min_row, merge.min_col)
            node.texts[key] = layout.text(value)
            node.cells[key] = grid.address(row, columns[key])
    if "score" in columns:
        node.score = values.get("score")
        node.cells["score"] = grid.address(row, columns["score"])
    node.last_row = row
    return node


def _close(table: Table, node: Node) -> None:
    """Set each group's last row, check its weight merges, and check it has children."""
    for child in node.children:
        _close(table, child)
    if node.level == 3:
        return
    node.last_row = max(child.last_row for child in node.children) if node.children else node.row
    key = layout.LEVEL_WEIGHTS[node.level - 1]
    if key not in table.columns:
        return
    col, label = table.columns[key], LEVEL_LABELS[node.level - 1]
    for row in range(node.row + 1, node.last_row + 1):
        merge = table.grid.merge_at(row, col)
        value = table.grid.value(row, col)
        if merge is not None and merge.min_row == row:
            _misplaced(table, merge, f"权重的合并范围从{label}“{node.name}”的中间开始")
        elif merge is None and layout.text(value) and layout.number(value) != node.weight:
            table.problem(row, key, f"{label}“{node.name}”的权重只填在第一行")
    merge = table.grid.merge_at(node.row, col)
    name = table.grid.merge_at(node.row, table.columns[layout.LEVEL_NAMES[node.level - 1]])
    if merge is not None and not _inside(merge, name, node):
        _misplaced(table, merge, f"权重的合并范围与{label}“{node.name}”的行不一致")


def _misplaced(table: Table, merge: Merge, message: str) -> None:
    path = range_address(table.grid.title, merge)
    table.issues.append(Issue(path=path, message=_OUT_OF_PLACE + message))


def _inside(merge: Merge, name: Merge | None, node: Node) -> bool:
    """Tell whether a weight merge covers its group's rows (exactly the name's, when merged)."""
    if merge.min_row != node.row:
        return False
    return merge.max_row == name.max_row if name is not None else merge.max_row <= node.last_row
