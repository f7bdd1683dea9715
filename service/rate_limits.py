"""Rate limits for what anyone may call without an account (status lookups, online applications).

A token bucket per key (the client's address, the case looked up): ``capacity`` requests at once,
refilled at ``per_minute``. In memory, per ``ogi serve`` process; behind a load balancer with several
processes each enforces its own share.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from domain.messages import Msg
from service.errors import RateLimited

MAX_KEYS = 100_000
"""Buckets kept at most (the least recently used go first): bounded memory under a flood of addresses."""


class RateLimiter:
    """Token buckets by key."""

    def __init__(self, capacity: int, per_minute: float, what: Msg) -> None:
        self.capacity = capacity
        self.rate = per_minute / 60.0
        self.what = what
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> None:
        """Spend one request for ``key``; ``RateLimited`` (with when to retry) when its bucket is empty."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.pop(key, (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + (now - stamp) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                wait = (1 - tokens) / self.rate if self.rate else 60.0
                msg = Msg("too many {what}; try again in {seconds} s", what=self.what, seconds=max(1, round(wait)))
                raise RateLimited(msg)

            self._buckets[key] = (tokens - 1, now)
            while len(self._buckets) > MAX_KEYS:
                self._buckets.popitem(last=False)

    def reset(self) -> None:
        """Forget every bucket (tests)."""
        with self._lock:
            self._buckets.clear()
