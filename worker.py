"""The worker process: connect by configuration, run every case workflow and activity, stop cleanly.

Run as ``python worker.py`` (``make run`` does). SIGINT/SIGTERM finish in-flight tasks and exit 0; a
server that cannot be reached or lacks the search attributes gives one error line and exit 3/1.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.registry import all_activities
from domain.errors import OgiError
from infra.assertions import Verifier
from infra.connection import TASK_QUEUE, connect, connect_config, describe_connect_error
from infra.log import configure_logging, get_logger
from infra.settings import settings
from infra.store import engine
from workflows.actors import ActorInterceptor
from workflows.registry import WORKFLOWS
from workflows.search_attributes import missing_search_attributes

EXIT_REFUSED = 1
EXIT_BAD_CONFIG = 2
EXIT_UNAVAILABLE = 3
ACTIVITY_THREADS = 32

log = get_logger("worker")


def sandbox_runner() -> SandboxedWorkflowRunner:
    """The workflow sandbox, with our own modules passed through.

    ``domain`` and ``activities`` are deterministic and heavy to re-import; ``workflows`` holds no mutable
    module state (every case's state lives on its instance), and re-running its module code for every new
    case cost a third of the worker's throughput (bench/lifecycle). The sandbox still guards what the
    workflow code itself calls.
    """
    restrictions = SandboxRestrictions.default.with_passthrough_modules(
        "domain", "pydantic", "activities", "infra", "workflows"
    )
    return SandboxedWorkflowRunner(restrictions=restrictions)


def actor_verifier() -> Verifier | None:
    """The verifier of signed actors (authentication on), or None in the trust-the-caller mode."""
    if not settings().auth_on:
        return None
    return Verifier()


def build_worker(
    client: Client, executor: ThreadPoolExecutor, task_queue: str = TASK_QUEUE, verifier: Verifier | None = None
) -> Worker:
    """A worker for every ogi workflow and activity on ``task_queue``; ``verifier`` checks actors when given."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=all_activities(),
        activity_executor=executor,
        max_concurrent_activities=ACTIVITY_THREADS,
        workflow_runner=sandbox_runner(),
        graceful_shutdown_timeout=timedelta(seconds=10),
        interceptors=[ActorInterceptor(verifier)],
    )


async def run_worker(stop: asyncio.Event, task_queue: str = TASK_QUEUE) -> None:
    """Connect, check the namespace is set up, and run until ``stop`` is set."""
    address = connect_config().get("target_host")
    try:
        client = await asyncio.wait_for(connect(), timeout=15)
    except OgiError as exc:  # a configuration error (e.g. encryption keys) says itself what to fix
        raise WorkerStartError(str(exc), EXIT_BAD_CONFIG) from None
    except (RuntimeError, OSError, TimeoutError) as exc:
        detail = describe_connect_error(exc)
        raise WorkerStartError(
            f"cannot reach Temporal at {address} ({detail}); start it with 'make run' or set TEMPORAL_ADDRESS",
            EXIT_UNAVAILABLE,
        ) from None
    missing = await missing_search_attributes(client)
    if missing:
        raise WorkerStartError(
            f"namespace {client.namespace!r} lacks search attributes {', '.join(missing)}; run 'ogi setup' first",
            EXIT_REFUSED,
        )
    try:
        engine()  # the store is brought up to date here, by a process that writes, before any case needs it
        verifier = actor_verifier()
    except OgiError as exc:
        raise WorkerStartError(str(exc), EXIT_BAD_CONFIG) from None
    if verifier is None:
        log.warning("authentication is off (OGI_AUTH=off): actions are recorded under the names callers claim")
    elif not verifier.has_keys:
        log.warning("no public assertion key yet: actions are refused until 'ogi setup' or 'ogi serve' makes one")
    with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS, thread_name_prefix="activity") as executor:
        worker = build_worker(client, executor, task_queue, verifier)
        log.info("worker started", server=address, namespace=client.namespace, task_queue=task_queue)
        async with worker:
            await stop.wait()
            log.info("worker stopping", task_queue=task_queue)
    log.info("worker stopped")


class WorkerStartError(OgiError):
    """The worker cannot start: says why and the exit code to use."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


async def _main() -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await run_worker(stop)
    except WorkerStartError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    return 0


def main() -> None:
    """Process entry point."""
    configure_logging()
    code = asyncio.run(_main())
    # Skip interpreter finalization: the SDK's native threads can abort it (PyGILState_Release) after a clean stop.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
