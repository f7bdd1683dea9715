"""How every process reaches Temporal: temporalio's environment configuration plus ogi's data converter."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.envconfig import ClientConfig
from temporalio.runtime import LogForwardingConfig, LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.service import PayloadLimitsConfig

from infra.codec import default_keys_file, load_codec
from infra.settings import settings

TASK_QUEUE = os.environ.get("OGI_TASK_QUEUE", "ogi-cases")
"""The task queue when the process started (the worker's); services ask ``task_queue()`` at each call."""


def task_queue() -> str:
    """The case task queue (``OGI_TASK_QUEUE``, default ``ogi-cases``)."""
    return settings().task_queue


DEFAULT_ADDRESS = "localhost:7233"


def data_converter() -> DataConverter:
    """The converter every client and worker uses: pydantic models as JSON payloads, encrypted by default.

    Payloads are encrypted (``infra/codec.py``: the configured keys, else the home's key file made on
    first use) unless ``OGI_ENCRYPTION=off``, and failure messages and stack traces move into an
    encrypted attribute too, since errors can quote an application. One converter per key configuration
    in a process; a broken key configuration raises, never falls back to plaintext.
    """
    s = settings()
    key = (
        s.encryption,
        str(s.keys_file or ""),
        s.encryption_key.get_secret_value() if s.encryption_key else "",
        s.encryption_key_id or "",
        str(default_keys_file()) if s.encryption_on and not (s.keys_file or s.encryption_key) else "",
    )
    return _converter_for(key)


def reset_converters() -> None:
    """Forget the converters made so far (tests that change keys within one process)."""
    _converter_for.cache_clear()


@functools.cache
def _converter_for(key: tuple[str, ...]) -> DataConverter:
    codec = load_codec()
    if codec is None:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


@functools.cache
def runtime() -> Runtime:
    """The SDK runtime of an ogi process: the core's own log lines go to Python logging (stderr), never stdout.

    Without it the core writes its warnings (a large payload, a slow poll) to stdout, where they would
    break a command's one-JSON-document answer.
    """
    forward = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    levels = TelemetryFilter(core_level="WARN", other_level="ERROR")
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=levels, forwarding=forward)))


def client_options() -> dict[str, Any]:
    """Connection settings plus ogi's runtime and payload warning size, for ``Client.connect``."""
    return {
        **connect_config(),
        "runtime": runtime(),
        "payload_limits": PayloadLimitsConfig(payloads_warn_size=settings().payload_warn_bytes),
    }


def connect_config() -> dict[str, Any]:
    """Connection settings from TEMPORAL_* variables and the temporal.toml profile, with local defaults."""
    config: dict[str, Any] = dict(ClientConfig.load_client_connect_config())
    config.setdefault("target_host", DEFAULT_ADDRESS)
    config.setdefault("namespace", "default")
    return config


async def connect() -> Client:
    """Connect to the configured Temporal service."""
    return await Client.connect(**client_options(), data_converter=data_converter())


def describe_connect_error(exc: BaseException) -> str:
    """A short reason for a failed connection, instead of the transport's nested debug text."""
    text = str(exc)
    for needle, reason in (
        ("Connection refused", "connection refused"),
        ("dns error", "address not found"),
        ("deadline has elapsed", "timed out"),
        ("certificate", "TLS certificate problem"),
        ("Unauthenticated", "not authenticated (check TEMPORAL_API_KEY / TLS client certificate)"),
    ):
        if needle.lower() in text.lower():
            return reason
    if isinstance(exc, TimeoutError):
        return "timed out"
    first = text.splitlines()[0] if text else type(exc).__name__
    return first if len(first) <= 160 else first[:157] + "..."
