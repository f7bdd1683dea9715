"""Keyed pseudonyms of an applicant and of what they ask for: recognised again, never kept.

Fees by count (按件计收, 国办函〔2020〕109号) depend on the applicant's n-th request at the agency in a
calendar month, and a repeated application (Art 36(6)) is the same applicant asking for the same
information again, so intake must recognise both. The store keeps only these HMACs, and the key
lives outside the store, so a copy of the store reveals neither identity numbers nor requests.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from domain.application import Applicant

_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).upper()


def _words(text: str) -> str:
    """The text without spacing, punctuation or symbols, full-width folded, upper case."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


NOT_RECOGNISABLE = (
    "the applicant gave no identity number, phone or e-mail, so their applications are not counted per month "
    "(fees by count cannot be charged) nor matched against earlier requests; record the identity number to count them"
)
"""The intake warning for an applicant :func:`applicant_key` cannot recognise again."""


def applicant_key(applicant: Applicant, secret: bytes, email: str | None = None) -> str | None:
    """The applicant's pseudonym: by identity number, else by kind, name and phone or e-mail; else None.

    A name alone is no identity: two people called 张伟 would share one count, and one would pay
    for the other's applications. Such an applicant is not counted (None) rather than guessed.
    """
    if applicant.id_number and applicant.id_number.strip():
        identity = "id:" + _norm(applicant.id_number)
    elif phone := "".join(ch for ch in applicant.phone or "" if ch.isdigit()):
        identity = f"name:{applicant.kind.value}:{_norm(applicant.name)}:{phone}"
    elif email and email.strip():
        identity = f"name:{applicant.kind.value}:{_norm(applicant.name)}:mail:{_norm(email).lower()}"
    else:
        return None
    return hmac.new(secret, identity.encode(), hashlib.sha256).hexdigest()


def key_fingerprint(secret: bytes) -> str:
    """A short tag of the key itself, kept in the store so every worker can tell it holds the same key."""
    return hmac.new(secret, b"ogi applicant key fingerprint", hashlib.sha256).hexdigest()[:16]


def content_key(description: str, secret: bytes) -> str:
    """A pseudonym of the information asked for: equal for the same text however spaced or punctuated."""
    return hmac.new(secret, ("content:" + _words(description)).encode(), hashlib.sha256).hexdigest()
