"""Playwright driving Debian's chromium: the launch, a screenshot and an accessibility scan (axe-core) per page.

No browser is downloaded: Playwright drives ``/usr/bin/chromium`` (``apt-get install chromium``) through
``executable_path``, with the flags that work as root in a container. Screenshots go outside the repo:
``$OGI_ARTIFACTS``, else a temporary folder whose path the test prints.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "data" / "axe" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Playwright gives each launch a fresh ``--user-data-dir`` of its own (a temporary profile)."""
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str:
    """Debian's chromium; the test is skipped without it (failed in CI, where ``.ci/run`` installs it)."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        msg = "chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return found


def artifacts_dir() -> Path:
    """Where screenshots go: ``$OGI_ARTIFACTS`` or a fresh temporary folder (printed)."""
    configured = os.environ.get("OGI_ARTIFACTS")
    path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="ogi-browser-"))
    path.mkdir(parents=True, exist_ok=True)
    print(f"browser screenshots in {path}")  # noqa: T201 - the test's artifacts, for whoever reads the log
    return path


@contextmanager
def browser() -> Iterator[Any]:
    """A headless chromium for the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@functools.cache
def _axe_source() -> str:
    return AXE.read_text("utf-8")


class PageChecker:
    """Screenshots every page it is shown and scans it with axe-core; critical violations are collected."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.critical: list[str] = []
        self.count = 0

    def check(self, page: Any, name: str) -> None:
        """Screenshot ``page`` as ``NN-name.png`` and run axe on it."""
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy (no inline script)
        # does not govern: the page under test keeps its real policy.
        page.evaluate(_axe_source())
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
        )
        for v in violations:
            if v["impact"] == "critical":
                self.critical.append(f"{name}: {v['id']} at {v['nodes']}")
