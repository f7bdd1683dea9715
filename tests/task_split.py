"""Histories as a loaded worker records them: a workflow task ended right after a local activity's result.

When a worker heartbeats a workflow task while a local activity runs, the activity's marker can land in the
task that ends while the code after it runs in the next task. Rewriting a committed history that way gives
the replay suite that history without needing a loaded machine to produce it.
"""

from __future__ import annotations

import copy
from typing import Any

Event = dict[str, Any]

TASK_SCHEDULED = "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED"


def _is_local_activity(event: Event) -> bool:
    return bool(event.get("markerRecordedEventAttributes", {}).get("markerName") == "core_local_activity")


def _command_attributes(event: Event) -> dict[str, Any] | None:
    """The attributes of an event a workflow task's command made, else None."""
    for value in event.values():
        if isinstance(value, dict) and "workflowTaskCompletedEventId" in value:
            return value
    return None


def split_points(events: list[Event]) -> list[int]:
    """Indexes of the local-activity markers that further commands of the same workflow task follow."""
    points: list[int] = []
    for i, event in enumerate(events):
        if not _is_local_activity(event):
            continue
        for later in events[i + 1 :]:
            if later["eventType"] == TASK_SCHEDULED:
                break
            if _command_attributes(later) is not None:
                points.append(i)
                break
    return points


def _renumber(node: Any, ids: dict[int, int]) -> None:
    """Point every ``…EventId`` reference at the event's new number."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("EventId") and isinstance(value, str | int) and int(value) in ids:
                node[key] = str(ids[int(value)])
            else:
                _renumber(value, ids)
    elif isinstance(node, list):
        for value in node:
            _renumber(value, ids)


def split_after(history: dict[str, Any], point: int) -> dict[str, Any]:
    """``history`` with its workflow task ended after event index ``point`` and the rest done by a new task."""
    events: list[Event] = copy.deepcopy(history["events"])
    task = [copy.deepcopy(e) for e in events[1:4]]  # the first task's scheduled, started, completed
    metadata = task[2]["workflowTaskCompletedEventAttributes"].get("sdkMetadata", {})
    for flags in ("coreUsedFlags", "langUsedFlags"):
        metadata.pop(flags, None)  # a later task sets no flags of its own
    merged = events[: point + 1] + task + events[point + 1 :]
    inserted = {id(e) for e in task}
    ids = {int(e["eventId"]): n for n, e in enumerate(merged, 1) if id(e) not in inserted}
    for event in merged:
        if id(event) not in inserted:
            _renumber(event, ids)
    for n, event in enumerate(merged, 1):
        event["eventId"] = str(n)
    scheduled, started, completed = task
    for event in task:
        event["eventTime"] = merged[point]["eventTime"]
    started["workflowTaskStartedEventAttributes"]["scheduledEventId"] = scheduled["eventId"]
    done = completed["workflowTaskCompletedEventAttributes"]
    done["scheduledEventId"], done["startedEventId"] = scheduled["eventId"], started["eventId"]
    # The commands after the split are the new task's.
    for event in merged[int(completed["eventId"]) :]:
        if event["eventType"] == TASK_SCHEDULED:
            break
        attributes = _command_attributes(event)
        if attributes is not None:
            attributes["workflowTaskCompletedEventId"] = completed["eventId"]
    return {**history, "events": merged}
