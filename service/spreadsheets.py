"""Spreadsheet files from ``domain.sheets`` grids: CSV with a UTF-8 BOM, and XLSX with the merged cells.

The byte order mark is what makes Excel on a Chinese Windows read the CSV as UTF-8 instead of GBK;
the XLSX keeps the form's merged headings, borders and column widths.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from domain.sheets import Cell, Grid

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
