"""Masked contact details for audit lines and logs: enough to tell which address, never the address itself.

``sent by e-mail to z***@example.com``: the audit trail shows that the document went out and where to,
without holding the applicant's personal data in the clear (the case store holds that, access-controlled).
"""

from __future__ import annotations

import re

_CHANNEL_WORDS = {"email": "e-mail", "sms": "SMS", "post": "post", "fax": "fax"}


def mask_email(address: str) -> str:
    """``zhangsan@example.com`` → ``z***@example.com``; the domain stays (it says where it went)."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_phone(number: str) -> str:
    """``13812345678`` → ``138****5678``; the country code (+86) is kept when given."""
    digits = re.sub(r"[^\d+]", "", number)
    prefix = ""
    if digits.startswith("+86"):
        prefix, digits = "+86", digits[3:]
    if len(digits) < 7:
        return prefix + "*" * len(digits)
    return f"{prefix}{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_address(address: str) -> str:
    """A postal address down to its first six characters (province, city), the rest hidden."""
    text = address.strip()
    return text[:6] + "***" if len(text) > 6 else "***"


def mask_contact(channel: str, address: str) -> str:
    """The address masked the way its channel needs."""
    if channel == "email":
        return mask_email(address)
    if channel in ("sms", "fax"):
        return mask_phone(address)
    return mask_address(address)


def delivery_audit_line(channel: str, address: str, what: str = "sent") -> str:
    """One audit line for a delivery, its address masked: ``sent by e-mail to z***@example.com``."""
    return f"{what} by {_CHANNEL_WORDS.get(channel, channel)} to {mask_contact(channel, address)}"
