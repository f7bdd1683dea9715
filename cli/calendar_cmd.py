"""``ogi calendar``: working-day arithmetic, the year's holidays, loading new State Council and regional notices.

The calendar itself (``domain.calendar``, with pydantic) and the home (``infra.paths``) are imported by the
commands that use them, so ``ogi --help`` does not load them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.output import EXIT_BAD_INPUT, JsonOpt, emit_json, fail, table, words
from cli.recompute_cmd import recompute
from domain.calendar_years import FIRST_YEAR, LAST_YEAR
from domain.messages import Msg, Words, plural_msg

if TYPE_CHECKING:
    from domain.calendar import WorkingCalendar

app = typer.Typer(no_args_is_help=True)

RegionOpt = Annotated[
    str | None,
    typer.Option(help="Agency region with extra holidays (ningxia, xinjiang, or one loaded); national when omitted."),
]
WEEKDAYS = "一二三四五六日"


def _calendar(region: str | None, as_json: bool) -> WorkingCalendar:
    from domain.calendar import CalendarError, load_calendar
    from infra.paths import notices_dir

    try:
        return load_calendar(region, notices_dir())
    except CalendarError as exc:
        fail(exc.message, EXIT_BAD_INPUT, as_json)


def _date(text: str, as_json: bool) -> date:
    from domain.calendar import CalendarError, parse_date

    try:
        return parse_date(text)
    except CalendarError as exc:
        fail(exc.message, EXIT_BAD_INPUT, as_json)


@app.command("add-workdays", context_settings={"ignore_unknown_options": True})
def add_workdays(
    start: Annotated[str, typer.Argument(help="The day counting starts after (YYYY-MM-DD); it is never counted.")],
    days: Annotated[str, typer.Argument(help="Working days to add, 0 to 1000.")],
    region: RegionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The N-th working day after DATE, and the deadline instant (24:00 Beijing time of that day)."""
    from domain.calendar import CalendarError

    day = _date(start, as_json)
    try:
        n = int(days)
    except ValueError:
        fail(Msg("N must be a whole number of working days, not {days}", days=repr(days)), EXIT_BAD_INPUT, as_json)
    cal = _calendar(region, as_json)
    try:
        due = cal.due(day, n)
    except CalendarError as exc:
        fail(exc.message, EXIT_BAD_INPUT, as_json)
    if as_json:
        emit_json({**due.model_dump(mode="json"), "region": region})
        return
    typer.echo(due.due.isoformat())
    if due.provisional:
        from domain.calendar import provisional_reason_message

        reason = provisional_reason_message(due.provisional_reason or "")

        typer.echo(words(Msg("provisional: {reason}", reason=reason)), err=True)


@app.command("is-workday")
def is_workday(
    day: Annotated[str, typer.Argument(help="The date (YYYY-MM-DD).")],
    region: RegionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Whether offices are open on DATE (make-up weekend days count, holidays do not)."""
    from domain.calendar import CalendarError

    d = _date(day, as_json)
    cal = _calendar(region, as_json)
    try:
        working = cal.is_working_day(d)
    except CalendarError as exc:
        fail(exc.message, EXIT_BAD_INPUT, as_json)
    if as_json:
        emit_json(
            {
                "date": d.isoformat(),
                "working_day": working,
                "status": cal.status(d.year),
                "region": region,
                "calendar_version": cal.version,
            }
        )
        return
    typer.echo(words(Msg("yes") if working else Msg("no")))


def year_rows(cal: WorkingCalendar, year: int) -> list[dict[str, Any]]:
    """The year's rest days on weekdays and its make-up working days, in date order."""
    rest, makeup = cal.rest_days(year)
    rows = [{"date": d.isoformat(), "weekday": WEEKDAYS[d.weekday()], "kind": "holiday"} for d in rest]
    rows += [{"date": d.isoformat(), "weekday": WEEKDAYS[d.weekday()], "kind": "make-up working day"} for d in makeup]
    return sorted(rows, key=lambda r: r["date"])


@app.command()
def year(
    yyyy: Annotated[int, typer.Argument(help="The year, e.g. 2026.", min=FIRST_YEAR, max=LAST_YEAR - 1)],
    region: RegionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The year's holidays and make-up working days (调休上班), and whether a notice fixed them."""
    cal = _calendar(region, as_json)
    entry = cal.years.get(yyyy)
    status = cal.status(yyyy)
    source = entry.source if entry else ""
    rows = year_rows(cal, yyyy)
    if as_json:
        emit_json(
            {
                "year": yyyy,
                "status": status,
                "source": source,
                "region": region,
                "days": rows,
                "calendar_version": cal.version,
            }
        )
        return
    said_status = Msg("official") if status == "official" else Msg("provisional")
    title = Msg("{year}: {status}", year=str(yyyy), status=said_status)
    heading = f"{words(title)} · {source}" if source else title
    kinds = {"holiday": Msg("holiday"), "make-up working day": Msg("make-up working day")}
    lines = [(row["date"], weekday(row["weekday"]), kinds.get(row["kind"], row["kind"])) for row in rows]
    table(heading, [Msg("date"), Msg("weekday"), Msg("kind")], lines)


def weekday(chinese: str) -> Msg:
    """A weekday (一 to 日, as the JSON gives it) in the reader's language."""
    return _WEEKDAY_NAMES[WEEKDAYS.index(chinese)]


_WEEKDAY_NAMES = (
    Msg("Monday"),
    Msg("Tuesday"),
    Msg("Wednesday"),
    Msg("Thursday"),
    Msg("Friday"),
    Msg("Saturday"),
    Msg("Sunday"),
)


def _install_checked(install: Callable[[Path], object], region: str | None, as_json: bool) -> str:
    """Build the calendar a notice would make in a copy of the notices; install it only if that works.

    The notice itself was validated before; what can still fail is the calendar as a whole, e.g. another
    installed notice that has since been damaged. Workers never see a state that was not checked.
    Returns the calendar version after the install (it depends on the data only, not the folder).
    """
    import shutil
    import tempfile

    from domain.calendar import CalendarError, load_calendar
    from infra.paths import notices_dir

    target = notices_dir()
    with tempfile.TemporaryDirectory(prefix="ogi-notices-") as tmp:
        trial = Path(tmp) / "calendar"
        try:
            if target.is_dir():
                shutil.copytree(target, trial)
            install(trial)
            version = load_calendar(region, trial).version
        except CalendarError as exc:
            problem = str(exc).replace(str(trial), str(target)) if not isinstance(exc.message, Msg) else exc.message
            fail(Msg("{problem}; nothing was installed", problem=problem), EXIT_BAD_INPUT, as_json)
        except OSError as exc:
            msg = Msg(
                "cannot read the installed notices in {folder} ({detail}); nothing was installed",
                folder=str(target),
                detail=str(exc),
            )
            fail(msg, EXIT_BAD_INPUT, as_json)
    try:
        install(target)
    except OSError as exc:
        msg = Msg("cannot install into {folder} ({detail}); check its permissions", folder=str(target), detail=str(exc))
        fail(msg, EXIT_BAD_INPUT, as_json)
    return version


@app.command("load-notice")
def load_notice_cmd(
    file: Annotated[Path, typer.Argument(help="The notice as JSON: year, status, source, holidays, weekend_workdays.")],
    as_json: JsonOpt = False,
) -> None:
    """Validate a State Council holiday notice and install it for its year; a bad file changes nothing."""
    from domain.calendar import CalendarError, load_calendar, load_notice, read_notice
    from infra.paths import notices_dir

    target = notices_dir()
    try:
        notice = read_notice(file)
    except CalendarError as exc:
        fail(exc.message, EXIT_BAD_INPUT, as_json)
    before: str | None
    try:
        before = load_calendar(None, target).version
    except CalendarError:
        before = None  # a damaged notice, perhaps the one this replaces
    installed = target / f"{notice.year}.json"
    after = _install_checked(lambda folder: load_notice(file, folder), None, as_json)
    result = {
        "year": notice.year,
        "status": notice.status,
        "holidays": len(notice.holidays),
        "weekend_workdays": len(notice.weekend_workdays),
        "installed": str(installed),
        "calendar_version_before": before,
        "calendar_version": after,
    }
    text = Msg(
        "installed {year} ({status}): {holidays}, {makeup}; calendar {before} → {after}",
        year=str(notice.year),
        status=Msg("official") if notice.status == "official" else Msg("provisional"),
        holidays=plural_msg("{n} holiday", "{n} holidays", len(notice.holidays)),
        makeup=plural_msg("{n} make-up working day", "{n} make-up working days", len(notice.weekend_workdays)),
        before=before or Msg("(unreadable)"),
        after=after,
    )
    _report_install(result, text, as_json)


@app.command("load-regional")
def load_regional_cmd(
    file: Annotated[Path, typer.Argument(help="The regional notice as JSON: region, year, source, days.")],
    new_region: Annotated[
        bool,
        typer.Option("--new-region", help="The notice's region is one this installation does not know yet: add it."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Install a region's own holidays for a year (e.g. 宁夏 开斋节); they replace that year's shipped days."""
    from domain.calendar import (
        CalendarError,
        installed_regions,
        load_calendar,
        load_regional_notice,
        read_regional_notice,
        regional_notice_path,
    )
    from infra.paths import notices_dir

    target = notices_dir()
    try:
        notice = read_regional_notice(file)
    except CalendarError as exc:
        fail(exc.message, EXIT_BAD_INPUT, as_json)
    known = installed_regions(target)
    if notice.region not in known and not new_region:
        msg = Msg(
            "region {region} is not known here (known: {known}); "
            "correct the region in the file, or repeat with --new-region to add it",
            region=repr(notice.region),
            known=Words(sorted(known)),
        )
        fail(msg, EXIT_BAD_INPUT, as_json)
    before: str | None = None
    if notice.region in known:
        try:
            before = load_calendar(notice.region, target).version
        except CalendarError:
            before = None  # the damaged notice this one may be replacing
    installed = regional_notice_path(target, notice.region, notice.year)
    after = _install_checked(lambda folder: load_regional_notice(file, folder), notice.region, as_json)
    result = {
        "region": notice.region,
        "year": notice.year,
        "days": [d.isoformat() for d in notice.days],
        "installed": str(installed),
        "new_region": notice.region not in known,
        "calendar_version_before": before,
        "calendar_version": after,
    }
    label = before or (Msg("(new region)") if notice.region not in known else Msg("(unreadable)"))
    text = Msg(
        "installed {region} {year}: {days}; calendar {before} → {after}",
        region=notice.region,
        year=str(notice.year),
        days=plural_msg("{n} regional holiday", "{n} regional holidays", len(notice.days)),
        before=label,
        after=after,
    )
    _report_install(result, text, as_json)


def _report_install(result: dict[str, Any], text: Msg, as_json: bool) -> None:
    if as_json:
        emit_json(result)
        return
    typer.echo(words(text))
    typer.echo(words(Msg("open cases keep their due dates until you run: ogi calendar recompute --by YOU")))


app.command("recompute")(recompute)
