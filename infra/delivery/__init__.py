"""Delivery adapters: e-mail (SMTP), SMS (Alibaba Cloud, Tencent Cloud) and the post room's print batch.

Each returns what really happened (the server's Message-ID and acceptance time, the provider's message
id) or raises ``DeliveryFailed`` with the server's own answer; none reports a document as delivered on
the strength of having tried.
"""

from __future__ import annotations

from domain.errors import OgiError


class DeliveryFailed(OgiError):
    """A delivery did not happen: the server refused it or could not be reached.

    ``permanent`` says whether trying again can help (a refused mailbox, a bad number: no; a server that
    did not answer: yes); ``answer`` is the server's or provider's own words, for the audit trail.
    """

    def __init__(self, message: str, *, permanent: bool, answer: str | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.answer = answer
