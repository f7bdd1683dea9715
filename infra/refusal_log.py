"""The worker's log of refused actors, bounded: a flood of forged or unsigned actions cannot flood the log.

The first refusals in each window are logged one by one (case, action, reason, never the payload);
later ones are counted and reported as one line when the window turns.
"""

from __future__ import annotations

import threading
import time

from infra.log import get_logger

log = get_logger("worker.refusals")


class RefusalLog:
    """At most ``per_window`` refusal lines per ``window_s`` seconds, then one summary line."""

    def __init__(self, per_window: int = 20, window_s: float = 60.0) -> None:
        self.per_window = per_window
        self.window_s = window_s
        self._lock = threading.Lock()
        self._start = time.monotonic()
        self._logged = 0
        self._suppressed = 0
        self.total = 0

    def note(self, case_id: str, action: str, reason: str) -> None:
        """Record one refusal: logged while the window has room, counted otherwise."""
        with self._lock:
            self.total += 1
            now = time.monotonic()
            if now - self._start >= self.window_s:
                if self._suppressed:
                    log.warning("actions.refused_suppressed", count=self._suppressed, window_s=self.window_s)
                self._start, self._logged, self._suppressed = now, 0, 0
            if self._logged >= self.per_window:
                self._suppressed += 1
                return
            self._logged += 1
        log.warning("action.refused", case_id=case_id, action=action, reason=reason)


refusal_log = RefusalLog()
"""The worker process's refusal log."""
