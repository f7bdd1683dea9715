"""Tables 三 and 四 of the annual report in the national form's own layout (国办公开办函〔2021〕30号).

Pure: a grid of cells with the form's merged ranges, which the service writes as CSV or XLSX. Table 三
has the form's three header rows (申请人情况 → 自然人 | 法人或其他组织 [five kinds] | 总计), its three
label columns (三、本年度办理结果 spans the result rows, each of （三）-（六） its sub-rows) and no
subtotal rows; table 四 is the form's one row of fifteen under its grouped headers.
"""

from __future__ import annotations

from datetime import date

from domain.report import COLUMN_LABELS, COLUMNS, REMEDY_COLUMN_LABELS, ROW_LABELS, AnnualReport
from domain.sheets import Cell, Grid
from domain.vocabulary import RESULTS_HEADING, RemedyKind, RemedyResult

APPLICATIONS_TITLE = "三、收到和处理政府信息公开申请情况"
REMEDIES_TITLE = "四、政府信息公开行政复议、行政诉讼情况"
CROSS_CHECK = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
"""Printed by the form in the header's corner cell of table 三."""
APPLICANTS = "申请人情况"
ORGANISATIONS = "法人或其他组织"
RECONSIDERATION = "行政复议"
LAWSUIT = "行政诉讼"
LAWSUIT_KINDS = {
    RemedyKind.LAWSUIT: "未经复议直接起诉",
    RemedyKind.LAWSUIT_AFTER_RECONSIDERATION: "复议后起诉",
}

LABEL_COLUMNS = 3
"""Table 三 has three label columns: 三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密."""
_GROUPS = ("not_disclosed", "cannot_provide", "not_handled", "other")
"""The result groups whose heading spans its sub-rows; the form gives them no subtotal row."""


def _applications(grid: Grid, report: AnnualReport) -> None:
    counts = {row.key: row.counts for row in report.applications}
    kinds = [c for c in COLUMNS if c not in ("natural_person", "total")]
    width = LABEL_COLUMNS + len(COLUMNS)
    pad: list[Cell] = [None] * (LABEL_COLUMNS - 1)

    def numbers(key: str) -> list[Cell]:
        return [counts[key][c] for c in COLUMNS]

    top = grid.add([CROSS_CHECK, *pad, APPLICANTS, *([None] * (len(COLUMNS) - 1))], header=True)
    grid.add(
        [
            None,
            *pad,
            COLUMN_LABELS["natural_person"],
            ORGANISATIONS,
            *([None] * (len(kinds) - 1)),
            COLUMN_LABELS["total"],
        ],
        header=True,
    )
    grid.add([None, *pad, None, *(COLUMN_LABELS[k] for k in kinds), None], header=True)
    grid.merge(top, 0, top + 2, LABEL_COLUMNS - 1)
    grid.merge(top, LABEL_COLUMNS, top, width - 1)
    grid.merge(top + 1, LABEL_COLUMNS, top + 2, LABEL_COLUMNS)
    grid.merge(top + 1, LABEL_COLUMNS + 1, top + 1, LABEL_COLUMNS + len(kinds))
    grid.merge(top + 1, width - 1, top + 2, width - 1)

    for key in ("new", "carried_over"):
        at = grid.add([ROW_LABELS[key], *pad, *numbers(key)])
        grid.merge(at, 0, at, LABEL_COLUMNS - 1)

    first_result = len(grid.rows)
    for key in ("disclosed", "partly_disclosed"):
        at = grid.add([None, ROW_LABELS[key], None, *numbers(key)])
        grid.merge(at, 1, at, LABEL_COLUMNS - 1)
    for group in _GROUPS:
        subrows = [row.key for row in report.applications if row.key.startswith(group + "_")]
        start = len(grid.rows)
        for n, key in enumerate(subrows):
            grid.add([None, ROW_LABELS[group] if n == 0 else None, ROW_LABELS[key], *numbers(key)])
        grid.merge(start, 1, len(grid.rows) - 1, 1)
    at = grid.add([None, ROW_LABELS["total"], None, *numbers("total")])
    grid.merge(at, 1, at, LABEL_COLUMNS - 1)
    grid.rows[first_result][0] = RESULTS_HEADING
    grid.merge(first_result, 0, at, 0)

    at = grid.add([ROW_LABELS["carried_forward"], *pad, *numbers("carried_forward")])
    grid.merge(at, 0, at, LABEL_COLUMNS - 1)


def _remedies(grid: Grid, report: AnnualReport) -> None:
    counts = {row.key: row.counts for row in report.remedies}
    columns = [*(r.value for r in RemedyResult), "total"]
    labels = [REMEDY_COLUMN_LABELS[c] for c in columns]
    n = len(columns)
    top = grid.add([RECONSIDERATION, *([None] * (n - 1)), LAWSUIT, *([None] * (2 * n - 1))], header=True)
    rest: list[Cell] = [None] * (n - 1)
    after_reconsideration = LAWSUIT_KINDS[RemedyKind.LAWSUIT_AFTER_RECONSIDERATION]
    grid.add([*labels, LAWSUIT_KINDS[RemedyKind.LAWSUIT], *rest, after_reconsideration, *rest], header=True)
    grid.add([*([None] * n), *labels, *labels], header=True)
    grid.merge(top, 0, top, n - 1)
    grid.merge(top, n, top, 3 * n - 1)
    for i in range(n):
        grid.merge(top + 1, i, top + 2, i)
    grid.merge(top + 1, n, top + 1, 2 * n - 1)
    grid.merge(top + 1, 2 * n, top + 1, 3 * n - 1)
    kinds = (RemedyKind.RECONSIDERATION, RemedyKind.LAWSUIT, RemedyKind.LAWSUIT_AFTER_RECONSIDERATION)
    grid.add([counts[kind.value][c] for kind in kinds for c in columns])


def caption(report: AnnualReport) -> str:
    """What the sheet reports: the year (or the part of it), and the agency or all agencies."""
    who = report.agency or "全部机关"
    if report.through is None or report.through == date(report.year, 12, 31):
        period = f"{report.year}年度"
    else:
        period = f"{report.year}年1月1日至{report.through.month}月{report.through.day}日"
    return f"政府信息公开工作年度报告 · {period} · {who}"


def form_tables(report: AnnualReport) -> tuple[Grid, Grid]:
    """Table 三 and table 四, each under the caption and its section title, in the form's layout."""
    applications, remedies = Grid(), Grid()
    for grid, title in ((applications, APPLICATIONS_TITLE), (remedies, REMEDIES_TITLE)):
        grid.add([caption(report)], title=True)
        grid.add([title], title=True)
    _applications(applications, report)
    _remedies(remedies, report)
    return applications.padded(), remedies.padded()


def form_grid(report: AnnualReport) -> Grid:
    """Both tables on one sheet (for CSV): table 三, a blank row, table 四 without a second caption."""
    applications, remedies = form_tables(report)
    grid = Grid()
    grid.extend(applications)
    grid.add([])
    grid.extend(remedies, skip=1)
    return grid
