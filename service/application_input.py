"""Reading an application document from the outside world: bounded, UTF-8, JSON, then the model.

Light on purpose (no Temporal): ``ogi validate`` uses it without a server, and the API before anything
else, so a document that could never become a case is refused before any number is taken.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from domain.application import Application
from domain.input_limits import MAX_DEPTH, InputTooLarge, check_document
from infra.settings import settings
from service.errors import BadInput, TooLarge

__all__ = ["application_from", "parse_application"]


def parse_application(raw: bytes, source: str = "the application") -> Application:
    """An application document from raw bytes: bounded, UTF-8, JSON, and valid; ``BadInput``/``TooLarge`` otherwise."""
    limit = settings().max_body_bytes
    if len(raw) > limit:
        msg = f"{source} is {len(raw):,} bytes, more than the {limit:,} allowed (OGI_MAX_BODY_BYTES)"
        raise TooLarge(msg)
    try:
        text = raw.decode("utf-8-sig")  # Windows editors often start UTF-8 files with a byte-order mark
    except UnicodeDecodeError as exc:
        msg = (
            f"{source} is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8 "
            "(an intake system exporting GBK must convert it first)"
        )
        raise BadInput(msg, "bad_input.encoding") from None
    try:
        data = json.loads(text)
    except RecursionError:
        msg = f"{source} nests too deeply to read; at most {MAX_DEPTH} levels are allowed"
        raise BadInput(msg, "bad_input.too_deep") from None
    except json.JSONDecodeError as exc:
        msg = f"{source} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        raise BadInput(msg, "bad_input.json") from None
    return application_from(data, source)


def application_from(data: Any, source: str = "the application") -> Application:
    """A validated application from parsed JSON (size limits first, then the model)."""
    try:
        check_document(data)
    except InputTooLarge as exc:
        raise (TooLarge if exc.too_large else BadInput)(f"{source}: {exc}", exc.code, field=exc.field) from None
    try:
        return Application.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "document"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise BadInput(f"{source}: {where}: {err['msg']}{more}", field=where) from None
