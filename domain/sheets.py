"""A spreadsheet as data: rows of cells and merged ranges, written as CSV or XLSX by ``service.spreadsheets``.

Pure: the annual report's form (``domain.report_form``) and the supervisors' listings
(``domain.listing_sheet``) lay out their cells here once, so CSV and XLSX always hold the same table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

Cell = str | int | date | None


@dataclass(frozen=True)
class Merge:
    """A merged range, rows and columns counted from 0 and inclusive; its text is in the first cell."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int


@dataclass
class Grid:
    """Rows of cells, the merged ranges over them, and which rows are titles or table headers."""

    rows: list[list[Cell]] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    title_rows: list[int] = field(default_factory=list)
    """Captions and section titles above a table: text only, outside the table's borders."""
    header_rows: list[int] = field(default_factory=list)
    """The table's own heading rows."""

    def add(self, cells: list[Cell], *, title: bool = False, header: bool = False) -> int:
        """Append a row; its index."""
        self.rows.append(cells)
        at = len(self.rows) - 1
        if title:
            self.title_rows.append(at)
        if header:
            self.header_rows.append(at)
        return at

    def merge(self, row: int, col: int, last_row: int, last_col: int) -> None:
        """Merge a range (a single cell is left alone)."""
        if (row, col) != (last_row, last_col):
            self.merges.append(Merge(row, col, last_row, last_col))

    def extend(self, other: Grid, skip: int = 0) -> None:
        """Append ``other`` below, leaving out its first ``skip`` rows; its merges and styles move along."""
        offset = len(self.rows) - skip
        for index, row in enumerate(other.rows[skip:], start=skip):
            self.add(list(row), title=index in other.title_rows, header=index in other.header_rows)
        self.merges += [
            Merge(m.first_row + offset, m.first_col, m.last_row + offset, m.last_col)
            for m in other.merges
            if m.first_row >= skip
        ]

    @property
    def width(self) -> int:
        """The number of columns of the widest row."""
        return max((len(r) for r in self.rows), default=0)

    def padded(self) -> Grid:
        """The grid with every row as wide as the widest, in place."""
        width = self.width
        for row in self.rows:
            row.extend([None] * (width - len(row)))
        return self
