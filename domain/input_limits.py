"""Bounds on what the outside world may send: size, depth, extra fields, and characters in free text.

Checked before anything else (and long before a tracking number is taken), so a document that could
never become a case is refused at once with the limit it breaks, instead of failing later in Temporal
(payload limits) or hiding text from a reader (control, zero-width and bidi-override characters).
"""

from __future__ import annotations

import json
from typing import Any

from domain.actor import bad_character
from domain.application import Application
from domain.errors import OgiError
from domain.messages import Msg, Text

MAX_DEPTH = 8
"""Nesting levels of objects and arrays (the application itself uses three)."""
MAX_KEYS = 200
"""Object keys in the whole document."""
MAX_EXTRA_FIELDS = 30
"""Fields an intake system may add beside the contract's own."""
MAX_EXTRA_BYTES = 4096
"""Size of each added field, as JSON."""
MAX_STRING = 100_000
"""Characters in any one string (the description's own limit is the configuration's)."""


class InputTooLarge(OgiError):
    """A document breaks a limit; ``code``, ``field`` and ``too_large`` (HTTP 413 rather than 422) say which."""

    def __init__(self, message: Text, code: str, field: str | None = None, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.too_large = too_large


def _walk(value: Any, path: str, depth: int, counter: list[int]) -> None:
    if depth > MAX_DEPTH:
        if path:
            msg = Msg("{path} nests more than {most} levels deep", path=path, most=MAX_DEPTH)
        else:
            msg = Msg("the document nests more than {most} levels deep", most=MAX_DEPTH)
        raise InputTooLarge(msg, "bad_input.too_deep", path or None)
    if isinstance(value, dict):
        counter[0] += len(value)
        if counter[0] > MAX_KEYS:
            msg = Msg("the document has more than {most} fields", most=MAX_KEYS)
            raise InputTooLarge(msg, "bad_input.too_many_fields", too_large=True)
        for key, item in value.items():
            _text(str(key), f"{path}.{key}" if path else str(key), allow_newlines=False)
            _walk(item, f"{path}.{key}" if path else str(key), depth + 1, counter)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}[{index}]", depth + 1, counter)
    elif isinstance(value, str):
        _text(value, path, allow_newlines=True)


def _text(value: str, path: str, *, allow_newlines: bool) -> None:
    if len(value) > MAX_STRING:
        msg = Msg("{path} has {length:,} characters, more than {most:,}", path=path, length=len(value), most=MAX_STRING)
        raise InputTooLarge(msg, "bad_input.too_long", path, too_large=True)
    if problem := bad_character(value, allow_newlines=allow_newlines):
        msg = Msg(
            "{path}: {problem}; remove it (only newline and tab may appear besides visible text)",
            path=path,
            problem=problem,
        )
        raise InputTooLarge(msg, "bad_input.character", path)


def check_document(data: Any, known_fields: frozenset[str] | None = None) -> None:
    """Refuse a parsed document that breaks a limit (``InputTooLarge`` names it); return quietly otherwise."""
    _walk(data, "", 1, [0])
    if not isinstance(data, dict):
        return
    if known_fields is None:
        known_fields = frozenset(Application.model_fields)
    extra = [key for key in data if key not in known_fields]
    if len(extra) > MAX_EXTRA_FIELDS:
        msg = Msg(
            "the document adds {count} fields of its own; at most {most} are kept with a case",
            count=len(extra),
            most=MAX_EXTRA_FIELDS,
        )
        raise InputTooLarge(msg, "bad_input.too_many_fields", too_large=True)
    for key in extra:
        size = len(json.dumps(data[key], ensure_ascii=False).encode())
        if size > MAX_EXTRA_BYTES:
            msg = Msg(
                "the added field {key} is {size:,} bytes; each added field may take {most:,}",
                key=repr(key),
                size=size,
                most=MAX_EXTRA_BYTES,
            )
            raise InputTooLarge(msg, "bad_input.too_large", key, too_large=True)
