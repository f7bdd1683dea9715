"""Usage errors of the ``ogi`` command: one line, exit 2, JSON with ``--json``; help exits 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English wording (OGI_LANG=en)

OGI = str(Path(sys.executable).parent / "ogi")


def ogi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OGI, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("deny", "X", "--by", "li"), "Missing option '--reason'"),
        (("no-such-command",), "No such command"),
        (("fee-notice", "X", "--by", "li", "--method", "barter"), "'count', 'volume'"),
        (("consult", "X", "--by", "li", "--kind", "oracle", "--party", "p"), "third_party"),
        (("extend", "X", "--by", "zhao", "--reason", "r", "--days", "many"), "--days"),
        # Malformed action input is refused here, before any server is asked (none runs in these tests).
        (("approve", "X", "--by", ""), "(option --by)"),
        (("extend", "X", "--by", "zhao", "--reason", "r", "--days", "0"), "(option --days)"),
        (("request-correction", "X", "--by", "li", "--item", ""), "(option --item)"),
    ],
)
def test_usage_error_is_one_line_exit_2(args: tuple[str, ...], fragment: str) -> None:
    done = ogi(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert "Traceback" not in done.stderr


def test_usage_error_with_json_is_a_json_object() -> None:
    done = ogi("deny", "X", "--by", "li", "--json")
    assert done.returncode == 2
    assert "--reason" in json.loads(done.stderr)["error"]


def test_help_and_no_arguments_exit_0() -> None:
    assert ogi("--help").returncode == 0
    bare = ogi()
    assert bare.returncode == 0
    assert "submit" in bare.stdout
