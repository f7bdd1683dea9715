"""The signing hook: the agency's own seal system applies a legally valid electronic seal (GB/T 38540).

``OGI_DOCUMENT_SIGNER`` names it: either ``module:function`` (called with the PDF bytes and the document's facts, returning the signed PDF)
or an ``https://`` URL (POST ``application/pdf``, answered with the signed PDF). Without a signer documents
stay unsigned and are stamped by hand; a signer that fails is an error, never an unsigned document sent
out as signed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast
from urllib.parse import quote

import httpx

from domain.errors import OgiError
from infra.settings import settings

Signer = Callable[[bytes, dict[str, str]], bytes]


class SigningError(OgiError):
    """The configured signer did not return a signed PDF; the message says which signer and why."""


def _load(target: str) -> Signer:
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        msg = f"OGI_DOCUMENT_SIGNER {target!r} is neither module:function nor an http(s):// URL"
        raise SigningError(msg)
    try:
        func = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        msg = f"OGI_DOCUMENT_SIGNER {target!r} cannot be loaded: {exc}"
        raise SigningError(msg) from exc
    return cast(Signer, func)


def _post(url: str, pdf: bytes, facts: dict[str, str]) -> bytes:
    token = settings().document_signer_token
    headers = {"Content-Type": "application/pdf", "Accept": "application/pdf"}
    # Header values must be ASCII: the 文号 is percent-encoded (UTF-8).
    headers |= {f"X-Ogi-{name.replace('_', '-').title()}": quote(value) for name, value in facts.items()}
    if token is not None:
        headers["Authorization"] = f"Bearer {token.get_secret_value()}"
    try:
        answer = httpx.post(url, content=pdf, headers=headers, timeout=60)
    except httpx.HTTPError as exc:
        msg = f"the signing service at {url} did not answer: {exc}"
        raise SigningError(msg) from exc
    if answer.status_code != 200:
        msg = f"the signing service at {url} refused the document: HTTP {answer.status_code} {answer.text[:200]}"
        raise SigningError(msg)
    return answer.content


def sign_pdf(pdf: bytes, facts: dict[str, str], signer: str | None = None) -> bytes | None:
    """The signed PDF from the configured signer (``signer`` overrides the setting); None without a signer.

    ``facts`` (case id, kind, number) go to the signer so its log can name the document.
    """
    target = signer if signer is not None else settings().document_signer
    if not target:
        return None
    signed = _post(target, pdf, facts) if target.startswith(("http://", "https://")) else _load(target)(pdf, facts)
    if not isinstance(signed, bytes) or not signed.startswith(b"%PDF-"):
        msg = f"the signer {target} did not return a PDF"
        raise SigningError(msg)
    return signed
