"""Exports for evaluators: raw answers and the distribution table (seed 001's 表3), CSV or XLSX."""

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from services.kit import cells
from services.survey import questionnaire as q
from services.survey.models import SheetRecord
from services.survey.results import Results

Cell = str | int | Decimal | None
REVIEW = {"accepted": "有效", "has_issues": "存疑", "rejected": "无效"}


def answers_table(
    form: q.Questionnaire, sheets: Iterable[SheetRecord]
) -> tuple[list[str], list[list[Cell]]]:
    """Return one row per sheet: when, review, group, header fields, then every answer."""
    header = ["答卷编号", "提交时间", "填写时间", "审核", "审核备注", "受访群体"]
    header += [field.label for field in form.header]
    header += [f"{question.code}. {question.text}" for question in form.questions]
    points = form.method == "points"
    if points:
        header.append("合计")
    rows: list[list[Cell]] = []
    for sheet in sheets:
        given = sheet.body.get("answers", {})
        fields = sheet.body.get("header", {})
        row: list[Cell] = [
            str(sheet.id),
            sheet.received_at.isoformat(timespec="seconds"),
            sheet.answered_at.isoformat(timespec="seconds") if sheet.answered_at else None,
            REVIEW.get(sheet.review, sheet.review),
            sheet.note,
            sheet.respondent_group,
        ]
        row += [fields.get(field.code) for field in form.header]
        row += [given.get(question.code) for question in form.questions]
        if points:
            row.append(Decimal(sheet.score_total) / 100)
        rows.append(row)
    return header, rows


def distribution_table(
    form: q.Questionnaire, results: Results
) -> tuple[list[str], list[list[Cell]]]:
    """Return the counts per level: seed 001's 表3 when every question has the same levels."""
    labels = {tuple(r.counts) for r in results.questions if r.kind == "likert"}
    if len(labels) == 1 and all(r.kind == "likert" for r in results.questions):
        (levels,) = labels
        header = ["题号", "事项", *levels, "回答数", "满意度"]
        rows: list[list[Cell]] = [
            [r.code, r.text, *r.counts.values(), r.n, r.satisfaction_percent]
            for r in results.questions
        ]
        rows.append(["", "合计", *([""] * len(levels)), results.n, results.satisfaction_percent])
        return header, rows
    header = ["题号", "事项", "等级", "人数", "占比"]
    rows = []
    for r in results.questions:
        for label, count in r.counts.items():
            share = f"{Decimal(count * 100) / r.n:.2f}%" if r.n else None
            rows.append([r.code, r.text, label, count, share])
        if r.mean is not None:
            rows.append([r.code, r.text, "平均分", r.mean, r.satisfaction_percent])
    if results.mean is not None:
        rows.append(["", "合计", "平均分", results.mean, results.satisfaction_percent])
    elif results.satisfaction_percent is not None:
        rows.append(["", "合计", "满意度", results.n, results.satisfaction_percent])
    return header, rows


def _csv(cell: Cell) -> Cell:
    """Return a cell for CSV: a text that would run as a formula gets a leading ' (OWASP)."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cells.csv_text(cell)
    return cell  # numbers stay numbers: a score of -5 would be -5, not '-5


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """Write a table as CSV in UTF-8 with a BOM, so Excel shows the Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv(cell) for cell in header])
    writer.writerows([_csv(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """Write a table as an XLSX workbook of one sheet, every text a text cell."""
    from openpyxl import Workbook  # loaded with the first export: it costs ~10 MB idle
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])

    def written(row: Sequence[Cell]) -> list[object]:
        out: list[object] = []
        for value in row:
            if isinstance(value, str) and cells.runs_as_formula(value):
                cell = WriteOnlyCell(sheet, value)
                cells.keep_text(cell)
                out.append(cell)
            else:
                out.append(value)
        return out

    sheet.append(written(header))
    for row in rows:
        sheet.append(written(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
