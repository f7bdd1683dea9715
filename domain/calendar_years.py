"""The years the working-day calendar covers, apart from the calendar so a command's options name them for free."""

from __future__ import annotations

FIRST_YEAR = 2008
"""The first year of the calendar (the 2008 Regulations took effect on 1 May 2008)."""
LAST_YEAR = 2040
"""The last year of the calendar's data; periods may start up to the end of the year before."""
