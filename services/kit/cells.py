"""Spreadsheet cells that open safely: a text that would run as a formula stays a text.

Excel and WPS run a CSV cell, or an XLSX cell openpyxl wrote as a formula, that starts with one
of FORMULA_STARTS; a respondent's or a project's "=HYPERLINK(…)" must reach the evaluator as
text (OWASP, CSV injection). Numbers stay numbers: a -5 is written as -5.
"""

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def runs_as_formula(value: object) -> bool:
    """Tell whether a spreadsheet would run this value as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_text(value: str) -> str:
    """Return text for a CSV cell: a leading ' makes a would-be formula plain text."""
    # A text that already starts with ' before such a character gets one more, so that
    # from_csv() gives back exactly what was written.
    return "'" + value if value.lstrip("'").startswith(FORMULA_STARTS) else value


def from_csv(value: str) -> str:
    """Undo csv_text(): drop the ' that marks a would-be formula as text."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def keep_text(cell: Any) -> None:
    """Store a text that would start a formula as a string cell that Excel shows as text.

    `cell` is an openpyxl cell (openpyxl loads only with the first export, not with the kit).
    """
    if runs_as_formula(cell.value):
        cell.data_type = "s"  # openpyxl makes "=HYPERLINK(…)" a formula, and Excel runs it
        cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
