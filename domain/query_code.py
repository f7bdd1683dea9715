"""The query code (查询码) an applicant checks a case's status with, without an account.

Tracking numbers are sequential, so a status page keyed by them alone would let anyone walk through
every case. The code is an HMAC of the tracking number under the installation's key: intake hands it
to the applicant, and the case keeps only its SHA-256, which any client can check a code against.
(A plain hash suffices: whoever can read the digest can already read the whole case.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata

CODE_LENGTH = 10
"""Characters of base32 (50 bits): unguessable for a status page, short enough to read out."""


_READ_ALIKE = str.maketrans({"0": "O", "1": "I", "8": "B"})
"""Digits base32 never uses, typed for the letters they look like when a code is read out or copied."""


def normalize_code(code: str) -> str:
    """The code as compared: half-width, upper case, without spaces or hyphens, look-alike digits as letters."""
    # NFKC: Chinese input methods often type full-width letters and digits (ＫＱ７…).
    folded = unicodedata.normalize("NFKC", code).upper().translate(_READ_ALIKE)
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


def query_code(case_id: str, secret: bytes) -> str:
    """The case's query code, printed as two groups of five (e.g. ``K7QXM-2HD4P``)."""
    mac = hmac.new(secret, ("query-code:" + case_id).encode(), hashlib.sha256).digest()
    raw = base64.b32encode(mac).decode()[:CODE_LENGTH]
    return f"{raw[:5]}-{raw[5:]}"


def code_digest(code: str) -> str:
    """What a case keeps of its code: SHA-256 of the normalized code."""
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def code_matches(code: str, digest: str | None) -> bool:
    """Whether ``code`` is the case's code (constant time); never for a case without one."""
    return digest is not None and hmac.compare_digest(code_digest(code), digest)
