"""The ``ogi`` command's help and start-up: flags shown as flags, enumerations with their labels, lazy imports.

Start-up is checked by what a command imports (``PYTHONPROFILEIMPORTTIME``), not by how long it takes:
timing belongs to ``bench/cli.py``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup

from cli.main import app
from domain.outcomes import REASONS, Reason
from domain.report_rows import GROUP_OF, ROW_LABELS

OGI = str(Path(sys.executable).parent / "ogi")
CJK = re.compile(r"[\u4e00-\u9fff]")

NO_LABELS = {("report", "fmt"), ("keys rotate", "purpose")}
"""Enumerations of the command itself (output formats, key files), not of the law: no Chinese labels to give."""


def commands() -> Iterator[tuple[str, Any]]:
    """Every leaf command with its path (``calendar year``), from the app as the console script builds it."""

    def walk(cmd: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        if isinstance(cmd, TyperGroup):
            for name, sub in cmd.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), cmd

    yield from walk(typer.main.get_command(app), [])


COMMANDS = dict(commands())


def run_ogi(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OGI, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=False
    )


class TestFlags:
    def test_every_boolean_option_is_a_flag(self) -> None:
        """A yes/no option takes no value (``--closed``, ``--json``, ``--wait/--no-wait``), never ``--closed true``."""
        valued = [
            f"{path} --{p.name}"
            for path, cmd in COMMANDS.items()
            for p in cmd.params
            if p.type_descriptor.annotation is bool and not getattr(p, "is_flag", False)
        ]
        assert valued == []
        assert len(COMMANDS) > 50

    def test_help_shows_no_type_for_a_flag(self) -> None:
        """The help's type column stays empty for a flag: no ``<bool>`` beside ``--json`` or ``--help``."""
        ctx = typer.Context(COMMANDS["list"])
        shown = [
            f"{path} --{p.name}"
            for path, cmd in COMMANDS.items()
            for p in cmd.params
            if getattr(p, "is_flag", False) and p.display_type_rich(ctx) is not None
        ]
        assert shown == []
        for args in (("--help",), ("list", "--help"), ("calendar", "load-regional", "--help")):
            done = run_ogi(*args)
            assert done.returncode == 0
            assert "<bool>" not in done.stdout
        assert "--closed" in run_ogi("list", "--help").stdout


class TestEnumeratedOptions:
    @pytest.mark.parametrize(
        ("path", "param"),
        [
            (path, p)
            for path, cmd in COMMANDS.items()
            for p in cmd.params
            if p.type_descriptor.is_choice and p.name != "help"
        ],
        ids=lambda v: v if isinstance(v, str) else v.name,
    )
    def test_every_value_is_listed_with_its_label(self, path: str, param: Any) -> None:
        """An enumerated option's help (or its command's epilog) names every value it takes, with Chinese labels."""
        cmd = COMMANDS[path]
        text = f"{param.help or ''}\n{cmd.epilog or ''}"
        values = [str(c) for c in param.type_descriptor.choices]
        if param.name == "outcome":  # decide: withdrawn is the applicant's, not a reviewer's outcome
            values.remove("withdrawn")
        missing = [v for v in values if not re.search(rf"(^|\W){re.escape(v)}(\W|$)", text)]
        assert missing == []
        if (path, param.name) not in NO_LABELS:
            assert CJK.search(text), f"{path} --{param.name} lists no Chinese labels"

    @pytest.mark.parametrize("command", ["deny", "decide"])
    def test_reason_codes_with_their_wording_and_report_row(self, command: str) -> None:
        """``deny --help`` and ``decide --help`` list every reason code, its wording and its row of 表三."""
        done = run_ogi(command, "--help", COLUMNS="400")
        assert done.returncode == 0
        lines = done.stdout.splitlines()
        for reason in Reason:
            info = REASONS[reason]
            line = next((ln for ln in lines if re.match(rf"\s+{reason.value}\s", ln)), "")
            assert info.label in line, reason
            assert ROW_LABELS[info.row] in line, reason
            assert ROW_LABELS[GROUP_OF[info.row][0]] in done.stdout

    def test_shell_completion_offers_values_with_labels(self) -> None:
        """Completing ``--reason not_`` offers the two codes, each with its wording (zsh shows it)."""
        done = run_ogi(_OGI_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="ogi deny X --reason not_")
        assert done.returncode == 0
        assert '"not_held":"经检索，本机关不掌握该政府信息"' in done.stdout
        assert '"not_ours":"该政府信息不属于本机关负责公开"' in done.stdout
        bash = run_ogi(_OGI_COMPLETE="complete_bash", COMP_WORDS="ogi list --stage rev", COMP_CWORD="3")
        assert bash.stdout.split() == ["review"]

    def test_completion_installs_for_the_shell(self, tmp_path: Path) -> None:
        """``--show-completion bash`` prints the script; ``--install-completion`` writes it and sources it."""
        env = {"HOME": str(tmp_path), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}  # bash, not detected
        shown = run_ogi("--show-completion", "bash", **env)
        assert shown.returncode == 0
        assert "_OGI_COMPLETE=complete_bash" in shown.stdout
        assert run_ogi("--install-completion", "bash", **env).returncode == 0
        script = tmp_path / ".bash_completions" / "ogi.sh"
        assert "_OGI_COMPLETE=complete_bash" in script.read_text("utf-8")
        assert str(script) in (tmp_path / ".bashrc").read_text("utf-8")


def profiled(*args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """``ogi ARGS`` run, and the modules it imported as Python's import profiler lists them."""
    done = run_ogi(*args, PYTHONPROFILEIMPORTTIME="1", **env)
    return done, {m.group(1) for m in re.finditer(r"^import time:.*\|\s+([\w.]+)$", done.stderr, re.MULTILINE)}


CASE = {"id": "X", "stage": "review", "due": "2026-12-18", "left": 12, "agency": "六安市民政局", "overdue": False}
ANSWERS = {
    ("GET", "/v1/cases"): {"cases": [CASE], "total": 1, "count": 1, "offset": 0, "next": None},
    ("GET", "/v1/cases/X"): {**CASE, "status": "open", "events": []},
    ("POST", "/v1/cases/X/actions/approve"): {"id": "X", "detail": "approved", "stage": "secrecy_review"},
    ("POST", "/v1/cases/X/actions/recompute_clock"): {"id": "X", "due": "2026-12-18"},
}
"""Canned answers of ogi serve to the routes the commands below call."""


class _CannedServe(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self) -> None:
        body = json.dumps(ANSWERS[(self.command, self.path.split("?")[0])]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def serve_url() -> Iterator[str]:
    """A stand-in for ``ogi serve`` on a free port, answering with ``ANSWERS``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CannedServe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


HEAVY = {"temporalio", "fastapi", "sqlalchemy"}


class TestLazyImports:
    @pytest.mark.parametrize(
        "args",
        [
            ("--help",),
            ("deny", "--help"),
            ("calendar", "--help"),
            ("calendar", "add-workdays", "2024-09-27", "20"),
            ("calendar", "is-workday", "2024-10-01", "--json"),
            ("calendar", "year", "2024"),
        ],
        ids=" ".join,
    )
    def test_help_and_calendar_leave_the_service_unloaded(self, args: tuple[str, ...], tmp_path: Path) -> None:
        """Help and working-day arithmetic import neither the Temporal SDK, FastAPI nor SQLAlchemy."""
        done, imported = profiled(*args, OGI_HOME=str(tmp_path))
        assert done.returncode == 0, done.stderr[-400:]
        assert "cli.main" in imported
        assert imported & HEAVY == set()
        assert "holidays" not in imported  # the prediction of later years is shipped, not computed
        if args == ("--help",):
            assert {"pydantic", "openpyxl"} & imported == set()  # no model is built to list the commands

    @pytest.mark.parametrize(
        ("args", "shown"),
        [
            (("show", "X", "--json"), '"id": "X"'),
            (("approve", "X"), "X: approved"),
            (("list",), "X\treview\t2026-12-18"),
            (("list", "--json"), '"cases": [{"id": "X"'),
            (("calendar", "recompute"), "1 open case: 0 moved, 1 unchanged"),
        ],
        ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
    )
    @pytest.mark.usefixtures("english")
    def test_case_commands_through_ogi_serve_leave_temporal_unloaded(
        self, args: tuple[str, ...], shown: str, serve_url: str
    ) -> None:
        """With authentication on a case command is an HTTP client of ogi serve: no Temporal SDK in the process."""
        done, imported = profiled(*args, OGI_AUTH="on", OGI_API_URL=serve_url, OGI_TOKEN="t")
        assert done.returncode == 0, done.stderr[-400:]
        assert shown in done.stdout
        assert imported & (HEAVY | {"openpyxl"}) == set()  # no spreadsheet writer for a table or JSON either


class TestPipes:
    def test_year_on_a_pipe_is_tab_separated(self, tmp_path: Path) -> None:
        """``ogi calendar year`` on a pipe: a header and one tab-separated line per day; the title on stderr."""
        done = run_ogi("calendar", "year", "2024", OGI_HOME=str(tmp_path))
        assert done.returncode == 0
        lines = done.stdout.splitlines()
        assert lines[0] == "日期\t星期\t类型"
        assert "2024-02-04\t星期日\t调休上班" in lines
        assert all(len(line.split("\t")) == 3 for line in lines)
        assert done.stderr.startswith("2024 年：已公布")


class TestBadSettings:
    def test_a_bad_ogi_value_is_one_line_and_exit_2(self, tmp_path: Path) -> None:
        """OGI_AUTH=maybe names the variable and the values it takes: no traceback."""
        env = {**os.environ, "OGI_HOME": str(tmp_path), "OGI_AUTH": "maybe", "OGI_LANG": "en"}
        done = subprocess.run([OGI, "doctor"], env=env, capture_output=True, text=True, check=False, timeout=60)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines() == ["error: OGI_AUTH: Input should be 'on' or 'off'"]

    def test_an_empty_ogi_lang_is_the_default_language(self) -> None:
        from infra.settings import Settings

        assert Settings(lang="").lang == "zh"  # type: ignore[arg-type]
