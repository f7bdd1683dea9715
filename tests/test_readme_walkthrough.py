"""The README's walkthrough runs verbatim on a live stack started as ``make run`` starts it.

Every ``sh`` block of README.md preceded by ``<!-- walkthrough -->`` (or ``<!-- walkthrough: exit N -->``)
runs as written, in order, as one bash session under ``set -euo pipefail``: what a block sets (tokens,
tracking numbers, the query code) is there for the next, and nothing is substituted. The stack is
``ogi dev run`` with ``make run``'s example configuration, on free ports, in a temporary folder that
stands for the checkout (its ``examples/`` and ``.venv/`` linked in, ``.data/`` the stack's home); the
blocks reach its API through ``OGI_API_URL``. Between blocks the test waits, as a reader's pause would, until
no case is still issuing or sending documents (documents go out after the action that made them). Afterwards
the README's pictures are taken on that stack: the Temporal Web UI's list of the two cases, and li's work queue
and the company's case page in the console (``OGI_UPDATE_README_SCREENSHOTS=1`` writes them to ``docs/``).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import DESKTOP, artifacts_dir, browser
from tests.conftest import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
UPDATE_SCREENSHOTS = "OGI_UPDATE_README_SCREENSHOTS"
"""Set (to anything) to write the pictures the README shows into ``docs/``."""
PASSWORD = "correct-horse-battery-staple"
"""li's password, as the walkthrough's last block sets it."""
BIN = Path(sys.executable).parent
BLOCK = re.compile(r"^<!-- walkthrough(?:: exit (\d+))? -->\n```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
BLOCK_TIMEOUT_S = 120
STATE = ".walkthrough-state.sh"
"""Where the session's variables wait between blocks (in the folder standing for the checkout)."""

SAVE_STATE = r"""
__ogi_save() {
  local __ogi_name __ogi_flags
  for __ogi_name in $(compgen -v); do
    case $__ogi_name in
      __ogi*|BASH*|FUNCNAME|LINENO|RANDOM|SRANDOM|SECONDS|EPOCH*|PIPESTATUS|_|HISTCMD|SHLVL|PPID|PWD|OLDPWD|GROUPS|DIRSTACK|OPTIND|OPTERR|COLUMNS|LINES) continue ;;
    esac
    __ogi_flags=$(declare -p "$__ogi_name" 2>/dev/null) || continue
    __ogi_flags=${__ogi_flags#declare -}; __ogi_flags=${__ogi_flags%% *}
    [[ $__ogi_flags == *r* ]] && continue
    declare -p "$__ogi_name"
  done
  declare -f
}
"""
"""Writes the session's variables and functions, so the next block's bash starts where this one ended."""


@dataclass(frozen=True)
class Block:
    """One marked block of the walkthrough: where it is, its commands and the exit status it documents."""

    line: int
    code: str
    exit: int


@dataclass
class Ran:
    """What a block did."""

    block: Block
    status: int
    out: str
    err: str
    seconds: float


def walkthrough_blocks(text: str) -> list[Block]:
    """The marked ``sh`` blocks of the README, in order."""
    return [
        Block(line=text[: m.start()].count("\n") + 1, code=m.group(2), exit=int(m.group(1) or 0))
        for m in BLOCK.finditer(text)
    ]


def newcomer_env() -> dict[str, str]:
    """A shell of someone who just cloned ogi: none of ogi's or Temporal's variables set."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("OGI_", "TEMPORAL_", "VIRTUAL_ENV"))}


@dataclass
class Walked:
    """The stack the walkthrough ran on, and each block's run."""

    checkout: Path
    ui_port: int
    api_port: int
    runs: list[Ran] = field(default_factory=list)

    def variable(self, name: str) -> str | None:
        """A shell variable as the walkthrough left it (None before it is set)."""
        path = self.checkout / STATE
        state = path.read_text("utf-8") if path.exists() else ""
        found = re.search(rf'^declare -[-a-zA-Z]* {name}="([^"]*)"$', state, re.MULTILINE)
        return found.group(1) if found else None

    def case_ids(self) -> tuple[str, str]:
        """The walkthrough's two cases: the person's and the company's."""
        case, case2 = self.variable("CASE"), self.variable("CASE2")
        assert case and case2, "the walkthrough set no CASE and CASE2"
        return case, case2

    def settle(self, api: str) -> None:
        """Wait until no case is issuing or sending documents (each case view says ``busy``)."""
        token = self.variable("SUN")
        if token is None:
            return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            page = _get(api, "/v1/cases?closed=true&limit=1000", token)
            if not any(_get(api, f"/v1/cases/{c['id']}", token)["busy"] for c in page["cases"]):
                return
            time.sleep(0.2)
        pytest.fail("the walkthrough's cases were still issuing documents after 60 s")


def _get(api: str, path: str, token: str) -> dict[str, Any]:
    answer = httpx.get(api + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    return found


def _link_checkout(into: Path) -> Path:
    """A folder standing for the checkout: the README's relative paths resolve as in the real one."""
    checkout = into / "checkout"
    checkout.mkdir()
    (checkout / "examples").symlink_to(ROOT / "examples")
    venv = Path(sys.prefix)
    if (venv / "bin" / "activate").exists():
        (checkout / ".venv").symlink_to(venv)
    else:  # not a virtual environment: an activate script that puts this interpreter's ogi first
        (checkout / ".venv" / "bin").mkdir(parents=True)
        (checkout / ".venv" / "bin" / "activate").write_text(f'export PATH="{BIN}:$PATH"\n', "utf-8")
    return checkout


def _run_block(block: Block, env: dict[str, str], checkout: Path) -> Ran:
    state = checkout / STATE
    script = (
        "set -euo pipefail\n"
        f'if [ -f "{state}" ]; then source "{state}"; fi\n'
        f"{SAVE_STATE}\n"
        f"{block.code}\n"
        f'__ogi_save > "{state}.new" && mv "{state}.new" "{state}"\n'
    )
    started = time.monotonic()
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_S,
        check=False,
    )
    return Ran(block, done.returncode, done.stdout, done.stderr, time.monotonic() - started)


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walked]:
    """``ogi dev run`` as ``make run`` starts it, and every walkthrough block run against it in order."""
    folder = tmp_path_factory.mktemp("readme")
    checkout = _link_checkout(folder)
    base = newcomer_env() | {"XDG_CONFIG_HOME": str(folder / "config")}
    ports = {name: free_port() for name in ("TEMPORAL", "UI", "API", "CODEC", "MAIL")}
    stack_env = base | {f"OGI_{name}_PORT": str(port) for name, port in ports.items()}
    stack_env["OGI_CONFIG"] = str(ROOT / "examples" / "ogi.toml")  # the Makefile's default for make run
    out = folder / "dev-run.out"
    with out.open("w") as sink:
        stack = subprocess.Popen(
            [str(BIN / "ogi"), "dev", "run"], cwd=checkout, env=stack_env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 90
        while "ogi is up" not in out.read_text("utf-8"):
            assert stack.poll() is None and time.monotonic() < deadline, out.read_text("utf-8")
            time.sleep(0.1)
        walk = Walked(checkout=checkout, ui_port=ports["UI"], api_port=ports["API"])
        api = f"http://127.0.0.1:{ports['API']}"
        env = base | {"OGI_API_URL": api}
        for block in walkthrough_blocks(README.read_text("utf-8")):
            walk.settle(api)
            ran = _run_block(block, env, checkout)
            walk.runs.append(ran)
            if ran.status != block.exit:
                break
        walk.settle(api)
        yield walk
    finally:
        stack.send_signal(signal.SIGINT)
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            stack.kill()
            stack.wait()


class TestReadmeWalkthrough:
    """The README's walkthrough is what a newcomer can run, command for command."""

    def test_make_run_uses_the_example_configuration(self) -> None:
        """The stack the walkthrough describes is the one ``make run`` starts: examples/ogi.toml by default."""
        makefile = (ROOT / "Makefile").read_text("utf-8")
        recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
        assert "OGI_CONFIG" in recipe and "examples/ogi.toml" in recipe

    def test_the_marked_blocks_are_the_walkthrough(self) -> None:
        """Blocks are marked, and a block that documents a refusal holds that one command only."""
        blocks = walkthrough_blocks(README.read_text("utf-8"))
        assert len(blocks) >= 10
        for block in blocks:
            commands = [line for line in block.code.splitlines() if line.strip() and not line.startswith("#")]
            assert block.exit == 0 or len(commands) == 1, f"README.md:{block.line}: one refused command per block"

    def test_every_block_runs_verbatim_with_the_status_it_documents(self, walked: Walked) -> None:
        """Each block ends with exit 0, or the status its marker names for a refusal the README shows."""
        expected = walkthrough_blocks(README.read_text("utf-8"))
        for ran in walked.runs:
            assert ran.status == ran.block.exit, (
                f"README.md:{ran.block.line}: exit {ran.status}, documented {ran.block.exit}\n"
                f"--- block\n{ran.block.code}--- stdout\n{ran.out}--- stderr\n{ran.err}"
            )
        assert len(walked.runs) == len(expected)
        assert sum(r.seconds for r in walked.runs) < 120, [(r.block.line, round(r.seconds, 1)) for r in walked.runs]

    def test_the_walkthrough_shows_what_the_readme_says(self, walked: Walked) -> None:
        """Readable numbers, the open case in the listings, the reply downloaded and both e-mails kept."""
        assert all(r.status == r.block.exit for r in walked.runs)
        case, case2 = walked.case_ids()
        assert re.fullmatch(r"LMZ-\d{4}-000001", case) and re.fullmatch(r"LZG-\d{4}-000001", case2)
        listings = next(r for r in walked.runs if "ogi due-soon" in r.block.code)
        # ogi list and ogi due-soon show the open case (the first one is closed by then); ogi overdue is empty.
        assert listings.out.count(case2) == 2 and case not in listings.out, listings.out
        mail_room = next(r for r in walked.runs if "ogi list --awaiting-delivery" in r.block.code)
        assert mail_room.out.splitlines()[1].startswith(case2), mail_room.out
        assert (walked.checkout / "reply.pdf").read_bytes().startswith(b"%PDF")
        assert len(list((walked.checkout / ".data" / "mail").glob("*.eml"))) >= 2
        status = next(r for r in walked.runs if "ogi status" in r.block.code)
        assert " · closed" in status.out and "outcome: disclosed" in status.out, status.out

    def test_the_outputs_say_what_the_comments_promise(self, walked: Walked) -> None:
        """The duplicate, the dry runs, the extension's new due date, the posting and the report's balance."""
        assert all(r.status == r.block.exit for r in walked.runs)
        case, case2 = walked.case_ids()

        def output(command: str, *, nth: int = 0) -> str:
            ran = [r for r in walked.runs if command in r.block.code][nth]
            return ran.out + ran.err

        assert f"already registered as {case} (same external_ref)" in output("application-company.json")
        assert "refused" in output('ogi approve "$CASE"', nth=1) and "secrecy_reviewer" in output(
            'ogi approve "$CASE"', nth=1
        )
        due = walked.variable("DUE")
        assert due and output('--as-of "$DUE"').count("would be accepted") == 2
        late = output("add-workdays")
        assert "would be refused on" in late and f"the reply deadline {due} has passed" in late, late
        extended = re.search(rf"{case2} · .*?reply due by (\d{{4}}-\d{{2}}-\d{{2}})", output("ogi status"), re.DOTALL)
        assert extended and extended.group(1) > due, output("ogi status")  # the head's approval moved the date
        posted = output("ogi delivery record")
        assert "extension_notice: sent by post" in posted and "presumed served on" in posted, posted
        assert "rows I + II = III(7) + IV add up in every column" in output("ogi report")
        assert '"name":"li"' in output("curl")

    @pytest.mark.browser
    def test_the_web_ui_lists_the_cases_readably(self, walked: Walked) -> None:
        """Temporal's Web UI lists both cases with stage, agency, channel and due day (search attributes)."""
        assert all(r.status == r.block.exit for r in walked.runs)
        case, case2 = walked.case_ids()
        with browser() as chromium:
            page = chromium.new_page(viewport={"width": 1640, "height": 480})
            page.goto(f"http://127.0.0.1:{walked.ui_port}/namespaces/default/workflows", wait_until="networkidle")
            page.click("[data-testid=workflows-summary-table-configuration-button]")
            for column in ("Run ID", "Type", "Start", "End"):
                page.click(f"[data-testid='orderable-list-item-{column}-remove-button']")
            for column in ("Stage", "Agency", "Channel", "DueDay", "Overdue", "Outcome"):
                page.click(f"[data-testid='orderable-list-item-{column}-add-button']")
            page.click("[data-testid=drawer-close-button]")
            page.get_by_text("六安市自然资源和规划局").wait_for()
            page.wait_for_timeout(500)  # the drawer's closing animation
            text = page.inner_text("body")
            for expected in (case, case2, "review", "closed", "六安市民政局", "ordinary_post", "disclosed"):
                assert expected in text, expected
            # The page without the navigation, down to the table's last row.
            table = page.locator("table").first.bounding_box()
            assert table is not None
            shot = artifacts_dir() / "web-ui-cases.png"
            clip = {"x": 256, "y": 48, "width": 1640 - 256, "height": table["y"] + table["height"] - 24}
            page.screenshot(path=str(shot), clip=clip)
        _keep(shot)

    @pytest.mark.browser
    def test_the_console_shows_lis_queue_and_the_open_case(self, walked: Walked) -> None:
        """The reviewer li signs in with the walkthrough's password: the review queue and the company's case page."""
        assert all(r.status == r.block.exit for r in walked.runs)
        case, case2 = walked.case_ids()
        assert f"'{PASSWORD}'" in README.read_text("utf-8"), "the walkthrough no longer sets this password"
        console = f"http://127.0.0.1:{walked.api_port}/console"
        with browser() as chromium:
            page = chromium.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
            page.goto(console)
            page.fill("#username", "li")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r"/console/queues"))
            page.goto(f"{console}/queues?q=review")
            # The company's case waits for its handler; the person's is closed and in no queue.
            assert page.locator(f"a:text-is('{case2}')").count() == 1
            assert page.locator(f"a:text-is('{case}')").count() == 0
            queue = artifacts_dir() / "console-queue.png"
            page.screenshot(path=str(queue), full_page=True)
            page.goto(f"{console}/cases/{case2}")
            page.wait_for_selector("h1")
            assert page.locator("h1 .badge").get_attribute("data-stage") == "review"
            text = page.inner_text("body")
            for expected in (case2, "延期答复告知书", "六自然资规公开〔", "EA123456789CN"):
                assert expected in text, expected
            case_page = artifacts_dir() / "console-case.png"
            page.screenshot(path=str(case_page), full_page=True)
        _keep(queue)
        _keep(case_page)


def _keep(shot: Path) -> None:
    """With ``OGI_UPDATE_README_SCREENSHOTS`` set, the picture replaces the README's; the README's must exist."""
    kept = DOCS / shot.name
    if os.environ.get(UPDATE_SCREENSHOTS):
        kept.write_bytes(shot.read_bytes())
    assert kept.exists(), f"docs/{shot.name}: run with {UPDATE_SCREENSHOTS}=1 to make it"
    assert f"(docs/{shot.name})" in README.read_text("utf-8"), f"README.md shows no docs/{shot.name}"
