"""A real SMTP server for the whole test run (aiosmtpd on loopback): every e-mail the cases send lands here.

Refuses mailboxes that start with ``refuse`` (a 550, as a real server answers for an unknown user), so a
test can drive a failed delivery; keeps every message it accepts, for tests to read.
"""

from __future__ import annotations

import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Mailbox:
    """What the server accepted, in order; thread-safe (the server runs in its own thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("refuse"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self._messages.append(parsed)
            n = len(self._messages)
        return f"250 2.0.0 Ok: queued as T{n}"

    def messages(self, case_id: str | None = None) -> list[EmailMessage]:
        """The messages accepted so far (those of case ``case_id``, if given)."""
        with self._lock:
            found = list(self._messages)
        return [m for m in found if case_id is None or m.get("X-Ogi-Case") == case_id]


def start(port: int) -> tuple[Controller, Mailbox]:
    """Start the server on 127.0.0.1:``port``; stop it with ``controller.stop()``."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, box
