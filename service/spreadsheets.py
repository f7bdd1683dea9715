"""Spreadsheet files: written from ``domain.sheets`` grids (CSV with a UTF-8 BOM, XLSX with merged cells), and read.

The byte order mark is what makes Excel on a Chinese Windows read the CSV as UTF-8 instead of GBK;
the XLSX keeps the form's merged headings, borders and column widths. ``read_sheet`` reads what an
import is given: the first worksheet of an XLSX, or a CSV in UTF-8 (with or without BOM), UTF-16 or GBK.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from domain.errors import OgiError
from domain.messages import Msg
from domain.sheets import Cell, Grid

SheetCell = str | int | float | date | datetime | bool | None
"""A cell as read: text from a CSV; text, numbers, dates or booleans from a workbook."""

BOM = "\ufeff"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_MIN_WIDTH, _MAX_WIDTH = 6, 48


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    return cell.isoformat() if isinstance(cell, date) else str(cell)


def csv_text(grid: Grid) -> str:
    """The grid as CSV text starting with the BOM; merged ranges keep their text in their first cell."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    for row in grid.rows:
        writer.writerow([_text(c) for c in row])
    return out.getvalue()


def csv_bytes(grid: Grid) -> bytes:
    """``csv_text`` encoded as UTF-8 (the BOM included)."""
    return csv_text(grid).encode("utf-8")


def _display_width(text: str) -> int:
    """Columns a text takes on screen: a CJK character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write(sheet: Worksheet, grid: Grid) -> None:
    merged_cells = {
        (r, c)
        for m in grid.merges
        for r in range(m.first_row, m.last_row + 1)
        for c in range(m.first_col, m.last_col + 1)
    }
    # A text merged across columns shares their width; one merged down a single column needs that column's.
    across = {
        (r, c)
        for m in grid.merges
        if m.last_col > m.first_col
        for r in range(m.first_row, m.last_row + 1)
        for c in range(m.first_col, m.last_col + 1)
    }
    widths: dict[int, int] = {}
    for r, row in enumerate(grid.rows):
        title = r in grid.title_rows
        header = r in grid.header_rows
        in_table = not title and any(c is not None for c in row)
        for c, value in enumerate(row):
            cell = sheet.cell(row=r + 1, column=c + 1, value=value)
            if title:
                cell.font = Font(bold=True, size=12 if r == 0 else 11)
                continue
            if in_table or (r, c) in merged_cells:
                cell.border = _BORDER
            if header:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            elif isinstance(value, str):
                cell.alignment = Alignment(vertical="center", wrap_text=True)
            if value is not None and (r, c) not in across:
                widths[c] = max(widths.get(c, 0), _display_width(_text(value)))
    for m in grid.merges:
        sheet.merge_cells(
            start_row=m.first_row + 1, start_column=m.first_col + 1, end_row=m.last_row + 1, end_column=m.last_col + 1
        )
    for c in range(grid.width):
        width = min(max(widths.get(c, 0) + 2, _MIN_WIDTH), _MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(c + 1)].width = width


def xlsx_bytes(sheets: Sequence[tuple[str, Grid]]) -> bytes:
    """A workbook with one worksheet per (name, grid), in order."""
    book = Workbook()
    first = True
    for name, grid in sheets:
        sheet = book.active if first and isinstance(book.active, Worksheet) else book.create_sheet()
        first = False
        sheet.title = name
        _write(sheet, grid)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- reading --

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


class SheetError(OgiError):
    """A file that cannot be read as a sheet: the message says why and what to save it as."""


@dataclass
class Sheet:
    """A sheet's header row and its data rows, each with the line (row number) it is on in the file."""

    headers: list[SheetCell]
    header_line: int
    rows: list[tuple[int, list[SheetCell]]]
    format: str
    """``xlsx``, or ``csv`` with the encoding it was read in (``csv utf-8``, ``csv gb18030``)."""


def read_sheet(raw: bytes, source: str, max_rows: int) -> Sheet:
    """The first worksheet of an XLSX workbook, or a CSV file (UTF-8 with or without BOM, UTF-16, or GB18030/GBK).

    The header is the first row with any text; empty rows are skipped. More than ``max_rows`` data rows is refused.
    """
    if raw.startswith(XLS_MAGIC):
        msg = Msg(
            "{source} is an Excel 97-2003 workbook (.xls); save it as .xlsx or as CSV (UTF-8) and import that",
            source=source,
        )
        raise SheetError(msg)
    lines = _xlsx_lines(raw, source) if raw.startswith(XLSX_MAGIC) else _csv_lines(raw, source)
    kind, numbered = lines
    header: tuple[int, list[SheetCell]] | None = None
    rows: list[tuple[int, list[SheetCell]]] = []
    for line, cells in numbered:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        if header is None:
            header = (line, list(cells))
            continue
        rows.append((line, list(cells)))
        if len(rows) > max_rows:
            msg = Msg(
                "{source} has more than {max_rows:,} rows; import it in parts (each part is all or nothing)",
                source=source,
                max_rows=max_rows,
            )
            raise SheetError(msg)
    if header is None:
        msg = Msg(
            "{source} has no header row: the first row names the columns (see the import template)", source=source
        )
        raise SheetError(msg)
    return Sheet(headers=header[1], header_line=header[0], rows=rows, format=kind)


def _xlsx_lines(raw: bytes, source: str) -> tuple[str, list[tuple[int, list[SheetCell]]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            numbered = [
                (index, [_cell(value) for value in values])
                for index, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        finally:
            book.close()
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, SyntaxError) as exc:
        # A damaged or foreign workbook fails inside openpyxl in many ways (XML parse errors are SyntaxErrors).
        msg = Msg(
            "{source} is not a readable XLSX workbook ({kind}); save it again from Excel or WPS",
            source=source,
            kind=type(exc).__name__,
        )
        raise SheetError(msg) from None
    return "xlsx", numbered


def _cell(value: object) -> SheetCell:
    """A workbook cell as the import reads it: its value, or its text for kinds an import has no use for."""
    if value is None or isinstance(value, str | int | float | date | bool):
        return value
    return str(value)


def _csv_lines(raw: bytes, source: str) -> tuple[str, list[tuple[int, list[SheetCell]]]]:
    text, encoding = _decoded(raw, source)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    numbered: list[tuple[int, list[SheetCell]]] = []
    line = 1
    try:
        for record in reader:
            numbered.append((line, list(record)))
            line = reader.line_num + 1
    except csv.Error as exc:
        msg = Msg("{source}, line {line}: not CSV ({detail})", source=source, line=reader.line_num, detail=str(exc))
        raise SheetError(msg) from None
    return f"csv {encoding}", numbered


def _decoded(raw: bytes, source: str) -> tuple[str, str]:
    """CSV text: UTF-8 (a BOM is dropped), UTF-16 with its BOM, else GB18030 (a superset of GBK), as Excel writes it."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        msg = Msg(
            "{source} is neither UTF-8 nor GBK text (byte {byte} cannot be read); save it as CSV UTF-8 or as .xlsx",
            source=source,
            byte=exc.start + 1,  # counted from 1, as a person counts
        )
        raise SheetError(msg) from None
