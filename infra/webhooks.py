"""Signed webhooks: an HMAC-SHA256 over the timestamp and the body, checked within a replay window.

The scheme the large payment and code-hosting platforms use: the header ``X-Ogi-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``. A receiver recomputes it with the shared
secret (``OGI_NOTIFY_SECRET``), compares in constant time, and refuses a timestamp older than the
window, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Ogi-Signature"
WINDOW_S = 300


class SignatureInvalid(ValueError):
    """A webhook whose signature does not verify, or is too old."""


def sign(secret: str, body: bytes, now: float | None = None) -> str:
    """The signature header's value for ``body``."""
    stamp = int(now if now is not None else time.time())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, now: float | None = None, window_s: int = WINDOW_S) -> None:
    """Accept a webhook's signature, or raise ``SignatureInvalid`` saying why (for receivers and tests)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        msg = "no timestamp in the signature header"
        raise SignatureInvalid(msg) from None
    current = now if now is not None else time.time()
    if abs(current - stamp) > window_s:
        msg = f"the signature is {int(current - stamp)} s old; the window is {window_s} s"
        raise SignatureInvalid(msg)
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        msg = "the signature does not match the body"
        raise SignatureInvalid(msg)
