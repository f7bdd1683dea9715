"""Structured logging for every ogi process, with applicants' personal data masked before output.

Console rendering in a terminal, one JSON object per line otherwise; the masking processor runs on
every event whatever the renderer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

PERSONAL_FIELDS = frozenset(
    {"name", "applicant_name", "id_number", "phone", "address", "email", "contact", "applicant", "postal_address"}
)
MASK = "***"

# 18-digit resident ID (last char may be X) and 11-digit mainland mobile numbers, wherever they appear.
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_text(text: str) -> str:
    """Replace ID numbers and mobile numbers inside free text."""
    return _MOBILE.sub(MASK, _ID_NUMBER.sub(MASK, text))


def _mask_value(key: str, value: Any) -> Any:
    if key in PERSONAL_FIELDS and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: _mask_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(key, v) for v in value]
    return value


def mask_personal_data(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Structlog processor: personal fields become ``***``; ID and phone numbers in text are masked too."""
    for key in list(event_dict):
        event_dict[key] = _mask_value(key, event_dict[key])
    return event_dict


class _CurrentStderr:
    """A structlog logger writing to whatever ``sys.stderr`` is at each call.

    Bound to the stream of the moment it was configured, a logger breaks once that stream is closed
    (a replaced stderr); a log line must never be what fails an activity.
    """

    def msg(self, message: str) -> None:
        # No stream to write to: the line is lost, the work goes on.
        with contextlib.suppress(ValueError, OSError):
            sys.stderr.write(message + "\n")
            sys.stderr.flush()

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def _current_stderr(*_: Any) -> _CurrentStderr:
    return _CurrentStderr()


class _CurrentStderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stdlib handler writing to the ``sys.stderr`` of the moment, for the same reason."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        pass  # never a traceback about a closed stream in the middle of someone's work


def configure_logging(level: str | None = None, *, json_output: bool | None = None) -> None:
    """Configure structlog (and stdlib logging through it) once per process.

    ``OGI_LOG_LEVEL`` sets the level (default INFO); ``OGI_LOG_FORMAT=json|console`` overrides the
    terminal detection.
    """
    level_name = (level or os.environ.get("OGI_LOG_LEVEL", "INFO")).upper()
    if json_output is None:
        fmt = os.environ.get("OGI_LOG_FORMAT", "").lower()
        json_output = fmt == "json" or (fmt != "console" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if json_output else structlog.dev.ConsoleRenderer()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        mask_personal_data,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping().get(level_name, 20)),
        logger_factory=_current_stderr,
        cache_logger_on_first_use=False,
    )
    handler = _CurrentStderrHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level_name)
    # Libraries that log every request or rendering step at INFO (the CLI's in-process client, the SMTP server,
    # the PDF renderer and its font subsetting) say it at WARNING.
    for chatty in ("httpx", "httpcore", "mail.log", "weasyprint", "fontTools"):
        logging.getLogger(chatty).setLevel(max(logging.getLevelNamesMapping().get(level_name, 20), logging.WARNING))
    # The SDK logs every activity/workflow failure with its message; keep those but not per-poll chatter.
    logging.getLogger("temporalio").setLevel(max(logging.getLevelNamesMapping().get(level_name, 20), logging.INFO))


def get_logger(name: str) -> Any:
    """A structlog logger bound to a module name."""
    return structlog.get_logger(name)
