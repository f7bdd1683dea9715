"""Anti-abuse for the online form: submissions counted per address, and a self-hosted arithmetic question.

After ``OGI_APPLY_CHALLENGE_AFTER`` applications from one address within an hour, the form asks a small
sum first. The question travels with the form as an HMAC of its answer (the server secret lives in the
home's ``keys/web.key``), valid for 20 minutes, so any ``ogi serve --public`` process sharing the home
checks it without shared memory; nothing leaves the server (no third-party service).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

from infra.paths import keys_dir, private_dir
from infra.settings import settings

WINDOW_S = 3600
CHALLENGE_TTL_S = 20 * 60
MAX_ADDRESSES = 50_000


class SubmissionLog:
    """When each address last submitted, within the window (bounded: the oldest addresses are dropped)."""

    def __init__(self) -> None:
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def recent(self, client: str) -> int:
        """Submissions from ``client`` in the last hour."""
        now = time.monotonic()
        with self._lock:
            stamps = self._seen.get(client)
            if stamps is None:
                return 0
            while stamps and now - stamps[0] > WINDOW_S:
                stamps.popleft()
            return len(stamps)

    def add(self, client: str) -> None:
        """Count a submission from ``client``."""
        with self._lock:
            stamps = self._seen.pop(client, deque(maxlen=1000))
            stamps.append(time.monotonic())
            self._seen[client] = stamps
            while len(self._seen) > MAX_ADDRESSES:
                self._seen.popitem(last=False)

    def needs_challenge(self, client: str) -> bool:
        """Whether the next submission from ``client`` must answer the question first."""
        return self.recent(client) >= settings().apply_challenge_after

    def reset(self) -> None:
        """Forget every address (tests)."""
        with self._lock:
            self._seen.clear()


submissions = SubmissionLog()

_secret_lock = threading.Lock()


def _secret() -> bytes:
    path = keys_dir() / "web.key"
    with _secret_lock:
        if not path.exists():
            private_dir(path.parent)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first: theirs is the secret
            else:
                with os.fdopen(fd, "wb") as out:
                    out.write(secrets.token_bytes(32))
        return path.read_bytes()


@dataclass(frozen=True)
class Challenge:
    """A question and the token that proves its answer without storing it."""

    question: str
    token: str


def _mac(answer: str, expires: int, salt: str) -> str:
    message = f"{answer.strip()}|{expires}|{salt}".encode()
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()


def new_challenge() -> Challenge:
    """A small sum, and its token."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    expires = int(time.time()) + CHALLENGE_TTL_S
    salt = secrets.token_hex(8)
    return Challenge(f"{a} + {b}", f"{expires}.{salt}.{_mac(str(a + b), expires, salt)}")


def answer_ok(token: str | None, answer: str | None) -> bool:
    """Whether ``answer`` is the answer the token was made for, before it expired."""
    if not token or not answer:
        return False
    expires_text, _, rest = token.partition(".")
    salt, _, mac = rest.partition(".")
    if not expires_text.isdigit() or int(expires_text) < time.time():
        return False
    return hmac.compare_digest(_mac(answer, int(expires_text), salt), mac)
