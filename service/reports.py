"""The annual report (年度报告) and remedy results, from the case archive.

``ogi report`` / ``GET /v1/reports/{year}`` build tables 三 and 四 and check 一 + 二 = 三(七) + 四 in every
column; table and JSON add the timeliness supplement (办理时效), which never holds up the form.
``ogi remedy`` records reconsideration and lawsuit results for table 四.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from domain import report_form
from domain.clock import beijing_date
from domain.config import ConfigError, Role, load_config
from domain.errors import OgiError
from domain.messages import Msg, Words
from domain.report import (
    COLUMN_LABELS,
    REMEDY_COLUMN_LABELS,
    AnnualReport,
    CaseRecord,
    InvariantBroken,
    RemedyKind,
    RemedyRecord,
    RemedyResult,
    build_report,
)
from domain.timeliness import Timeliness, timeliness
from infra import store
from infra.i18n import translate
from infra.paths import config_path, database_url
from service import spreadsheets
from service.agency_calendars import AgencyCalendars
from service.errors import BadInput, NotFound, Refused, Unavailable
from service.identities import Principal


@dataclass
class ReportAnswer:
    """The report, the records it counts, and the timeliness supplement (or why it was left out)."""

    report: AnnualReport
    records: list[CaseRecord]
    timeliness: list[Timeliness] | None
    timeliness_error: str | None


def _store_failure(exc: Exception) -> Unavailable:
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    where = store.store_label(database_url())
    if isinstance(exc, store.StoreUnavailable):
        return Unavailable(str(exc), "unavailable.store")
    msg = Msg("cannot use the case store at {where} ({detail}); check OGI_DATABASE_URL", where=where, detail=detail)
    return Unavailable(msg, "unavailable.store")


def _read(year: int, agency: str | None, through: date | None) -> tuple[AnnualReport, list[CaseRecord]]:
    try:
        records = store.case_records(agency)
        remedies = store.remedy_records({r.case_id for r in records} if agency else None)
    except (SQLAlchemyError, store.StoreUnavailable, RuntimeError, OSError) as exc:
        raise _store_failure(exc) from None
    return build_report(records, year, agency, remedies, through), records


def check_through(year: int, through: date | None) -> None:
    """A cutoff day must lie in the reported year and not after today."""
    if through is None:
        return
    if through.year != year:
        msg = Msg("through {day} is not in {year}; give a day of the reported year", day=through, year=str(year))
        raise BadInput(msg, "bad_input.date", field="through")
    today = beijing_date(datetime.now(UTC))
    if through > today:
        msg = Msg(
            "through {day} is after today ({today}); a report can only stand as of a day that has ended or is running",
            day=through,
            today=today,
        )
        raise BadInput(msg, "bad_input.date", field="through")


def known_agency(agency: str) -> None:
    """An agency with no archived case is fine when configured (an all-zero year); otherwise it is a typo."""
    try:
        config = load_config(config_path())
    except ConfigError as exc:
        raise BadInput(str(exc), "bad_input.configuration") from None
    if agency in config.agencies or agency in {a.code for a in config.agencies.values()}:
        return
    try:
        known = store.archived_agencies()
    except (SQLAlchemyError, store.StoreUnavailable) as exc:
        raise _store_failure(exc) from None
    if known:
        msg = Msg(
            "no agency '{agency}' in the case archive or the configuration; agencies in the archive: {listed}",
            agency=agency,
            listed=Words(f"{name} ({code})" for name, code in known),
        )
    else:
        msg = Msg(
            "no agency '{agency}' in the case archive or the configuration; agencies in the archive: none yet",
            agency=agency,
        )
    raise BadInput(msg, "bad_input.agency", field="agency")


def year_timeliness(records: list[CaseRecord], year: int, through: date | None = None) -> list[Timeliness]:
    """Timeliness per agency, each agency's working days counted on its region's calendar."""
    calendars = AgencyCalendars()
    return timeliness(records, year, lambda rec: calendars.of_agency(rec.agency), through)


def _annual(year: int, agency: str | None, through: date | None, with_timeliness: bool) -> ReportAnswer:
    if not 2008 <= year <= 2999:
        raise BadInput(
            Msg("year {year} is out of range; the Regulations apply from 2008", year=str(year)), field="year"
        )
    check_through(year, through)
    built, records = _read(year, agency, through)
    if agency is not None and not records:
        known_agency(agency)
    try:
        built.check()
    except InvariantBroken as exc:
        raise Refused(str(exc), "refused.invariant") from None
    timely: list[Timeliness] | None = None
    problem: str | None = None
    if with_timeliness:
        # The supplement needs every agency's calendar; a fault there must not withhold the form.
        try:
            timely = year_timeliness(records, year, through)
        except (OgiError, ConfigError) as exc:
            detail = getattr(exc, "message", str(exc))
            problem = translate(Msg("timeliness supplement left out: {problem}", problem=detail))
    return ReportAnswer(built, records, timely, problem)


async def annual_report(
    year: int, agency: str | None = None, through: date | None = None, *, with_timeliness: bool = True
) -> ReportAnswer:
    """Tables 三 and 四 for a year (to ``through`` when given), checked, with the timeliness supplement."""
    return await asyncio.to_thread(_annual, year, agency, through, with_timeliness)


def report_csv(report: AnnualReport) -> bytes:
    """Tables 三 and 四 in the form's layout as CSV (UTF-8 with a BOM, for Excel on Chinese Windows).

    Merged cells of the form keep their text in their first cell; the key-per-row data is the JSON format.
    """
    return spreadsheets.csv_bytes(report_form.form_grid(report))


def report_xlsx(report: AnnualReport) -> bytes:
    """Tables 三 and 四 as an XLSX workbook, one worksheet each, with the form's merged headings."""
    applications, remedies = report_form.form_tables(report)
    return spreadsheets.xlsx_bytes(
        [(report_form.APPLICATIONS_TITLE, applications), (report_form.REMEDIES_TITLE, remedies)]
    )


def report_json(answer: ReportAnswer) -> dict[str, Any]:
    """The report as JSON: both tables with keys, printed labels and column labels, and the supplement."""
    data = answer.report.model_dump(mode="json")
    data["column_labels"] = COLUMN_LABELS
    data["remedy_column_labels"] = REMEDY_COLUMN_LABELS
    data["invariant"] = translate(Msg("rows I + II = III(7) + IV add up in every column"))

    data["timeliness"] = [t.model_dump(mode="json") for t in answer.timeliness] if answer.timeliness else None
    data["timeliness_error"] = answer.timeliness_error
    return data


def _record(
    principal: Principal, case_id: str, kind: RemedyKind, result: RemedyResult, decided: date | None
) -> RemedyRecord:
    principal.require(Role.RECORDS, Role.HEAD, Role.INTAKE, what=Msg("record remedy results"))
    if decided is not None:
        if result is RemedyResult.PENDING:
            msg = Msg("decided is the date of a decision; a pending remedy has none, so omit it")
            raise BadInput(msg, field="decided")
        if decided > beijing_date(datetime.now(UTC)):
            msg = Msg("decided {day} is in the future", day=decided)
            raise BadInput(msg, "bad_input.date", field="decided")
    try:
        archived = store.case_record(case_id)
    except (SQLAlchemyError, store.StoreUnavailable) as exc:
        raise _store_failure(exc) from None
    if archived is None:
        where = store.store_label(database_url())
        msg = Msg("no case '{id}' in the case archive at {where}; check the tracking number", id=case_id, where=where)
        raise NotFound(msg)
    if decided is not None and decided < archived.start_day:
        msg = Msg(
            "decided {day} is before case {id} was received ({received}); check the date of the decision",
            day=decided,
            id=case_id,
            received=archived.start_day,
        )

        raise BadInput(msg, "bad_input.date", field="decided")
    return store.record_remedy(case_id, kind, result, decided, principal.actor.name)


async def record_remedy(
    principal: Principal, case_id: str, kind: RemedyKind, result: RemedyResult, decided: date | None
) -> RemedyRecord:
    """Record a reconsideration or lawsuit result (the latest per case and kind counts in table 四)."""
    return await asyncio.to_thread(_record, principal, case_id, kind, result, decided)
