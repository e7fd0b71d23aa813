"""Spreadsheet cells open safely: would-be formulas stay text, and CSV text round-trips."""

import pytest
from openpyxl import Workbook

from services.kit import cells


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")'),
        ("+86 138", "'+86 138"),
        ("-扣2分", "'-扣2分"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("'=1", "''=1"),  # already quoted by its author: one more, so reading gives it back
        ("兴宁市应急管理局", "兴宁市应急管理局"),
        ("'引用", "'引用"),
        ("", ""),
    ],
)
def test_csv_text_quotes_would_be_formulas_and_reads_back(text: str, written: str) -> None:
    assert cells.csv_text(text) == written
    assert cells.from_csv(written) == text


def test_an_xlsx_cell_that_would_run_is_kept_as_text_and_others_are_left_alone() -> None:
    sheet = Workbook().active
    assert sheet is not None
    formula, name, number = sheet["A1"], sheet["A2"], sheet["A3"]
    formula.value, name.value, number.value = "=1+1", "兴宁", -5
    assert formula.data_type == "f"  # what openpyxl does on its own
    for cell in (formula, name, number):
        cells.keep_text(cell)
    assert (formula.data_type, formula.quotePrefix, formula.value) == ("s", True, "=1+1")
    assert (name.data_type, name.quotePrefix) == ("s", False)
    assert (number.data_type, number.value) == ("n", -5)
