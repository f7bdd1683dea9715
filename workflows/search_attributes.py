"""The search attributes of a case (ARCHITECTURE.md contract): typed keys, never personal data."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

DUE_AT = SearchAttributeKey.for_datetime("DueAt")
RECEIVED_AT = SearchAttributeKey.for_datetime("ReceivedAt")
STAGE = SearchAttributeKey.for_keyword("Stage")
AGENCY = SearchAttributeKey.for_keyword("Agency")
OUTCOME = SearchAttributeKey.for_keyword("Outcome")
CHANNEL = SearchAttributeKey.for_keyword("Channel")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
CLOCK_PAUSED = SearchAttributeKey.for_bool("ClockPaused")

ALL_KEYS: tuple[SearchAttributeKey[object], ...] = (  # type: ignore[assignment]
    DUE_AT,
    RECEIVED_AT,
    STAGE,
    AGENCY,
    OUTCOME,
    CHANNEL,
    OVERDUE,
    CLOCK_PAUSED,
)
