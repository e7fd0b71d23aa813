"""Write many scored evaluations of one system as one summary sheet: a row per project.

Level-3 scores are values; level-2, level-1 and total scores are SUM formulas over their
children's columns. Written in openpyxl's write-only mode so thousands of rows stay fast.
"""

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from services.kit import cells
from services.scoring import engine, numbers
from services.scoring.system import IndicatorSystem

FIXED = ("项目", "等级", "总分")


def _columns(system: IndicatorSystem) -> list[tuple[str, str, list[str]]]:
    """Return (code, heading, child codes) for each level-1, level-2, then level-3 column."""
    ones = [
        (o.code, f"{o.name}（{o.weight}）", [t.code for t in o.children]) for o in system.indicators
    ]
    twos = [
        (t.code, f"{t.name}（{t.weight}）", [h.code for h in t.children])
        for o in system.indicators
        for t in o.children
    ]
    threes: list[tuple[str, str, list[str]]] = [
        (h.code, f"{h.code} {h.name}（{h.weight}）", [])
        for o in system.indicators
        for t in o.children
        for h in t.children
    ]
    return ones + twos + threes


def write_xlsx(system: IndicatorSystem, items: Sequence[tuple[str, engine.Result]]) -> bytes:
    """Return one XLSX row per (project label, result), with SUM formulas for the totals."""
    book = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = book.create_sheet("评分汇总")
    columns = _columns(system)
    letters = {
        code: get_column_letter(len(FIXED) + i + 1) for i, (code, _, _) in enumerate(columns)
    }
    sheet.freeze_panes = "B2"
    # Write-only sheets have column dimensions at run time; the stubs do not declare them.
    dimensions: Any = sheet
    dimensions.column_dimensions["A"].width = 30
    for index in range(len(FIXED) + 1, len(FIXED) + len(columns) + 1):
        dimensions.column_dimensions[get_column_letter(index)].width = 12
    bold = Font(bold=True)
    header = []
    for label in [*FIXED, *(heading for _, heading, _ in columns)]:
        cell = WriteOnlyCell(sheet, label)
        cell.font = bold
        cells.keep_text(cell)  # headings start with indicator names, which are anyone's text
        header.append(cell)
    sheet.append(header)
    ones = [letters[o.code] for o in system.indicators]
    for row, (label, result) in enumerate(items, start=2):
        scores = {i.code: i.final_score for i in result.indicators}
        values: list[object] = [
            _text(sheet, label),
            _text(sheet, result.grade or "（未完成）"),
            _sum_of(ones, row),
        ]
        for code, _, children in columns:
            if children:
                values.append(_sum_of([letters[c] for c in children], row))
            else:
                values.append(scores.get(code))
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(sheet: WriteOnlyWorksheet, value: str) -> object:
    """Return a project label or grade as a cell that stays text, never a formula."""
    cell = WriteOnlyCell(sheet, value)
    cells.keep_text(cell)
    return cell


def _sum_of(letters: list[str], row: int) -> str:
    if len(letters) > 1 and _consecutive(letters):
        return f"=SUM({letters[0]}{row}:{letters[-1]}{row})"
    return "=SUM(" + ",".join(f"{letter}{row}" for letter in letters) + ")"


def _consecutive(letters: list[str]) -> bool:
    indexes = [column_index_from_string(letter) for letter in letters]
    return indexes == list(range(indexes[0], indexes[0] + len(indexes)))


def write_csv(system: IndicatorSystem, items: Sequence[tuple[str, engine.Result]]) -> bytes:
    """Return the same summary as CSV (UTF-8 with BOM), the sums as numbers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = _columns(system)
    writer.writerow([*FIXED, *(cells.csv_text(heading) for _, heading, _ in columns)])
    for label, result in items:
        scores: dict[str, Decimal | None] = {
            g.code: g.score for one in result.groups for g in (one, *one.children)
        }
        scores |= {i.code: i.final_score for i in result.indicators}
        # Texts cannot run as formulas; numbers stay numbers (-5, not '-5).
        grade = cells.csv_text(result.grade or "（未完成）")
        row = [cells.csv_text(label), grade, numbers.as_number(result.total)]
        for code, _, _ in columns:
            score = scores.get(code)
            row.append("" if score is None else numbers.as_number(score))
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8-sig")
