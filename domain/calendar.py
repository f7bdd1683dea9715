"""The Chinese working-day calendar every deadline is counted on (DOMAIN.md §3).

The shipped State Council notices (2008-2026), the later years as ``holidays.China`` predicts them
(shipped too, see ``predicted_years``), overlaid by any notice an agency loads later; regional extra
holidays (e.g. Eid in Ningxia) by the agency's region.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.calendar_years import FIRST_YEAR as FIRST_YEAR  # re-exported
from domain.calendar_years import LAST_YEAR as LAST_YEAR  # re-exported
from domain.errors import OgiError
from domain.input_problems import input_problem
from domain.messages import Msg, Words, plural_msg, recognise

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
MAX_WORKING_DAYS = 1000
_FIRST_ORDINAL = date(FIRST_YEAR, 1, 1).toordinal()
_LAST_ORDINAL = date(LAST_YEAR, 12, 31).toordinal()
_LAST_USABLE_OFFSET = date(LAST_YEAR - 1, 12, 31).toordinal() - _FIRST_ORDINAL

Status = Literal["official", "provisional"]


_M = TypeVar("_M", bound=BaseModel)


class CalendarError(OgiError, ValueError):
    """A date, a count, a region or a notice file the calendar cannot use."""


class YearEntry(BaseModel):
    """One year's rest days and make-up working days, and whether a notice fixed them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Status
    source: str = ""
    holidays: tuple[date, ...] = ()
    weekend_workdays: tuple[date, ...] = ()


def _distinct_sorted(days: list[date]) -> list[date]:
    if len(set(days)) != len(days):
        raise ValueError("a date is listed twice")
    return sorted(days)


def _within_year(days: list[date], year: int) -> None:
    stray = [d for d in days if d.year != year]
    if stray:
        raise ValueError(f"{stray[0].isoformat()} is not in {year}; a notice covers one year")


class Notice(BaseModel):
    """A State Council holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知) as a data file."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    status: Status = "official"
    source: str = Field(min_length=1, description="Where the dates come from, e.g. the notice's number.")
    holidays: list[date] = Field(min_length=1)
    weekend_workdays: list[date] = []

    @field_validator("holidays", "weekend_workdays")
    @classmethod
    def _no_repeats(cls, days: list[date]) -> list[date]:
        return _distinct_sorted(days)

    @model_validator(mode="after")
    def _consistent(self) -> Notice:
        _within_year([*self.holidays, *self.weekend_workdays], self.year)
        weekday = [d for d in self.weekend_workdays if d.weekday() < 5]
        if weekday:
            raise ValueError(f"weekend_workdays lists {weekday[0].isoformat()}, which is not a Saturday or Sunday")
        both = set(self.holidays) & set(self.weekend_workdays)
        if both:
            raise ValueError(f"{min(both).isoformat()} is both a holiday and a make-up working day")
        return self

    def entry(self) -> YearEntry:
        """The notice as a calendar year entry."""
        return YearEntry(
            status=self.status,
            source=self.source,
            holidays=tuple(self.holidays),
            weekend_workdays=tuple(self.weekend_workdays),
        )


class RegionalNotice(BaseModel):
    """A region's own holidays for one year (e.g. 宁夏 开斋节 and 古尔邦节), announced by its government."""

    model_config = ConfigDict(extra="forbid")

    region: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$", description="e.g. ningxia, xinjiang, guangxi, xizang")
    """A shipped region (its days of this year are replaced) or a new one (agencies may then name it)."""
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    source: str = Field(min_length=1, description="Where the dates come from, e.g. the notice's number.")
    days: list[date] = Field(min_length=1)

    @field_validator("days")
    @classmethod
    def _no_repeats(cls, days: list[date]) -> list[date]:
        return _distinct_sorted(days)

    @model_validator(mode="after")
    def _in_year(self) -> RegionalNotice:
        _within_year(self.days, self.year)
        return self


class DueDate(BaseModel):
    """The end of a period of working days, with everything needed to trust it."""

    model_config = ConfigDict(frozen=True)

    start: date
    working_days: int
    due: date
    deadline_at: datetime
    provisional: bool
    provisional_reason: str | None
    calendar_version: str


def parse_date(text: str) -> date:
    """An ISO date (YYYY-MM-DD), or a CalendarError saying what is wrong with it."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        msg = Msg("{text} is not a valid date; write it as YYYY-MM-DD, e.g. 2024-09-27", text=repr(text))
        raise CalendarError(msg) from None


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days FIRST_YEAR..LAST_YEAR for one region, indexed so that arithmetic is a table lookup."""

    years: dict[int, YearEntry]
    region: str | None
    regional_days: frozenset[date]
    version: str
    _working: frozenset[int] = field(repr=False)
    _days: list[date] = field(repr=False)
    _counted_by: list[int] = field(repr=False)
    """For each day of the range (by ordinal offset), how many working days fall on or before it."""

    @classmethod
    def build(cls, years: dict[int, YearEntry], region: str | None, regional_days: frozenset[date]) -> WorkingCalendar:
        """Index the working days of every year; the version hashes exactly the data used."""
        rest: set[date] = set(regional_days)
        makeup: set[date] = set()
        for entry in years.values():
            rest.update(entry.holidays)
            makeup.update(entry.weekend_workdays)
        ordinals: list[int] = []
        day = date(FIRST_YEAR, 1, 1)
        last = date(LAST_YEAR, 12, 31)
        while day <= last:
            # A regional holiday wins over a national make-up day: the office is closed either way.
            if day in regional_days or (day in rest and day not in makeup):
                working = False
            else:
                working = day.weekday() < 5 or day in makeup
            if working:
                ordinals.append(day.toordinal())
            day += timedelta(days=1)
        payload = {
            "years": {str(y): e.model_dump(mode="json") for y, e in sorted(years.items())},
            "region": region,
            "regional": sorted(d.isoformat() for d in regional_days),
        }
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:12]
        working_set = frozenset(ordinals)
        counted_by: list[int] = []
        count = 0
        for o in range(_FIRST_ORDINAL, _LAST_ORDINAL + 1):
            count += o in working_set
            counted_by.append(count)
        days = [date.fromordinal(o) for o in ordinals]
        return cls(years, region, regional_days, digest, working_set, days, counted_by)

    def _offset(self, d: date) -> int:
        offset = d.toordinal() - _FIRST_ORDINAL
        if not 0 <= offset <= _LAST_USABLE_OFFSET:
            msg = Msg(
                "{day} is outside the calendar's range {first}-01-01..{last}-12-31",
                day=d,
                first=str(FIRST_YEAR),
                last=str(LAST_YEAR - 1),
            )
            raise CalendarError(msg)
        return offset

    def is_working_day(self, d: date) -> bool:
        """Whether offices are open: Monday-Friday except holidays, plus make-up weekend days."""
        self._offset(d)
        return d.toordinal() in self._working

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start``; ``start`` itself is never counted."""
        # A table lookup, not a walk: the cost is the same for N = 1 and N = 1000.
        offset = self._offset(start)
        if not 0 <= n <= MAX_WORKING_DAYS:
            msg = Msg("the number of working days must be between 0 and {most}, not {n}", most=MAX_WORKING_DAYS, n=n)
            raise CalendarError(msg)
        if n == 0:
            return start
        index = self._counted_by[offset] + n - 1
        if index >= len(self._days):
            msg = Msg(
                "{n} working days after {day} runs past the calendar's last year {last}",
                n=n,
                day=start,
                last=str(LAST_YEAR),
            )
            raise CalendarError(msg)
        return self._days[index]

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative when b is before a."""
        return self._counted_by[self._offset(b)] - self._counted_by[self._offset(a)]

    def next_working_day(self, d: date) -> date:
        """The first working day after ``d``."""
        return self.add_working_days(d, 1)

    def deadline_at(self, d: date) -> datetime:
        """24:00 Beijing time at the end of ``d``: the instant a deadline on that day runs out."""
        return datetime.combine(d + timedelta(days=1), time(0), BEIJING)

    def status(self, year: int) -> Status:
        """Whether the year's dates come from a published notice."""
        entry = self.years.get(year)
        return entry.status if entry is not None else "provisional"

    def provisional_reason(self, start: date, end: date) -> str | None:
        """Why a result spanning start..end may still change, or None when every year is official."""
        lo, hi = sorted((start.year, end.year))
        span = range(lo, hi + 1)
        pending = [y for y in span if self.status(y) == "provisional"]
        # A region's holidays are known only for the years shipped or loaded; elsewhere they count as worked.
        with_regional = {d.year for d in self.regional_days}
        unknown = [y for y in span if y not in with_regional] if self.region is not None else []
        reasons = []
        if pending:
            reasons.append(str(Msg.from_template(_NO_NOTICE.text, {"years": ", ".join(map(str, pending))})))
        if unknown:
            values = {"region": self.region, "years": ", ".join(map(str, unknown))}
            reasons.append(str(Msg.from_template(_NO_REGIONAL.text, values)))
        # Kept in English (it is recorded with each deadline); ``provisional_reason_message`` says it again.
        return "; ".join(reasons) or None

    def due(self, start: date, n: int) -> DueDate:
        """``add_working_days`` with the deadline instant, the provisional flag and the calendar version."""
        end = self.add_working_days(start, n)
        reason = self.provisional_reason(start, end)
        return DueDate(
            start=start,
            working_days=n,
            due=end,
            deadline_at=self.deadline_at(end),
            provisional=reason is not None,
            provisional_reason=reason,
            calendar_version=self.version,
        )

    def rest_days(self, year: int) -> tuple[list[date], list[date]]:
        """The year's non-weekend rest days and its make-up working days, as this calendar counts them."""
        entry = self.years.get(year)
        makeup = list(entry.weekend_workdays) if entry else []
        rest = sorted(set(entry.holidays if entry else ()) | {d for d in self.regional_days if d.year == year})
        return rest, sorted(makeup)


def _shipped(name: str) -> Any:
    return json.loads(resources.files("domain").joinpath("data", name).read_text("utf-8"))


PREDICTED_SOURCE = "predicted from holidays.China"
PREDICTED_FILE = "predicted_calendar.json"
"""The years without a shipped notice as ``holidays.China`` predicts them (``scripts/predict_calendar.py``)."""


def predict_year(year: int) -> YearEntry:
    """A year predicted from the statutory holidays in ``holidays.China``."""
    # Imported here: the package loads every country's rules (~0.1 s), and only regenerating the
    # shipped prediction, or a year missing from it, needs them.
    import holidays

    cn = holidays.country_holidays("CN", years=year)
    return YearEntry(
        status="provisional",
        source=PREDICTED_SOURCE,
        holidays=tuple(sorted(d for d in cn if d.year == year)),
        weekend_workdays=tuple(sorted(d for d in getattr(cn, "weekend_workdays", ()) if d.year == year)),
    )


def predicted_years() -> dict[str, Any]:
    """The prediction to ship: every calendar year without a shipped notice, as ``holidays.China`` has it now.

    Shipped rather than computed at each start, so a command pays nothing for it and the calendar changes
    only when the file does: a ``holidays`` release that predicts differently fails the test comparing the
    two, and the file is regenerated on purpose (a new calendar version, then ``ogi calendar recompute``).
    """
    from importlib.metadata import version

    official = _shipped("official_calendar.json")["years"]
    years = [y for y in range(FIRST_YEAR, LAST_YEAR + 1) if str(y) not in official]
    return {
        "source": PREDICTED_SOURCE,
        "generated_with": f"holidays {version('holidays')}",
        "years": {str(y): predict_year(y).model_dump(mode="json", exclude={"status", "source"}) for y in years},
    }


@functools.cache
def _shipped_years() -> dict[int, YearEntry]:
    data = _shipped("official_calendar.json")
    source = str(data.get("source", "shipped"))
    predicted = _shipped(PREDICTED_FILE)["years"]
    years: dict[int, YearEntry] = {}
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        if (entry := data["years"].get(str(year))) is not None:
            # A year names its own notice where it has one; the file's source covers the rest.
            years[year] = YearEntry(**{"source": source, **entry})
        elif (guess := predicted.get(str(year))) is not None:
            years[year] = YearEntry(status="provisional", source=PREDICTED_SOURCE, **guess)
        else:
            years[year] = predict_year(year)  # not shipped (a newer LAST_YEAR): predicted here
    return years


@functools.cache
def regions() -> dict[str, dict[str, Any]]:
    """Regional extra holidays by region code (shipped data)."""
    data: dict[str, dict[str, Any]] = _shipped("regional_holidays.json")["regions"]
    return data


def _read_model(path: Path, model: type[_M], keys: str) -> _M:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise CalendarError(Msg("notice file {path} does not exist", path=str(path))) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CalendarError(
            Msg("notice file {path} is not readable JSON ({detail})", path=str(path), detail=str(exc))
        ) from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        msg = plural_msg(
            "notice file {path}: {where}: {problem} ({n} problem; expected keys {keys})",
            "notice file {path}: {where}: {problem} ({n} problems; expected keys {keys})",
            exc.error_count(),
            path=str(path),
            where=where,
            problem=input_problem(first),
            keys=keys,
        )
        raise CalendarError(msg) from None


def read_notice(path: Path) -> Notice:
    """Parse and validate a notice file; a CalendarError says what is wrong and where."""
    return _read_model(path, Notice, "year, status, source, holidays, weekend_workdays")


def read_regional_notice(path: Path) -> RegionalNotice:
    """Parse and validate a regional notice file; a CalendarError says what is wrong and where."""
    return _read_model(path, RegionalNotice, "region, year, source, days")


REGIONAL_DIR = "regional"
"""Where regional notices are installed, inside the notices directory."""


def _notice_files(notices_dir: Path | None) -> tuple[tuple[str, int, int], ...]:
    if notices_dir is None or not notices_dir.is_dir():
        return ()
    found = []
    paths = [*notices_dir.glob("[0-9][0-9][0-9][0-9].json"), *(notices_dir / REGIONAL_DIR).glob("*.json")]
    for p in sorted(paths):
        st = p.stat()
        found.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(found)


def _install(model: BaseModel, target: Path) -> None:
    """Write ``model`` to ``target`` whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".notice-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(model.model_dump_json(indent=1))
    os.replace(tmp, target)


def load_notice(path: Path, notices_dir: Path) -> Notice:
    """Validate a notice and install it for its year; nothing changes unless the whole file is valid."""
    notice = read_notice(path)
    _install(notice, notices_dir / f"{notice.year}.json")
    return notice


def regional_notice_path(notices_dir: Path, region: str, year: int) -> Path:
    """Where the regional notice of a region and year is installed."""
    return notices_dir / REGIONAL_DIR / f"{region}-{year}.json"


def load_regional_notice(path: Path, notices_dir: Path) -> RegionalNotice:
    """Validate a regional notice and install it: its days replace the region's shipped days of that year."""
    notice = read_regional_notice(path)
    _install(notice, regional_notice_path(notices_dir, notice.region, notice.year))
    return notice


def load_calendar(region: str | None = None, notices_dir: Path | None = None) -> WorkingCalendar:
    """The calendar for a region: shipped data plus the notices installed in ``notices_dir``.

    Cached per region and per state of the notice files, so a long-running worker sees a newly
    loaded notice at its next computation without a restart.
    """
    files = _notice_files(notices_dir)
    if region is not None and region not in known_regions(files):
        msg = Msg(
            "unknown region {region}; known regions: {known} (or none for the national calendar; "
            "'ogi calendar load-regional' adds a region's holidays)",
            region=repr(region),
            known=Words(sorted(known_regions(files))),
        )
        raise CalendarError(msg)
    return _cached_calendar(region, files)


def _notice_region(path: str) -> str:
    """The region an installed regional notice is named for (``ningxia-2028.json`` → ``ningxia``)."""
    return Path(path).stem.rsplit("-", 1)[0]


def known_regions(notice_files: tuple[tuple[str, int, int], ...] = ()) -> set[str]:
    """Shipped regions and those with an installed regional notice."""
    installed = {_notice_region(p) for p, _, _ in notice_files if Path(p).parent.name == REGIONAL_DIR}
    return set(regions()) | installed


def installed_regions(notices_dir: Path | None) -> set[str]:
    """The regions known to an installation: shipped, and those with a regional notice in ``notices_dir``."""
    return known_regions(_notice_files(notices_dir))


@functools.lru_cache(maxsize=32)
def _cached_calendar(region: str | None, notice_files: tuple[tuple[str, int, int], ...]) -> WorkingCalendar:
    years = dict(_shipped_years())
    regional_years: dict[int, set[date]] = {}
    if region in regions():
        for d in regions()[region]["days"]:
            day = date.fromisoformat(d)
            regional_years.setdefault(day.year, set()).add(day)
    for path, _, _ in notice_files:
        if Path(path).parent.name == REGIONAL_DIR:
            if _notice_region(path) != region:
                continue  # another region's notice: not read, so its damage cannot stop this calendar
            regional_notice = read_regional_notice(Path(path))
            if regional_notice.region == region:
                regional_years[regional_notice.year] = set(regional_notice.days)
        else:
            notice = read_notice(Path(path))
            years[notice.year] = notice.entry()
    regional = frozenset(day for days in regional_years.values() for day in days)
    return WorkingCalendar.build(years, region, regional)


_NO_NOTICE = Msg(
    "no State Council holiday notice loaded for {years}; dates predicted from the statutory holidays "
    "(load the notice with `ogi calendar load-notice FILE`, then `ogi calendar recompute`)"
)
_NO_REGIONAL = Msg(
    "no {region} regional holidays known for {years}; they are counted as working days "
    "(load them with `ogi calendar load-regional FILE`, then `ogi calendar recompute`)"
)


def provisional_reason_message(text: str) -> Msg | str:
    """Why a date is provisional (as recorded, in English) as a message again; other text unchanged."""
    # Both reasons: the notice's first, then the region's (the notice's own text has no "; no ").
    notice_part, sep, regional_part = text.partition("; no ")
    if sep:
        first = recognise(notice_part, (_NO_NOTICE,))
        second = recognise("no " + regional_part, (_NO_REGIONAL,))
        if first is not None and second is not None:
            return Msg("{first}; {second}", first=first, second=second)
    return recognise(text, (_NO_NOTICE, _NO_REGIONAL)) or text
