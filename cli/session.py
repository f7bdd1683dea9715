"""Running one CLI command against Temporal: connect, translate failures into one clear line."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from cli.output import fail
from domain.errors import OgiError, Unavailable
from infra.connection import connect, connect_config, describe_connect_error

T = TypeVar("T")

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 3


def run_with_client(body: Callable[[Client], Awaitable[T]], *, as_json: bool) -> T:
    """Connect, run ``body``, and turn every expected failure into one error line and an exit code."""

    async def _main() -> T:
        try:
            client = await asyncio.wait_for(connect(), timeout=10)
        except OgiError as exc:  # e.g. a broken encryption key configuration: never fall back to plaintext
            fail(str(exc), EXIT_BAD_INPUT, as_json)
        except (RuntimeError, OSError, TimeoutError) as exc:
            address = connect_config().get("target_host")
            detail = describe_connect_error(exc)
            fail(
                f"cannot reach Temporal at {address} ({detail}); start it with 'make run' or set TEMPORAL_ADDRESS",
                EXIT_UNAVAILABLE,
                as_json,
            )
        try:
            return await body(client)
        except Unavailable as exc:
            fail(str(exc), EXIT_UNAVAILABLE, as_json)
        except OgiError as exc:
            fail(str(exc), EXIT_REFUSED, as_json)
        except RPCError as exc:
            if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
                fail(f"Temporal did not answer: {exc.message}", EXIT_UNAVAILABLE, as_json)
            fail(f"Temporal refused the request: {exc.message}", EXIT_REFUSED, as_json)

    return asyncio.run(_main())
