"""A keyed pseudonym of an applicant: counts one applicant's requests without keeping who they are.

Fees by count (按件计收, 国办函〔2020〕109号) depend on the applicant's n-th request at the agency in a
calendar month, so intake must recognise the same applicant again. The store keeps only this HMAC,
and the key lives outside the store, so a copy of the store does not reveal identity numbers.
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


def applicant_key(applicant: Applicant, secret: bytes) -> str:
    """The applicant's pseudonym: by identity number when given, else by kind, name and phone."""
    if applicant.id_number and applicant.id_number.strip():
        identity = "id:" + _norm(applicant.id_number)
    else:
        phone = "".join(ch for ch in applicant.phone or "" if ch.isdigit())
        identity = f"name:{applicant.kind.value}:{_norm(applicant.name)}:{phone}"
    return hmac.new(secret, identity.encode(), hashlib.sha256).hexdigest()
