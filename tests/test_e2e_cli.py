"""End to end: the real dev server, the real worker process, and the ``ogi`` CLI only."""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.clock import beijing_date

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
OGI = str(Path(sys.executable).parent / "ogi")


class Stack:
    """A worker process against a dev server, and a way to run ``ogi`` against both."""

    def __init__(self, address: str, home: Path) -> None:
        self.env = {**os.environ, "TEMPORAL_ADDRESS": address, "TEMPORAL_NAMESPACE": "default", "OGI_HOME": str(home)}
        # The claimed-name mode (``--by``): the authenticated stack has its own tests (test_e2e_api).
        self.env["OGI_AUTH"] = "off"
        self.env["OGI_TASK_QUEUE"] = "e2e-" + uuid.uuid4().hex[:8]
        # The tests read the English wording; Chinese, the default, has its own test (TestChineseByDefault).
        self.env["OGI_LANG"] = "en"
        self.home = home

    def ogi(
        self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [OGI, *args],
            env={**self.env, **(env or {})},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def ogi_json(self, *args: str) -> Any:
        done = self.ogi(*args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@contextmanager
def running_stack(address: str, home: Path, **env: str) -> Iterator[Stack]:
    """`ogi setup`, then a worker process with the given environment, stopped with SIGTERM at the end."""
    st = Stack(address, home)
    st.env.update(env)
    if "OGI_ENCRYPTION_KEY" in env or env.get("OGI_KEYS_FILE") == "":
        st.env.pop("OGI_KEYS_FILE", None)
    setup = st.ogi("setup")
    assert setup.returncode == 0, setup.stderr
    log = (st.home / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "worker.py")], env=st.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )
    try:
        yield st
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


@pytest.fixture(scope="module")
def stack(dev_server_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A worker process for the module's tests."""
    with running_stack(dev_server_address, tmp_path_factory.mktemp("home")) as st:
        yield st


def application_file(home: Path, **changes: Any) -> Path:
    data = json.loads((ROOT / "tests" / "data" / "application.json").read_text("utf-8"))
    data["external_ref"] = "e2e-" + uuid.uuid4().hex[:10]
    data["received"] = beijing_date(datetime.now(UTC)).isoformat()
    data.update(changes)
    path = home / f"{data['external_ref']}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


class TestLifecycleThroughTheCli:
    def test_submit_refuse_duplicate_approve_twice_show_closed(self, stack: Stack) -> None:
        """A case goes from submit to a closed, disclosed reply through the CLI alone."""
        app = application_file(stack.home)
        submitted = stack.ogi_json("submit", str(app))
        case_id = submitted["id"]
        assert submitted["received"] and submitted["due"]
        again = stack.ogi("submit", str(app), "--json")
        # A repeated submit is the first answer again (exit 0): the intake system that lost it recovers it.
        assert again.returncode == 0, again.stderr
        repeated = json.loads(again.stdout)
        assert repeated["duplicate"] is True
        assert (repeated["id"], repeated["query_code"], repeated["due"]) == (
            case_id,
            submitted["query_code"],
            submitted["due"],
        )
        assert stack.ogi_json("approve", case_id, "--by", "li")["stage"] == "secrecy_review"
        refused = stack.ogi("approve", case_id, "--by", "li")
        assert refused.returncode == 1 and "four-eyes" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
        stack.ogi_json("approve", case_id, "--by", "wang")
        for _ in range(40):
            shown = stack.ogi_json("show", case_id)
            if shown["status"] == "closed":
                break
            time.sleep(0.25)
        assert shown["status"] == "closed" and shown["outcome"] == "disclosed"
        assert {"id", "stage", "status", "received", "due", "overdue", "outcome", "events"} <= shown.keys()
        refusals = [e for e in shown["events"] if not e["accepted"]]
        assert len(refusals) == 1 and "four-eyes" in refusals[0]["detail"]
        assert Path(shown["reply_document"]).exists()

    def test_submit_from_stdin_and_list_by_stage(self, stack: Stack) -> None:
        """An application on stdin is registered and listed at its stage; supervisors see it due soon."""
        app = application_file(stack.home)
        done = stack.ogi("submit", "-", "--json", stdin=app.read_text("utf-8"))
        assert done.returncode == 0, done.stderr
        case_id = json.loads(done.stdout)["id"]
        for _ in range(40):
            listed = stack.ogi_json("list", "--stage", "review")
            if any(c["id"] == case_id for c in listed["cases"]):
                break
            time.sleep(0.25)
        assert any(c["id"] == case_id for c in listed["cases"])
        soon = stack.ogi_json("due-soon", "--days", "30")
        assert any(c["id"] == case_id for c in soon["cases"])
        assert stack.ogi_json("overdue")["cases"] == [] or all(
            c["id"] != case_id for c in stack.ogi_json("overdue")["cases"]
        )

    def test_backdated_case_is_listed_overdue(self, stack: Stack) -> None:
        """A case received long ago is overdue at once and `ogi overdue` lists it."""
        app = application_file(stack.home, received="2024-09-27", channel="in_person")
        case_id = stack.ogi_json("submit", str(app))["id"]
        for _ in range(40):
            if any(c["id"] == case_id for c in stack.ogi_json("overdue")["cases"]):
                break
            time.sleep(0.25)
        row = next(c for c in stack.ogi_json("overdue")["cases"] if c["id"] == case_id)
        assert row["due"] == "2024-10-30"
        assert {"id", "stage", "due", "agency"} <= row.keys()


class TestBadInputThroughTheCli:
    @pytest.mark.parametrize(
        ("changes", "fragment"),
        [
            ({"channel": "pigeon"}, "channel"),
            ({"received": "2024-02-30"}, "received"),
            ({"received": "2099-01-01"}, "in the future"),
            ({"applicant": {"kind": "natural_person", "name": ""}}, "applicant.name"),
        ],
    )
    def test_bad_application_exits_2_with_one_line(self, stack: Stack, changes: dict[str, Any], fragment: str) -> None:
        """A malformed application is refused with exit 2 and one clear line, and no case is created."""
        app = application_file(stack.home, **changes)
        done = stack.ogi("submit", str(app))
        assert done.returncode == 2
        assert fragment in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr

    def test_unknown_case_is_named(self, stack: Stack) -> None:
        """An action on a case that does not exist says so."""
        done = stack.ogi("approve", "NOPE-2026-000001", "--by", "li", "--json")
        assert done.returncode == 1
        assert json.loads(done.stderr)["error"].startswith("no case 'NOPE-2026-000001'")

    def test_unreachable_server_is_one_line(self, stack: Stack) -> None:
        """With the server unreachable the CLI prints one line naming the address."""
        env = {**stack.env, "TEMPORAL_ADDRESS": "127.0.0.1:1"}
        done = subprocess.run([OGI, "show", "X"], env=env, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 3
        assert "cannot reach Temporal at 127.0.0.1:1" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


class TestApplicantStatus:
    def test_status_by_query_code_through_the_case(self, stack: Stack) -> None:
        """Submit gives a query code; with it the applicant follows the case to its outcome; without it, nothing."""
        submitted = stack.ogi_json("submit", str(application_file(stack.home)))
        case_id, code = submitted["id"], submitted["query_code"]
        status = stack.ogi_json("status", case_id, "--code", code)
        assert status["stage"].startswith("being handled") and status["due"] == submitted["due"]

        stack.ogi_json("request-correction", case_id, "--by", "li", "--item", "请写明文件名称")
        waiting = stack.ogi_json("status", case_id, "--code", code.lower())
        assert waiting["clock_stopped"] is True
        assert "请写明文件名称" in waiting["waiting_for"][0]

        wrong = stack.ogi("status", case_id, "--code", "AAAAA-AAAAA")
        unknown = stack.ogi("status", "NOPE-2026-000001", "--code", code)
        assert wrong.returncode == unknown.returncode == 1
        assert wrong.stderr.replace(case_id, "X") == unknown.stderr.replace("NOPE-2026-000001", "X")

        stack.ogi_json("withdraw", case_id, "--by", "desk")
        closed = stack.ogi_json("status", case_id, "--code", code)
        assert (closed["outcome"], closed["due"]) == ("withdrawn", None)
        assert "query code" in stack.ogi("submit", str(application_file(stack.home))).stdout

    def test_suggested_status_command_runs_as_printed(self, stack: Stack) -> None:
        """On a pipe submit suggests the applicant's command on one line, with the real code: it runs as printed."""
        done = stack.ogi("submit", str(application_file(stack.home)))
        assert done.returncode == 0, done.stderr
        prefix = "the applicant's view: "
        line = next(ln for ln in done.stdout.splitlines() if ln.startswith(prefix))
        program, *args = line.removeprefix(prefix).split()
        assert (program, args[0], args[2]) == ("ogi", "status", "--code")
        status = stack.ogi(*args, "--json")
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["case_id"] == args[1]


class TestChineseByDefault:
    def test_without_ogi_lang_the_cli_and_the_case_speak_chinese(self, stack: Stack) -> None:
        """No ``OGI_LANG``: submit's lines, an action's line and a refusal from the case are Chinese; codes stay."""
        default = copy.copy(stack)
        default.env = {k: v for k, v in stack.env.items() if k != "OGI_LANG"}
        done = default.ogi("submit", str(application_file(stack.home)))
        assert done.returncode == 0, done.stderr
        registered = re.search(r"^已登记 (\S+) · 收到日期 ", done.stdout, re.MULTILINE)
        code = re.search(r"^申请人查询码：(\S+)$", done.stdout, re.MULTILINE)
        assert registered and code, done.stdout
        case_id = registered.group(1)
        status = json.loads(default.ogi("status", case_id, "--code", code.group(1), "--json").stdout)
        assert status["stage"].startswith("办理中")
        approved = default.ogi("approve", case_id, "--by", "li")
        assert approved.stdout.strip() == f"{case_id}：同意 → 阶段 保密审查", approved.stdout
        refused = default.ogi("approve", case_id, "--by", "li")
        assert refused.returncode == 1 and refused.stderr.startswith("错误：被拒绝："), refused.stderr
        assert "双人复核" in refused.stderr
        as_json = json.loads(default.ogi("approve", case_id, "--by", "li", "--json").stderr)
        assert as_json["code"].startswith("refused") and "双人复核" in as_json["error"]
        for text in (done.stdout, approved.stdout, refused.stderr):
            # Latin letters only in the tracking number, the query code, the command to type, li and a standard's name.
            for kept in (case_id, code.group(1), "ogi status", "--code", "li", "GB 11643"):
                text = text.replace(kept, " ")
            assert re.findall(r"[A-Za-z]{2,}", text) == [], text


class TestApplicantKeyAcrossWorkers:
    def test_worker_with_another_key_refuses_then_registers_once_fixed(
        self, dev_server_address: str, tmp_path: Path
    ) -> None:
        """The store was counted under key A; intake holding key B registers nothing and says why (exit 3).

        Given key A, the same application then registers as the store's first case: nothing was numbered before.
        """
        from domain.applicant_key import key_fingerprint
        from infra import store

        key_a, key_b = "a" * 40, "b" * 40
        url = f"sqlite:///{tmp_path / 'ogi.sqlite'}"
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("OGI_DATABASE_URL", url)
            store.reset_engines()
            store.claim_key("applicant", key_fingerprint(key_a.encode()))
            store.reset_engines()
        # An agency of its own: this store numbers from 1 in a namespace other tests also number in.
        app = application_file(tmp_path, agency=f"测试局{uuid.uuid4().hex[:6]}")
        with running_stack(dev_server_address, tmp_path, OGI_APPLICANT_KEY=key_b) as wrong:
            done = wrong.ogi("submit", str(app))
        assert done.returncode == 3  # nothing is wrong with the application: the installation must be fixed
        assert "is not the one the case store" in done.stderr and "same OGI_APPLICANT_KEY" in done.stderr
        assert key_b not in done.stderr
        with running_stack(dev_server_address, tmp_path, OGI_APPLICANT_KEY=key_a) as right:
            registered = right.ogi_json("submit", str(app))
        assert registered["id"].endswith("-000001")


def test_json_stdout_stays_one_document_under_an_sdk_warning(stack: Stack) -> None:
    """The Temporal SDK's own warnings (here: a payload over the warning size) go to stderr, never stdout."""
    app = application_file(stack.home)
    done = stack.ogi("submit", str(app), "--json", env={"OGI_PAYLOAD_WARN_BYTES": "100"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["id"]
    assert len(done.stdout.strip().splitlines()) == 1
    assert "TMPRL1103" in done.stderr
