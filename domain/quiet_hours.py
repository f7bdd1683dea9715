"""Quiet hours: when a message to a person (an SMS) may go out, in Beijing time.

Pure: the caller gives the instant (a workflow's ``workflow.now()``, an activity's clock) and gets the
first instant at or after it inside the sending window, so no one is texted at night.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from domain.calendar import BEIJING
from domain.errors import OgiError


@dataclass(frozen=True)
class SendingWindow:
    """The daily hours (Beijing) in which messages may go out: from ``start`` until ``end`` (exclusive)."""

    start: time = time(8, 0)
    end: time = time(21, 0)

    def __post_init__(self) -> None:
        if self.start == self.end:
            msg = "a sending window needs a start and an end that differ"
            raise OgiError(msg)


DEFAULT_WINDOW = SendingWindow()
"""08:00–21:00 Beijing."""


def parse_window(text: str) -> SendingWindow:
    """A window from ``HH:MM-HH:MM`` (e.g. ``08:00-21:00``; ``22:00-06:00`` runs over midnight)."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        msg = f"sending hours {text!r} are not HH:MM-HH:MM (e.g. 08:00-21:00)"
        raise OgiError(msg) from None
    return SendingWindow(start, end)


def _inside(clock: time, window: SendingWindow) -> bool:
    if window.start < window.end:
        return window.start <= clock < window.end
    return clock >= window.start or clock < window.end  # a window over midnight


def may_send(at: datetime, window: SendingWindow = DEFAULT_WINDOW) -> bool:
    """Whether a message may go out at ``at`` (an aware datetime)."""
    return _inside(at.astimezone(BEIJING).time(), window)


def next_send_time(at: datetime, window: SendingWindow = DEFAULT_WINDOW) -> datetime:
    """``at`` itself inside the window, else the window's next opening (Beijing time, aware)."""
    if at.tzinfo is None:
        msg = "next_send_time needs an aware datetime (UTC or Beijing), not a naive one"
        raise OgiError(msg)
    local = at.astimezone(BEIJING)
    if _inside(local.time(), window):
        return at
    opening = local.replace(hour=window.start.hour, minute=window.start.minute, second=0, microsecond=0)
    return opening if opening > local else opening + timedelta(days=1)
