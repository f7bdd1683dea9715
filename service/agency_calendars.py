"""Each agency's working calendar, as configured: the national one plus its region's holidays.

Supervisor views count working days per agency on the calendar its cases run on (``region`` in the
agency configuration), so a Ningxia agency's 开斋节 is not a working day in its due-soon window.
"""

from __future__ import annotations

from datetime import date

from domain.calendar import WorkingCalendar, load_calendar
from domain.config import OgiConfig, load_config
from infra.paths import config_path, notices_dir

NATIONAL = "national"
"""How the national calendar is named where regions are listed."""


class AgencyCalendars:
    """Calendars by agency and region, from the configuration (``OGI_CONFIG``) and installed notices."""

    def __init__(self, config: OgiConfig | None = None) -> None:
        self.config = config if config is not None else load_config(config_path())
        self._loaded: dict[str | None, WorkingCalendar] = {}

    def region(self, agency: str) -> str | None:
        """The agency's configured region (None for the national calendar alone)."""
        return self.config.agency(agency).region

    def of_region(self, region: str | None) -> WorkingCalendar:
        """The calendar of a region, loaded once."""
        if region not in self._loaded:
            self._loaded[region] = load_calendar(region, notices_dir())
        return self._loaded[region]

    def of_agency(self, agency: str) -> WorkingCalendar:
        """The calendar an agency's cases count on."""
        return self.of_region(self.region(agency))

    def regional_agencies(self) -> dict[str, list[str]]:
        """Configured agencies with a region, by region, names sorted."""
        found: dict[str, list[str]] = {}
        for name, agency in sorted(self.config.agencies.items()):
            if agency.region is not None:
                found.setdefault(agency.region, []).append(name)
        return found

    def due_within(self, today: date, days: int, agency: str | None) -> dict[str | None, date]:
        """The last day of a window of ``days`` working days from ``today``, per calendar.

        ``None`` keys the national calendar (every agency without a region of its own); a region's key
        appears when its last day differs. With ``agency`` only that agency's calendar is given.
        """
        if agency is not None:
            region = self.region(agency)
            return {None if region is None else region: self.of_region(region).add_working_days(today, days)}
        national = self.of_region(None).add_working_days(today, days)
        days_by: dict[str | None, date] = {None: national}
        for region in self.regional_agencies():
            last = self.of_region(region).add_working_days(today, days)
            if last != national:
                days_by[region] = last
        return days_by
