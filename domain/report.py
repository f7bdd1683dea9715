"""The annual report (年度报告, Regs Arts 49-50) from archived case records: tables 三 and 四 of 30号 (2021).

Pure: the caller hands in the records (``infra.store`` reads them from the case archive).
Counting rules, per calendar year Y and applicant column:

- new (本年新收): the receipt date falls in Y; a case still awaiting confirmation of receipt counts
  by the Beijing date it was registered.
- carried over (上年结转): received before Y and not closed before Y (open at the end of Y-1).
- results (本年度办理结果): closed in Y (Beijing date of ``closed_at``), once, in its report row.
- carried forward (结转下年度继续办理): received by the end of Y and not closed by then.

With a cutoff day D in Y (``through``) the same rules run on 1 Jan..D instead of the whole year: the
table as it stood at the end of D (a mid-year report), cases closed later counting as still open.

The four counts are taken independently, so a record that contradicts itself (closed before it was
received, closed without a report row) breaks the printed check 一 + 二 = 三(七) + 四 instead of
vanishing from the table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from domain.application import ApplicantKind, Channel
from domain.case import Stage
from domain.clock import beijing_date
from domain.errors import OgiError
from domain.report_rows import COLUMN_LABELS as COLUMN_LABELS  # re-exported, as the rows below
from domain.report_rows import COLUMNS as COLUMNS
from domain.report_rows import GROUP_OF
from domain.report_rows import REMEDY_COLUMN_LABELS as REMEDY_COLUMN_LABELS
from domain.report_rows import REMEDY_COLUMNS as REMEDY_COLUMNS
from domain.report_rows import REMEDY_ROW_LABELS as REMEDY_ROW_LABELS
from domain.report_rows import RESULT_ROWS as RESULT_ROWS
from domain.report_rows import ROW_LABELS as ROW_LABELS
from domain.report_rows import ROW_ORDER as ROW_ORDER
from domain.vocabulary import RESULTS_HEADING as RESULTS_HEADING  # re-exported
from domain.vocabulary import RemedyKind as RemedyKind
from domain.vocabulary import RemedyResult as RemedyResult


def _aware(value: datetime) -> datetime:
    """Stores such as SQLite hand back naive datetimes; ogi writes UTC, so naive means UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class CaseRecord(BaseModel):
    """The archived, non-personal record of one case: what the annual report and statistics count.

    No applicant name, identity number, address or contact details, and no description of the
    information asked for: only the applicant's report column (``applicant_kind``).
    """

    model_config = ConfigDict(frozen=True)

    case_id: str
    agency: str
    agency_code: str
    applicant_kind: ApplicantKind
    channel: Channel
    received: date | None = None
    """Receipt date (Art 31); None while the case awaits confirmation of receipt."""
    registered_at: AwareDatetime
    """When intake registered the case (登记)."""
    due: date | None = None
    """Last working day of the reply period, as the clock last stood."""
    stage: Stage
    status: str
    """``open`` or ``closed``."""
    outcome: str | None = None
    reasons: list[str] = []
    report_row: str | None = None
    """Key of the table-三 result row the case counts in once closed (see ``RESULT_ROWS``)."""
    closed_at: AwareDatetime | None = None
    overdue: bool = False
    extended: bool = False
    revision: int = 0
    """Length of the audit trail when the record was taken: the archive never replaces a newer revision."""
    replied_on: date | None = None
    """The day the reply was made (``on`` of its secrecy check), when it closed with a reply."""
    late: bool | None = None
    """The final verdict for a case closed with a reply: made after its due date, pauses counted."""

    @property
    def start_day(self) -> date:
        """The day the case counts from: receipt, or registration while receipt is unconfirmed."""
        return self.received if self.received is not None else beijing_date(self.registered_at)

    @property
    def closed_day(self) -> date | None:
        """The Beijing date the case closed, if it has."""
        return beijing_date(self.closed_at) if self.closed_at is not None else None


class RemedyRecord(BaseModel):
    """One recorded remedy result for a case; the latest per case and kind is the one that counts."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    kind: RemedyKind
    result: RemedyResult
    decided: date | None = None
    """Date of the decision or judgment; None while pending (then the day it was recorded counts)."""
    recorded_at: AwareDatetime
    seq: int = 0
    """Store order, breaking ties between records of the same instant."""
    recorded_by: str | None = None
    """Who recorded it (None for records made before this was kept)."""

    @property
    def as_of(self) -> date:
        """The day this state of the remedy was reached."""
        return self.decided if self.decided is not None else beijing_date(self.recorded_at)


class ReportRow(BaseModel):
    """One row of a report table: its key, its printed label and a count per column."""

    key: str
    label: str
    counts: dict[str, int]


class InvariantBroken(OgiError):
    """The printed check 一 + 二 = 三(七) + 四 fails: the archive holds contradictory records."""


class AnnualReport(BaseModel):
    """Tables 三 (applications received and handled) and 四 (reconsideration and litigation) of one year."""

    year: int
    through: date | None = None
    """The cutoff day within the year, for a report as it stood then; None for the whole year."""
    agency: str | None = None
    cases: int = Field(description="Archived cases counted in the year (new or carried over).")
    columns: list[str] = list(COLUMNS)
    applications: list[ReportRow]
    """Table 三 in form order (``ROW_ORDER``); the heading 三 (``RESULTS_HEADING``) has no row."""
    remedy_columns: list[str] = list(REMEDY_COLUMNS)
    remedies: list[ReportRow]
    """Table 四: one row per remedy kind."""
    unclassified: list[str] = []
    """Cases closed in the year whose report row is missing or unknown (they break the invariant)."""

    def row(self, key: str) -> dict[str, int]:
        """The counts of one table-三 row."""
        for r in self.applications:
            if r.key == key:
                return r.counts
        msg = f"no row '{key}' in table 三"
        raise KeyError(msg)

    def invariant_problems(self) -> list[str]:
        """Per column, where 一 + 二 differs from 三(七) + 四, with the numbers; empty when the table holds."""
        new, over, total, forward = (self.row(k) for k in ("new", "carried_over", "total", "carried_forward"))
        problems = [
            f"{col}: new {new[col]} + carried over {over[col]} = {new[col] + over[col]}, "
            f"but results {total[col]} + carried forward {forward[col]} = {total[col] + forward[col]}"
            for col in self.columns
            if new[col] + over[col] != total[col] + forward[col]
        ]
        if problems and self.unclassified:
            problems.append("closed without a known report row: " + ", ".join(self.unclassified[:20]))
        return problems

    def check(self) -> AnnualReport:
        """The report itself when the invariant holds; ``InvariantBroken`` with the numbers when not."""
        problems = self.invariant_problems()
        if problems:
            msg = f"annual report {self.year}: 一 + 二 ≠ 三(七) + 四 — " + "; ".join(problems)
            raise InvariantBroken(msg)
        return self


def _zero(columns: tuple[str, ...]) -> dict[str, int]:
    return dict.fromkeys(columns, 0)


def _select(records: list[CaseRecord], agency: str | None) -> list[CaseRecord]:
    if agency is None:
        return records
    return [r for r in records if agency in (r.agency, r.agency_code)]


def period_end(year: int, through: date | None) -> date:
    """The last day counted: 31 December, or the cutoff day, which must lie in ``year``."""
    if through is None:
        return date(year, 12, 31)
    if through.year != year:
        msg = f"the cutoff {through.isoformat()} is not in {year}; give a day of the reported year"
        raise OgiError(msg)
    return through


def applications_table(
    records: list[CaseRecord], year: int, through: date | None = None
) -> tuple[dict[str, dict[str, int]], list[str], int]:
    """Table 三 counts by row key and column, the unclassified closed cases, and the cases counted."""
    first, last = date(year, 1, 1), period_end(year, through)
    counts: dict[str, dict[str, int]] = {key: _zero(COLUMNS) for key in ROW_ORDER}
    unclassified: list[str] = []
    counted = 0
    for rec in records:
        start, closed = rec.start_day, rec.closed_day
        hits: list[str] = []
        if first <= start <= last:
            hits.append("new")
        elif start < first and (closed is None or closed >= first):
            hits.append("carried_over")
        if closed is not None and first <= closed <= last:
            if rec.report_row in RESULT_ROWS:
                hits += [rec.report_row, *GROUP_OF.get(rec.report_row, ()), "total"]
            else:
                unclassified.append(f"{rec.case_id} ({rec.report_row or 'no row'})")
        if start <= last and (closed is None or closed > last):
            hits.append("carried_forward")
        counted += "new" in hits or "carried_over" in hits
        for key in hits:
            counts[key][rec.applicant_kind.value] += 1
            counts[key]["total"] += 1
    return counts, sorted(unclassified), counted


def remedies_table(
    remedies: list[RemedyRecord], year: int, case_ids: set[str] | None = None, through: date | None = None
) -> dict[str, dict[str, int]]:
    """Table 四: per case and kind, the latest record reached by the end of the year, if reached in it.

    A remedy pending at the end of Y counts as 尚未审结 in Y (when recorded in Y) and its result in the
    year it was decided, so a published year does not change when later results are recorded.
    ``case_ids`` restricts the count to one agency's cases.
    """
    last = period_end(year, through)
    latest: dict[tuple[str, RemedyKind], RemedyRecord] = {}
    for rem in sorted(remedies, key=lambda r: (r.recorded_at, r.seq)):
        if rem.as_of > last or (case_ids is not None and rem.case_id not in case_ids):
            continue
        latest[(rem.case_id, rem.kind)] = rem
    counts: dict[str, dict[str, int]] = {kind.value: _zero(REMEDY_COLUMNS) for kind in RemedyKind}
    for (_, kind), rem in latest.items():
        if rem.as_of.year == year:
            counts[kind.value][rem.result.value] += 1
            counts[kind.value]["total"] += 1
    return counts


def build_report(
    records: list[CaseRecord],
    year: int,
    agency: str | None = None,
    remedies: list[RemedyRecord] | None = None,
    through: date | None = None,
) -> AnnualReport:
    """The annual report of one year (to a cutoff day), for one agency (name or code) or all; call ``check()``."""
    chosen = _select(records, agency)
    counts, unclassified, counted = applications_table(chosen, year, through)
    case_ids = {r.case_id for r in chosen} if agency is not None else None
    remedy_counts = remedies_table(remedies or [], year, case_ids, through)
    applications = [ReportRow(key=key, label=ROW_LABELS[key], counts=counts[key]) for key in ROW_ORDER]
    remedy_rows = [
        ReportRow(key=kind.value, label=REMEDY_ROW_LABELS[kind.value], counts=remedy_counts[kind.value])
        for kind in RemedyKind
    ]
    return AnnualReport(
        year=year,
        through=through,
        agency=agency,
        cases=counted,
        applications=applications,
        remedies=remedy_rows,
        unclassified=unclassified,
    )
