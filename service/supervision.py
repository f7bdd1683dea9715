"""The supervision page's figures (督办): counts, the overdue and due-soon lists, and the year's timeliness.

Everything from the read model. The timeliness supplement reads only the cases closed in the year (by
the ``closed_at`` index), not the whole archive the annual report needs, so the page stays quick with
tens of thousands of cases on file.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.calendar import BEIJING
from domain.clock import beijing_date
from domain.config import ConfigError
from domain.errors import OgiError
from domain.timeliness import Timeliness
from infra import case_listing
from infra.store import StoreUnavailable
from service import listings, reports
from service.errors import Unavailable
from service.listings import CasePage

LIST_SIZE = 20
DUE_SOON_DAYS = 5


@dataclass
class SupervisionView:
    """What the supervision page shows."""

    stats: dict[str, object]
    overdue: CasePage
    soon: CasePage
    year: int
    timeliness: list[Timeliness]
    timeliness_error: str | None


def _timeliness_now(year: int, agency: str | None) -> tuple[list[Timeliness], str | None]:
    # The year's Beijing days, widened by a day each side: ``timeliness`` keeps exactly the year's closes.
    since = datetime.combine(date(year, 1, 1), time(0), BEIJING) - timedelta(days=1)
    until = datetime.combine(date(year + 1, 1, 1), time(0), BEIJING) + timedelta(days=1)
    try:
        records = case_listing.closed_between(since.astimezone(UTC), until.astimezone(UTC), agency)
    except StoreUnavailable as exc:
        raise Unavailable(str(exc), "unavailable.store") from None
    try:
        return reports.year_timeliness(records, year), None
    except (OgiError, ConfigError) as exc:
        # An agency's calendar that cannot be built must not take the page down with it.
        return [], f"timeliness left out: {exc}"


async def supervision(agency: str | None = None) -> SupervisionView:
    """The page's figures for all agencies or one."""
    year = beijing_date(datetime.now(UTC)).year
    stats, overdue, soon, (timely, problem) = await asyncio.gather(
        listings.stats(agency),
        listings.list_cases(listings.Query(overdue=True, agency=agency), LIST_SIZE),
        listings.list_cases(listings.Query(due_within=DUE_SOON_DAYS, agency=agency), LIST_SIZE),
        asyncio.to_thread(_timeliness_now, year, agency),
    )
    return SupervisionView(stats, overdue, soon, year, timely, problem)
