"""Open uploaded spreadsheets safely: size and zip-bomb limits, XLSX or CSV, into plain grids.

openpyxl (and the numpy it loads) is imported with the first workbook, not with the service:
it is a tenth of the scoring process's idle memory.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from services.kit import archives, cells

if TYPE_CHECKING:
    import openpyxl
    from openpyxl.worksheet.worksheet import Worksheet

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = archives.MAX_UNPACKED_BYTES
MAX_MEMBERS = archives.MAX_MEMBERS
MAX_ROWS = 20_000
MAX_COLUMNS = 500
CSV_SHEET = "CSV"
XLSX_MAGIC = b"PK\x03\x04"


class TooLarge(ValueError):
    """The file, or what it unpacks to, is over a limit (HTTP 413)."""


class Unreadable(ValueError):
    """The file is not a spreadsheet this service can read (HTTP 422)."""


@dataclass(frozen=True)
class Merge:
    """A merged range, 1-based and inclusive."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def rows(self) -> range:
        """Return the rows the range covers."""
        return range(self.min_row, self.max_row + 1)


@dataclass
class Grid:
    """One sheet as values (row 1 is rows[0]), with its merged ranges and auxiliary sheets."""

    title: str
    rows: list[list[object]]
    merges: list[Merge] = field(default_factory=list)
    others: dict[str, list[list[object]]] = field(default_factory=dict)

    def value(self, row: int, col: int) -> object:
        """Return the value at a 1-based cell, None beyond the data."""
        if row < 1 or row > len(self.rows) or col < 1:
            return None
        values = self.rows[row - 1]
        return values[col - 1] if col <= len(values) else None

    def address(self, row: int, col: int) -> str:
        """Return the cell's Excel address with its sheet: Sheet1!D7."""
        return cell_address(self.title, row, col)

    def merge_at(self, row: int, col: int) -> Merge | None:
        """Return the merged range that covers a cell, if any."""
        for merge in self.merges:
            if merge.min_row <= row <= merge.max_row and merge.min_col <= col <= merge.max_col:
                return merge
        return None


def cell_address(sheet: str, row: int, col: int) -> str:
    """Return an Excel address, quoting a sheet name that needs it: 'My sheet'!B3."""
    from openpyxl.utils import get_column_letter

    name = sheet if re.fullmatch(r"\w+", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{name}!{get_column_letter(col)}{row}"


def range_address(sheet: str, merge: Merge) -> str:
    """Return a merged range's address: Sheet1!A3:A8."""
    from openpyxl.utils import get_column_letter

    end = f"{get_column_letter(merge.max_col)}{merge.max_row}"
    return f"{cell_address(sheet, merge.min_row, merge.min_col)}:{end}"


def is_xlsx(data: bytes) -> bool:
    """Tell an XLSX (a zip archive) from a CSV by its first bytes."""
    return data.startswith(XLSX_MAGIC)


def check_archive(data: bytes) -> None:
    """Refuse a file over the upload limit, or an archive that unpacks too big or too many."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge(f"the file has {len(data)} bytes; at most {MAX_UPLOAD_BYTES} are accepted")
    try:
        archives.check_zip(data, MAX_MEMBERS, MAX_UNCOMPRESSED_BYTES)
    except archives.NotZip:
        raise Unreadable("not an XLSX file: it is not a zip archive") from None
    except archives.Oversized as error:
        raise TooLarge(f"the XLSX is too large: {error}") from None


def load(data: bytes, read_only: bool) -> openpyxl.Workbook:
    """Open checked XLSX bytes with openpyxl (formulas kept as text)."""
    import openpyxl

    check_archive(data)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=False)
    except Exception as error:  # a damaged package: openpyxl raises a dozen kinds (issue #8)
        raise Unreadable(f"not a readable XLSX file: {_reason(error)}") from None


def rows_of(sheet: Worksheet) -> Iterator[tuple[object, ...]]:
    """Yield a sheet's rows of values; Unreadable when its XML breaks off on the way."""
    # A read-only sheet parses its XML while it is iterated, so damage shows up only here.
    try:
        yield from sheet.iter_rows(values_only=True)
    except Exception as error:
        raise Unreadable(f"not a readable XLSX file: {_reason(error)}") from None


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _values(sheet: Worksheet) -> list[list[object]]:
    if sheet.max_row > MAX_ROWS or sheet.max_column > MAX_COLUMNS:
        raise TooLarge(
            f"sheet {sheet.title!r} has {sheet.max_row} rows and {sheet.max_column} columns; "
            f"at most {MAX_ROWS} and {MAX_COLUMNS} are read"
        )
    return [list(row) for row in rows_of(sheet)]


def read_grids(data: bytes, name: str | None = None) -> list[Grid]:
    """Read every sheet of an XLSX (with merges), or a CSV as one sheet named CSV."""
    if not is_xlsx(data):
        return [Grid(CSV_SHEET, read_csv(data))]
    book = load(data, read_only=False)
    sheets = [sheet for sheet in book.worksheets if name is None or sheet.title == name]
    if not sheets:
        raise Unreadable(f"the workbook has no sheet named {name!r}")
    everything = {sheet.title: _values(sheet) for sheet in book.worksheets}
    return [
        Grid(
            sheet.title,
            everything[sheet.title],
            [Merge(r.min_row, r.min_col, r.max_row, r.max_col) for r in sheet.merged_cells.ranges],
            {title: rows for title, rows in everything.items() if title != sheet.title},
        )
        for sheet in sheets
    ]


def decode_csv(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 with or without BOM, else GB18030 (Excel's Chinese default)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge(f"the file has {len(data)} bytes; at most {MAX_UPLOAD_BYTES} are accepted")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("the CSV is neither UTF-8 nor GB18030 text")


def read_csv(data: bytes) -> list[list[object]]:
    """Read CSV rows as strings, without the ' an export puts before a would-be formula."""
    rows: list[list[object]] = []
    try:
        for row in csv.reader(io.StringIO(decode_csv(data), newline="")):
            if len(rows) >= MAX_ROWS or len(row) > MAX_COLUMNS:
                raise TooLarge(f"at most {MAX_ROWS} rows of {MAX_COLUMNS} columns are read")
            rows.append([cells.from_csv(cell) for cell in row])  # exports mark formulas
    except csv.Error as error:
        raise Unreadable(f"not a readable CSV file: {error}") from None
    return rows
