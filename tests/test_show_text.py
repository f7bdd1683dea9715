"""``ogi show`` as text: a cell reads the same drawn on a terminal and piped (no markup leaks, none is lost)."""

from __future__ import annotations

from typing import Any

import pytest

from cli import output, show_cmd

VIEW: dict[str, Any] = {
    "id": "LZG-2026-000001",
    "agency": "六安市自然资源和规划局",
    "stage": "review",
    "status": "open",
    "overdue": False,
    "outgoing": [
        {
            "ref": "extension_notice",
            "number": "六自然资规公开〔2026〕1号",
            "issued_on": "2026-12-01",
            "awaiting": True,
            "deliveries": [{"channel": "post", "to": "安徽省六安市***", "status": "queued"}],
        }
    ],
    "events": [
        {
            "at": "2026-12-01T13:00:00+00:00",
            "by": "li",
            "action": "request_correction",
            "accepted": True,
            "on": "2026-11-30",
            "detail": "correction requested (1 items, 15 working days)",
        }
    ],
}


class TestShowText:
    """What ``ogi show`` prints for a document waiting for the post and an action entered a day late."""

    @pytest.mark.usefixtures("english")  # the English "[taken …]" is the one that looks like rich markup
    @pytest.mark.parametrize("terminal", [False, True])
    def test_cells_keep_their_text_and_no_markup(
        self, terminal: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The delivery waiting for the post and the day an action was taken read alike piped and drawn."""
        for module in (output, show_cmd):
            monkeypatch.setattr(module, "is_terminal", lambda: terminal)
        monkeypatch.setenv("COLUMNS", "240")  # a drawn table as wide as its longest cell
        output.console.cache_clear()
        try:
            show_cmd.print_case(VIEW)
        finally:
            output.console.cache_clear()
        printed = capsys.readouterr().out
        assert "post to 安徽省六安市***: queued" in printed
        assert "[taken 2026-11-30] correction requested" in printed
        assert "[yellow]" not in printed and "[/]" not in printed
