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
from domain.input_problems import input_problem
from domain.messages import Msg, plural_msg
from infra.settings import settings
from service.errors import BadInput, TooLarge

__all__ = ["application_from", "parse_application"]


def parse_application(raw: bytes, source: str = "the application") -> Application:
    """An application document from raw bytes: bounded, UTF-8, JSON, and valid; ``BadInput``/``TooLarge`` otherwise."""
    limit = settings().max_body_bytes
    if len(raw) > limit:
        msg = Msg(
            "{source} is {size:,} bytes, more than the {limit:,} allowed (OGI_MAX_BODY_BYTES)",
            source=_source(source),
            size=len(raw),
            limit=limit,
        )
        raise TooLarge(msg)
    try:
        text = raw.decode("utf-8-sig")  # Windows editors often start UTF-8 files with a byte-order mark
    except UnicodeDecodeError as exc:
        msg = Msg(
            "{source} is not UTF-8 text (byte {byte} cannot be read); save it as UTF-8 "
            "(an intake system exporting GBK must convert it first)",
            source=_source(source),
            byte=exc.start,
        )
        raise BadInput(msg, "bad_input.encoding") from None
    try:
        data = json.loads(text)
    except RecursionError:
        msg = Msg(
            "{source} nests too deeply to read; at most {most} levels are allowed",
            source=_source(source),
            most=MAX_DEPTH,
        )
        raise BadInput(msg, "bad_input.too_deep") from None
    except json.JSONDecodeError as exc:
        msg = Msg(
            "{source} is not JSON: the JSON syntax breaks at line {line} column {column} ({detail})",
            source=_source(source),
            line=exc.lineno,
            column=exc.colno,
            detail=exc.msg,
        )
        raise BadInput(msg, "bad_input.json") from None
    return application_from(data, source)


def _source(source: str) -> Msg | str:
    """The document as a message names it: "the application", or the file it came from."""
    if source == "the request body":
        return Msg("the request body")
    return Msg("the application") if source == "the application" else source


def application_from(data: Any, source: str = "the application") -> Application:
    """A validated application from parsed JSON (size limits first, then the model)."""
    try:
        check_document(data)
    except InputTooLarge as exc:
        msg = Msg("{source}: {problem}", source=_source(source), problem=exc.message)
        raise (TooLarge if exc.too_large else BadInput)(msg, exc.code, field=exc.field) from None
    try:
        return Application.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "document"
        problem: Msg = Msg(
            "{source}: {where}: {problem}", source=_source(source), where=where, problem=input_problem(err)
        )
        if exc.error_count() > 1:
            problem = plural_msg(
                "{first} (and {n} more problem)",
                "{first} (and {n} more problems)",
                exc.error_count() - 1,
                first=problem,
            )
        raise BadInput(problem, field=where) from None
