"""Read facts for one or many projects from CSV or XLSX: one row per project, one column per fact.

A project is named by a 项目名称 column (a new project) or a 项目ID column (an existing one).
Every unknown column and bad value is reported at its Excel address; the caller decides
whether the good rows are kept.
"""

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from services.scoring.engine import values
from services.scoring.excel import layout, workbook
from services.scoring.system import FactType, Issue

KEYS = {
    "id": ("项目ID", "项目id", "ID", "id", "project_id"),
    "name": ("项目名称", "项目", "名称", "name"),
    "year": ("年度", "年份", "year"),
    "implementing_unit": ("实施单位", "implementing_unit"),
    "commissioning_unit": ("委托单位", "commissioning_unit"),
}
TRUE = frozenset({"是", "true", "TRUE", "True", "1", "Y", "y", "yes"})
FALSE = frozenset({"否", "false", "FALSE", "False", "0", "N", "n", "no"})
MIN_YEAR, MAX_YEAR = 1990, 2100


@dataclass
class Row:
    """One project's row: who it is and the facts given (blank cells give none)."""

    number: int
    cells: dict[str, str]  # key or fact name: its address
    id: uuid.UUID | None = None
    name: str | None = None
    year: int | None = None
    implementing_unit: str | None = None
    commissioning_unit: str | None = None
    facts: dict[str, Decimal | bool] = field(default_factory=dict)


@dataclass
class FactsSheet:
    """Every row that could be read, and each problem by cell; `bad` are the rows at fault."""

    sheet: str
    rows: list[Row] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    bad: set[int] = field(default_factory=set)

    def good(self) -> list[Row]:
        """Return the rows without a problem."""
        return [row for row in self.rows if row.number not in self.bad]


def _rows(data: bytes, sheet_name: str | None) -> tuple[str, Iterator[tuple[object, ...]]]:
    if not workbook.is_xlsx(data):
        return workbook.CSV_SHEET, (tuple(row) for row in workbook.read_csv(data))
    book = workbook.load(data, read_only=True)
    if sheet_name is not None and sheet_name not in book.sheetnames:
        raise workbook.Unreadable(f"the workbook has no sheet named {sheet_name!r}")
    sheet = book[sheet_name] if sheet_name else book.worksheets[0]
    return sheet.title, workbook.rows_of(sheet)


def read_facts(
    data: bytes, types: Mapping[str, FactType] | None = None, sheet_name: str | None = None
) -> FactsSheet:
    """Read every project row; with `types` (a system's facts) columns and values are checked."""
    title, rows = _rows(data, sheet_name)
    found = FactsSheet(title)
    header: list[tuple[int, str]] = []
    for number, values_ in enumerate(rows, start=1):
        if number > workbook.MAX_ROWS:
            raise workbook.TooLarge(f"at most {workbook.MAX_ROWS} rows are read")
        cells = [layout.text(v) for v in values_]
        if not header:
            if any(cells):
                header = _header(found, number, cells, types)
            continue
        if any(cells[col - 1] for col, _ in header if col <= len(cells)):
            found.rows.append(_row(found, number, values_, header, types))
    if not header:
        found.issues.append(Issue(path=f"{title}!A1", message="没有标题行"))
    return found


def _key(label: str) -> str | None:
    return next((key for key, names in KEYS.items() if label in names), None)


def _header(
    found: FactsSheet, row: int, cells: list[str], types: Mapping[str, FactType] | None
) -> list[tuple[int, str]]:
    header: list[tuple[int, str]] = []
    seen: set[str] = set()
    for col, label in enumerate(cells, start=1):
        if not label:
            continue
        where = workbook.cell_address(found.sheet, row, col)
        key = _key(label) or label
        if key in seen:
            found.issues.append(Issue(path=where, message=f"列“{label}”重复"))
        elif key not in KEYS and types is not None and label not in types:
            found.issues.append(Issue(path=where, message=f"未知的数据项“{label}”：指标体系中没有"))
        else:
            header.append((col, key))
        seen.add(key)
    if not {"id", "name"} & seen:
        message = "缺少项目名称（或项目ID）列"
        found.issues.append(Issue(path=workbook.cell_address(found.sheet, row, 1), message=message))
    return header


def _row(
    found: FactsSheet,
    number: int,
    cells: tuple[object, ...],
    header: list[tuple[int, str]],
    types: Mapping[str, FactType] | None,
) -> Row:
    row = Row(number, {})
    for col, key in header:
        value = cells[col - 1] if col <= len(cells) else None
        where = workbook.cell_address(found.sheet, number, col)
        row.cells[key] = where
        problem = _store(row, key, value, None if types is None else types.get(key))
        if problem is not None:
            label = next((names[0] for k, names in KEYS.items() if k == key), key)
            found.issues.append(Issue(path=where, message=f"{label}：{problem}"))
            found.bad.add(number)
    if row.id is None and not row.name:
        where = row.cells.get("name") or row.cells.get("id") or f"{found.sheet}!A{number}"
        found.issues.append(Issue(path=where, message="缺少项目名称"))
        found.bad.add(number)
    return row


def _store(row: Row, key: str, value: object, kind: FactType | None) -> str | None:
    """Put one cell into the row; return what is wrong with it, if anything."""
    text = layout.text(value)
    if not text:
        return None
    if key == "id":
        try:
            row.id = uuid.UUID(text)
        except ValueError:
            return f"不是有效的项目ID：{text!r}"
    elif key == "year":
        year = layout.number(value)
        if year is None or year != year.to_integral_value() or not MIN_YEAR <= year <= MAX_YEAR:
            return f"年度应为{MIN_YEAR}—{MAX_YEAR}之间的整数，不是 {text!r}"
        row.year = int(year)
    elif key in ("name", "implementing_unit", "commissioning_unit"):
        if len(text) > 500:
            return "超过500个字"
        setattr(row, key, text)
    else:
        parsed = fact_value(value, kind)
        if isinstance(parsed, str):
            return parsed
        row.facts[key] = parsed
    return None


def fact_value(value: object, kind: FactType | None) -> Decimal | bool | str:
    """Read a fact cell by its type: 是/否, 98.72% or 0.9872, 1,234.5; a message when it cannot."""
    text = layout.text(value)
    if isinstance(value, bool) or kind == "boolean":
        if isinstance(value, bool):
            return value
        if text in TRUE or text in FALSE:
            return text in TRUE
        return f"应为 是 或 否，不是 {text!r}"
    raw = text.replace(",", "").replace("，", "")
    percent = raw.endswith(("%", "％"))
    try:
        number = (
            Decimal(raw.rstrip("%％").strip())
            if not isinstance(value, int | float)
            else Decimal(str(value))
        )
    except InvalidOperation:
        return f"应为数字，不是 {text!r}"
    if not layout.readable(number):
        return f"应为数字，不是 {text!r}"
    if number.is_zero():
        number = Decimal(0)  # 0E-99999999 is zero too, without a hundred million places
    if percent:
        number = layout.plain(number / 100)
    if kind is None:
        return number
    problem = values.fact_problem(kind, number)
    return number if problem is None else f"{problem}（{text}）"
