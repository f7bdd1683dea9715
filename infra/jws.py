"""Compact JWS (RFC 7515) signed and checked with the installation's own keys, strictly.

A token names its key (``kid``) and that key's algorithm must be the one in the header: ``alg: none``,
an algorithm swap or an unknown key is refused before any signature is looked at. Expiry and
not-before are checked against the caller's clock (the worker passes ``workflow.now()``).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from infra.crypto import signer
from infra.signing_keys import KeyEntry, KeySet

JWS_ALG = {"Ed25519": "EdDSA", "SM2": "SM2-SM3"}
"""The JWS ``alg`` of each signature algorithm (EdDSA is RFC 8037's name for Ed25519)."""
LEEWAY_S = 60
"""Clock difference tolerated between signer and checker."""


class TokenError(ValueError):
    """A token or assertion that does not verify; ``code`` is the reason in one word."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise TokenError("malformed", "not a signed token (bad base64)") from None


def sign(claims: dict[str, Any], key: KeyEntry, typ: str) -> str:
    """``claims`` signed with ``key`` as a compact JWS of type ``typ``."""
    header = {"alg": JWS_ALG[key.alg], "kid": key.kid, "typ": typ}
    head = _b64(json.dumps(header, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    signature = signer(key.alg).sign(key.private_bytes(), f"{head}.{body}".encode())
    return f"{head}.{body}.{_b64(signature)}"


def unverified_header(token: str) -> dict[str, Any]:
    """The header of a token, unchecked: only to choose which keys to check it with."""
    head = token.split(".", 1)[0]
    try:
        header = json.loads(_unb64(head))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TokenError("malformed", "not a signed token (the header is not JSON)") from None
    if not isinstance(header, dict):
        raise TokenError("malformed", "not a signed token (the header is not an object)")
    return header


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a token without checking it: only for a token whose check is already on record."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("malformed", "not a signed token (three dot-separated parts expected)")
    claims = json.loads(_unb64(parts[1]))
    if not isinstance(claims, dict):
        raise TokenError("malformed", "the token's claims are not an object")
    return claims


def verify(token: str, keys: KeySet, *, typ: str, now: float) -> dict[str, Any]:
    """The claims of ``token`` once its key, algorithm, type, signature and validity period check out."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise TokenError("malformed", "not a signed token (three dot-separated parts expected)")
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TokenError("malformed", "not a signed token (header or claims are not JSON)") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TokenError("malformed", "not a signed token (header or claims are not objects)")
    key = keys.get(str(header.get("kid", "")))
    if key is None:
        raise TokenError("unknown_key", f"signed with a key this installation does not know ({header.get('kid')!r})")
    if header.get("alg") != JWS_ALG.get(key.alg):
        raise TokenError("bad_algorithm", f"algorithm {header.get('alg')!r} is not the key's ({JWS_ALG.get(key.alg)})")
    if header.get("typ") != typ:
        raise TokenError("wrong_type", f"a {header.get('typ')!r}, not a {typ!r}")
    if not signer(key.alg).verify(key.public_bytes(), f"{parts[0]}.{parts[1]}".encode(), _unb64(parts[2])):
        raise TokenError("bad_signature", "the signature does not verify")
    exp, nbf = claims.get("exp"), claims.get("nbf", claims.get("iat"))
    if not isinstance(exp, int | float) or now > exp + LEEWAY_S:
        raise TokenError("expired", "expired")
    if isinstance(nbf, int | float) and now + LEEWAY_S < nbf:
        raise TokenError("not_yet_valid", "not valid yet")
    return claims
