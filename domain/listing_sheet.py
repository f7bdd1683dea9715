"""A listing of cases (``ogi overdue``, ``due-soon``, ``list``) as a spreadsheet: Chinese headers and labels.

Pure: one function lays out the rows from the listing's cases as the API returns them, and both the
CSV and the XLSX export write exactly those rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from domain.outcomes import OUTCOME_LABELS
from domain.sheets import Cell, Grid
from domain.vocabulary import CHANNEL_LABELS as CHANNEL_LABELS  # re-exported, as the stages
from domain.vocabulary import STAGE_LABELS as STAGE_LABELS

LISTING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "案件编号"),
    ("stage", "阶段"),
    ("received", "收到日期"),
    ("due", "答复期限"),
    ("left", "剩余工作日"),
    ("overdue", "逾期"),
    ("clock_paused", "暂停计时"),
    ("agency", "机关"),
    ("channel", "渠道"),
    ("outcome", "结果"),
    ("applicant", "申请人"),
    ("subject", "申请内容"),
)
"""The listing's fields and their headers, in sheet order."""

_OUTCOMES: dict[str, str] = {outcome.value: label for outcome, label in OUTCOME_LABELS.items()}
_YES_NO = {True: "是", False: "否"}


def _day(value: Any) -> Cell:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return str(value)


def _cell(key: str, value: Any) -> Cell:
    """One field as a spreadsheet shows it: labels in Chinese, dates as dates, yes/no as 是/否."""
    if value is None:
        return None
    if key in ("received", "due"):
        return _day(value)
    if isinstance(value, bool):
        return _YES_NO[value]
    if key == "left":
        return int(value)
    labels = {"stage": STAGE_LABELS, "channel": CHANNEL_LABELS, "outcome": _OUTCOMES}.get(key)
    # An unknown code (a newer server) is shown as it is rather than dropped.
    return labels.get(str(value), str(value)) if labels is not None else str(value)


def listing_grid(cases: Iterable[Mapping[str, Any]]) -> Grid:
    """The header row, then one row per case in the listing's order."""
    grid = Grid()
    grid.add([header for _, header in LISTING_COLUMNS], header=True)
    for case in cases:
        grid.add([_cell(key, case.get(key)) for key, _ in LISTING_COLUMNS])
    return grid
