"""``make run``'s stack (``ogi dev run``), ``ogi setup`` and the worker's start-up checks, as processes."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.clock import beijing_date
from tests.conftest import free_port, start_dev_server, stop_process

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "application.json"


def run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, check=False)


class DevRun:
    """``ogi dev run`` in the background with its own ports and data directory."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port, self.ui_port, self.api_port, self.codec_port = free_port(), free_port(), free_port(), free_port()
        self.env = {
            **os.environ,
            "OGI_HOME": str(home),
            "OGI_AUTH": "on",  # make run's default
            "OGI_TEMPORAL_PORT": str(self.port),
            "OGI_UI_PORT": str(self.ui_port),
            "OGI_API_PORT": str(self.api_port),
            "OGI_CODEC_PORT": str(self.codec_port),
            "OGI_MAIL_PORT": str(free_port()),
            "TEMPORAL_ADDRESS": f"127.0.0.1:{self.port}",
        }
        self.env.pop("OGI_KEYS_FILE", None)  # make run's default: the home's own key, made on first use
        for name in ("OGI_SMTP_URL", "OGI_MAIL_FROM"):  # make run's default: its own local mail server
            self.env.pop(name, None)
        self.proc: subprocess.Popen[str] | None = None
        self.out = home / "dev-run.out"

    def start(self) -> str:
        with self.out.open("w") as out:
            self.proc = subprocess.Popen(
                [str(BIN / "ogi"), "dev", "run"], env=self.env, stdout=out, stderr=subprocess.STDOUT, text=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = self.out.read_text("utf-8")
            if "ogi is up" in text:
                return text
            assert self.proc.poll() is None, text
            time.sleep(0.1)
        pytest.fail("ogi dev run did not come up in 60 s")

    def interrupt(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=60)


def children_alive(home: Path) -> list[str]:
    """Processes (server, worker) still running with this data directory in their command line or environment."""
    alive = []
    marker = str(home).encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if marker in cmdline or b"OGI_HOME=" + marker in environ:
            alive.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return alive


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[DevRun]:
    d = DevRun(tmp_path)
    yield d
    if d.proc is not None and d.proc.poll() is None:
        d.proc.kill()


def worker_pid(home: Path) -> int | None:
    """The pid of the worker running for this home, if any."""
    for line in children_alive(home):
        if "worker.py" in line:
            for proc in Path("/proc").iterdir():
                if proc.name.isdigit() and (proc / "cmdline").exists():
                    try:
                        cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                        env = (proc / "environ").read_bytes()
                    except OSError:
                        continue
                    if "worker.py" in cmd and b"OGI_HOME=" + str(home).encode() in env:
                        return int(proc.name)
    return None


def test_dev_run_comes_up_serves_cases_stops_cleanly_and_keeps_them(dev: DevRun) -> None:
    """Up with the Web UI, the API and a polling worker; a case goes in; Ctrl-C stops all; a restart keeps it.

    The first users are made as the banner says (no account exists before).
    """
    banner = dev.start()
    assert f"http://127.0.0.1:{dev.ui_port}" in banner
    assert f"http://127.0.0.1:{dev.api_port}" in banner
    assert "ogi user add" in banner and "ogi token issue" in banner
    with urllib.request.urlopen(f"http://127.0.0.1:{dev.ui_port}/", timeout=10) as page:
        assert page.status == 200
    ogi = str(BIN / "ogi")
    assert run([ogi, "user", "add", "clerk", "--role", "intake"], dev.env).returncode == 0
    token = run([ogi, "token", "issue", "--user", "clerk"], dev.env).stdout.strip()
    env = {**dev.env, "OGI_TOKEN": token}
    app = json.loads(EXAMPLE.read_text("utf-8"))
    app["applicant"].update({"name": "欧阳娜娜测试", "phone": "13912345678"})
    app["received"] = beijing_date(datetime.now(UTC)).isoformat()  # the example awaits confirmation of receipt
    app_file = dev.home / "app.json"
    app_file.write_text(json.dumps(app, ensure_ascii=False), "utf-8")
    submitted = run([ogi, "submit", str(app_file), "--json"], env)
    assert submitted.returncode == 0, submitted.stderr
    case_id = json.loads(submitted.stdout)["id"]
    shown = run([ogi, "show", case_id, "--json"], env)
    assert shown.returncode == 0, shown.stderr
    assert "Mail:" in banner and str(dev.home / "mail") in banner

    # E-mail works out of the box: the acknowledgement reaches the stack's local mail server.
    for _ in range(100):
        kept = list((dev.home / "mail").glob("*.eml"))
        if kept:
            break
        time.sleep(0.2)
    assert kept, "no e-mail reached the local mail server"
    message = email.message_from_bytes(kept[0].read_bytes(), policy=email.policy.default)
    assert message["X-Ogi-Case"] == case_id and message["To"] == app["email"]

    # Encrypted by default: the server's database holds no personal data in plaintext ...
    stored = b"".join(p.read_bytes() for p in dev.home.glob("temporal.sqlite*"))
    assert stored, "the dev server's database is where make run keeps it"
    for secret in ("欧阳娜娜测试", "13912345678"):
        assert secret.encode() not in stored
    # ... and the Web UI's codec endpoint shows it to staff at this machine.
    history = run(
        [
            str(BIN / "temporal"),
            "workflow",
            "show",
            "--workflow-id",
            case_id,
            "--output",
            "json",
            "--address",
            dev.env["TEMPORAL_ADDRESS"],
        ],
        dev.env,
    )
    assert history.returncode == 0, history.stderr
    first = json.loads(history.stdout)["events"][0]["workflowExecutionStartedEventAttributes"]["input"]
    decoded = urllib.request.urlopen(
        urllib.request.Request(
            f"http://127.0.0.1:{dev.codec_port}/decode",
            data=json.dumps(first).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-Namespace": "default"},
        ),
        timeout=10,
    )
    plain = json.loads(decoded.read())["payloads"][0]["data"]
    assert "欧阳娜娜测试" in base64.b64decode(plain).decode("utf-8")

    # Private by default: the home and its files are the owner's only.
    assert dev.home.stat().st_mode & 0o777 == 0o700
    private = ("ogi.sqlite", "applicant.key", "keys/payload.json", "keys/token.json", "keys/assertion.json")
    for name in (*private, "temporal.sqlite", "worker.log", "serve.log"):
        assert (dev.home / name).stat().st_mode & 0o077 == 0, name

    assert dev.interrupt() == 0
    assert "stopped" in dev.out.read_text("utf-8")
    assert children_alive(dev.home) == []
    assert (dev.home / "temporal.sqlite").exists()

    dev.start()
    shown = run([ogi, "show", case_id, "--json"], env)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["stage"] == "review"
    assert dev.interrupt() == 0


def test_a_killed_worker_is_restarted_and_the_stack_stays_up(dev: DevRun) -> None:
    """``kill -9`` of the worker under ogi dev run: the server stays up and a new worker polls within 10 s."""
    dev.start()
    first = worker_pid(dev.home)
    assert first is not None
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 10
    second = None
    while time.monotonic() < deadline:
        second = worker_pid(dev.home)
        if second is not None and second != first:
            break
        time.sleep(0.2)
    assert second is not None and second != first, "no new worker within 10 s"
    assert dev.proc is not None and dev.proc.poll() is None
    assert "supervisor: restarted worker" in dev.out.read_text("utf-8") or "restarting" in dev.out.read_text("utf-8")
    assert dev.interrupt() == 0


def test_dev_run_refuses_a_busy_port(dev: DevRun) -> None:
    """A port in use is named, with the variable that moves it, in one line."""
    server = start_dev_server(dev.port)
    try:
        done = run([str(BIN / "ogi"), "dev", "run"], dev.env)
    finally:
        stop_process(server)
    assert done.returncode == 3
    assert "OGI_TEMPORAL_PORT" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_setup_is_idempotent_and_the_worker_insists_on_it(tmp_path: Path) -> None:
    """Without the search attributes the worker refuses in one line; `ogi setup` adds them once."""
    port = free_port()
    server = start_dev_server(port, register_search_attributes=False)
    env = {**os.environ, "TEMPORAL_ADDRESS": f"127.0.0.1:{port}", "OGI_HOME": str(tmp_path)}
    try:
        worker = run([sys.executable, str(ROOT / "worker.py")], env)
        assert worker.returncode == 1
        assert "ogi setup" in worker.stderr
        assert "Traceback" not in worker.stderr
        first = json.loads(run([str(BIN / "ogi"), "setup", "--json"], env).stdout)
        second = json.loads(run([str(BIN / "ogi"), "setup", "--json"], env).stdout)
    finally:
        stop_process(server)
    assert sorted(first["added"]) == sorted(second["present"])
    assert len(first["added"]) == 9
    assert second["added"] == []


def test_unreachable_server_is_one_line_for_worker_and_setup(tmp_path: Path) -> None:
    env = {**os.environ, "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}", "OGI_HOME": str(tmp_path)}
    for args in ([sys.executable, str(ROOT / "worker.py")], [str(BIN / "ogi"), "setup"]):
        done = run(args, env)
        assert done.returncode == 3
        assert done.stderr.strip().splitlines() == [done.stderr.strip()]
        assert "cannot reach Temporal" in done.stderr


def test_commands_from_another_folder_reach_the_same_home(dev_server_address: str, tmp_path: Path) -> None:
    """``ogi setup`` records the home for the user; a command run elsewhere reads that store, never a new one."""
    project, elsewhere, config = tmp_path / "project", tmp_path / "elsewhere", tmp_path / "config"
    project.mkdir()
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("OGI_HOME", "OGI_KEYS_FILE")}
    env.update({"XDG_CONFIG_HOME": str(config), "TEMPORAL_ADDRESS": dev_server_address, "OGI_AUTH": "off"})
    ogi = str(BIN / "ogi")
    setup = subprocess.run([ogi, "setup", "--json"], env=env, cwd=project, capture_output=True, text=True, check=False)
    assert setup.returncode == 0, setup.stderr
    assert json.loads(setup.stdout)["home"] == str(project / ".data")
    assert (config / "ogi" / "home").read_text().strip() == str(project / ".data")

    report = subprocess.run(
        [ogi, "report", "--year", "2026", "--json"], env=env, cwd=elsewhere, capture_output=True, text=True, check=False
    )
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["cases"] == 0
    assert not (elsewhere / ".data").exists()

    (config / "ogi" / "home").unlink()
    lost = subprocess.run(
        [ogi, "report", "--year", "2026", "--json"], env=env, cwd=elsewhere, capture_output=True, text=True, check=False
    )
    assert lost.returncode == 3
    assert "no case store at" in json.loads(lost.stderr)["error"]
    assert not (elsewhere / ".data" / "ogi.sqlite").exists()
