"""Write an indicator system, or a scored evaluation, as XLSX in the seed layout, or as CSV.

The XLSX has merged level-1/2 cells, a frozen header, set widths, and SUM formulas for the
level-2, level-1 and total scores, so the sheet adds up in Excel too. Auxiliary sheets carry
the facts, formulas, codes and exact rules, so that importing the file gives the same system.
"""

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services.kit import cells
from services.scoring import engine, numbers, rules
from services.scoring.excel import layout
from services.scoring.system import Indicator, IndicatorSystem, walk

COLUMNS = {key: index for index, (key, _, _) in enumerate(layout.EXPORT_COLUMNS, start=1)}
FIRST_ROW = 3  # row 1: the title, row 2: the header
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
Values = Mapping[str, Decimal | bool]


def _letter(key: str) -> str:
    return get_column_letter(COLUMNS[key])


def _groups(
    system: IndicatorSystem,
) -> list[tuple[Indicator, list[tuple[Indicator, list[Indicator]]]]]:
    return [(one, [(two, list(two.children)) for two in one.children]) for one in system.indicators]


def table_rows(system: IndicatorSystem, result: engine.Result | None) -> list[dict[str, Any]]:
    """Return one row per level-3 indicator, level-1/2 cells on the first row of their group."""
    scored = {i.code: i for i in result.indicators} if result is not None else {}
    groups = {g.code: g for one in (result.groups if result else []) for g in (one, *one.children)}
    rows: list[dict[str, Any]] = []
    for one, twos in _groups(system):
        for index, (two, threes) in enumerate(twos):
            for position, three in enumerate(threes):
                row: dict[str, Any] = {"level3": three.name, "weight3": three.weight}
                if index == 0 and position == 0:
                    row |= {
                        "level1": one.name,
                        "weight1": one.weight,
                        "score1": _score(groups, one),
                    }
                if position == 0:
                    row |= {
                        "level2": two.name,
                        "weight2": two.weight,
                        "score2": _score(groups, two),
                    }
                row |= {k: getattr(three, k) for k in ("explanation", "standard", "evidence")}
                found = scored.get(three.code)
                if found is not None and found.final_score is not None:
                    row["score"] = found.final_score
                    row["rate"] = found.score_rate
                    row["reason"] = found.deduction_reason or "/"
                rows.append(row)
    return rows


def _score(groups: Mapping[str, engine.GroupResult], node: Indicator) -> Decimal | None:
    found = groups.get(node.code)
    return None if found is None else found.score


def write_xlsx(
    system: IndicatorSystem,
    result: engine.Result | None = None,
    judgements: Mapping[str, rules.Judgement] | None = None,
    facts: Values | None = None,
) -> bytes:
    """Return the XLSX of a system, scored when a result is given."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one worksheet
    sheet.title = "指标体系" if result is None else "评分表"
    last = _table(sheet, system, result)
    _extras(book, system, result, judgements or {}, facts or {})
    sheet.freeze_panes = f"A{FIRST_ROW}"
    sheet.print_title_rows = "2:2"
    for key, _, width in layout.EXPORT_COLUMNS:
        sheet.column_dimensions[_letter(key)].width = width
    for row in sheet.iter_rows(min_row=2, max_row=last, max_col=len(COLUMNS)):
        for cell in row:
            cell.border, cell.alignment = BORDER, WRAP
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(sheet: Worksheet, values: Sequence[object]) -> None:
    """Append a row of values, every text kept as text (never a formula) that Excel can hold."""
    # XML cannot carry control characters (openpyxl refuses them), so they are dropped.
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        cells.keep_text(cell)  # a name "=HYPERLINK(…)" must not run in Excel


def _table(sheet: Worksheet, system: IndicatorSystem, result: engine.Result | None) -> int:
    """Write title, header, rows, merges and formulas; return the last row of the table."""
    title = system.name if result is None else f"{system.name}（评分表）"
    _append(sheet, [title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([label for _, label, _ in layout.EXPORT_COLUMNS])
    for cell in sheet[2]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    rows = table_rows(system, result)
    for offset, row in enumerate(rows):
        number = FIRST_ROW + offset
        values = [row.get(key) for key in COLUMNS]
        values[COLUMNS["score2"] - 1] = values[COLUMNS["score1"] - 1] = None
        _append(sheet, values)
        score, weight = f"{_letter('score')}{number}", f"{_letter('weight3')}{number}"
        rate = sheet.cell(
            number, COLUMNS["rate"], f'=IF(OR({score}="",{weight}=0),"",{score}/{weight})'
        )
        rate.number_format = "0.00%"
        sheet.cell(number, COLUMNS["score"]).number_format = "0.00"
    start = FIRST_ROW
    for _, twos in _groups(system):
        first_one = start
        for _, threes in twos:
            end = start + len(threes) - 1
            _merge(sheet, start, end, ("level2", "weight2", "score2"))
            sheet.cell(
                start, COLUMNS["score2"], f"=SUM({_letter('score')}{start}:{_letter('score')}{end})"
            )
            start = end + 1
        _merge(sheet, first_one, start - 1, ("level1", "weight1", "score1"))
        column = _letter("score2")
        sheet.cell(first_one, COLUMNS["score1"], f"=SUM({column}{first_one}:{column}{start - 1})")
    return _total(sheet, start, system, result)


def _merge(sheet: Worksheet, start: int, end: int, keys: tuple[str, ...]) -> None:
    for key in keys:
        if end > start:
            sheet.merge_cells(
                start_row=start, start_column=COLUMNS[key], end_row=end, end_column=COLUMNS[key]
            )
        sheet.cell(start, COLUMNS[key]).number_format = (
            "0.00" if key.startswith("score") else "General"
        )


def _total(
    sheet: Worksheet, row: int, system: IndicatorSystem, result: engine.Result | None
) -> int:
    last = row - 1
    weight, score1 = _letter("weight1"), _letter("score1")
    sheet.cell(row, COLUMNS["level1"], "合计")
    sheet.cell(row, COLUMNS["weight1"], f"=SUM({weight}{FIRST_ROW}:{weight}{last})")
    total = sheet.cell(row, COLUMNS["score"], f"=SUM({score1}{FIRST_ROW}:{score1}{last})")
    total.number_format = "0.00"
    rate = sheet.cell(row, COLUMNS["rate"], f"={_letter('score')}{row}/{weight}{row}")
    rate.number_format = "0.00%"
    for cell in sheet[row]:
        cell.font = Font(bold=True)
    if result is not None:
        sheet.cell(row + 1, 1, "评价等级")
        cells.keep_text(sheet.cell(row + 1, 2, result.grade or "（评分未完成）"))
    return row


def _extras(
    book: Workbook,
    system: IndicatorSystem,
    result: engine.Result | None,
    judgements: Mapping[str, rules.Judgement],
    facts: Values,
) -> None:
    """Write the sheets that let an import rebuild exactly this system (and judgements)."""
    scale = system.grade_scale
    grade = scale if isinstance(scale, str) else scale.model_dump_json()
    _sheet(
        book,
        layout.SYSTEM_SHEET,
        ("项目", "值"),
        [("名称", system.name), ("总分", str(system.total_weight)), ("等级标准", grade)],
    )
    _sheet(
        book,
        layout.FACTS_SHEET,
        layout.FACT_COLUMNS,
        [
            (
                f.name,
                f.type,
                f.unit or "",
                f.description or "",
                _fact(facts.get(f.name)),
                f.role or "",
            )
            for f in system.facts
        ],
    )
    _sheet(
        book,
        layout.DERIVED_SHEET,
        layout.DERIVED_COLUMNS,
        [(d.name, d.formula, d.format) for d in system.derived],
    )
    scores = {i.code: i.final_score for i in result.indicators} if result is not None else {}
    rows = []
    for _, level, node in walk(system.indicators):
        rule = node.rule.model_dump_json(exclude_none=True) if node.rule is not None else ""
        judgement = judgements.get(node.code)
        given = judgement.model_dump_json(exclude_none=True) if judgement is not None else ""
        score = scores.get(node.code)
        rows.append(
            (
                node.code,
                level,
                node.name,
                node.standard if level == 3 else "",
                rule,
                given,
                "" if score is None else score,
            )
        )
    _sheet(book, layout.RULES_SHEET, layout.RULE_COLUMNS, rows)


def _fact(value: Decimal | bool | None) -> object:
    if value is None:
        return ""
    return ("是" if value else "否") if isinstance(value, bool) else value


def _sheet(
    book: Workbook, title: str, header: tuple[str, ...], rows: Sequence[Sequence[object]]
) -> None:
    sheet = book.create_sheet(title)
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        _append(sheet, row)
    sheet.freeze_panes = "A2"
    for index in range(1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 24


def write_csv(system: IndicatorSystem, result: engine.Result | None = None) -> bytes:
    """Return the table as CSV, UTF-8 with a BOM so that Excel shows the Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cells.csv_text(system.name)])
    writer.writerow([label for _, label, _ in layout.EXPORT_COLUMNS])
    for row in table_rows(system, result):
        writer.writerow([_csv(key, row.get(key)) for key in COLUMNS])
    total = {"level1": "合计", "weight1": system.total_weight}
    if result is not None:
        total |= {"score": result.total, "rate": result.score_rate}
    writer.writerow([_csv(key, total.get(key)) for key in COLUMNS])
    if result is not None:
        writer.writerow(["评价等级", cells.csv_text(result.grade or "（评分未完成）")])
    return buffer.getvalue().encode("utf-8-sig")


def _csv(key: str, value: object) -> str:
    """Print a number as a number (-5 stays -5), and a text so that it cannot run as a formula."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return numbers.as_percent(value) if key == "rate" else numbers.as_number(value)
    return cells.csv_text(str(value))
