"""``ogi templates check``: a broken template is reported per file with exit 2, before it is ever used."""

from __future__ import annotations

import json
from pathlib import Path

from docx import Document
from typer.testing import CliRunner

from cli.main import app
from infra.rendering import shipped_dir

runner = CliRunner()


def check(directory: Path) -> tuple[int, dict[str, object]]:
    done = runner.invoke(app, ["templates", "check", str(directory), "--json"])
    return done.exit_code, json.loads(done.stdout)


def test_the_shipped_templates_render_every_sample() -> None:
    """The shipped HTML and DOCX templates render every kind, outcome and reason under both versions."""
    code, out = check(shipped_dir())
    assert (code, out["ok"], out["problems"]) == (0, True, [])
    assert out["samples"] == 71


def test_unknown_variables_broken_syntax_and_stray_names_are_each_reported(tmp_path: Path) -> None:
    """A misspelt variable, an unclosed tag and a file no kind uses: three problems, exit 2."""
    (tmp_path / "reply.html").write_text(
        '{% extends "_layout.html" %}{% block body %}{{ doc.paragraphz }}{% endblock %}', "utf-8"
    )
    (tmp_path / "_partial.html").write_text("{% if doc.number %}", "utf-8")
    (tmp_path / "replies.html").write_text("<p>{{ doc.title }}</p>", "utf-8")
    code, out = check(tmp_path)
    assert code == 2
    problems = {p["template"]: p for p in out["problems"]}  # type: ignore[attr-defined]
    assert set(problems) == {"reply.html", "_partial.html", "replies.html"}
    assert "paragraphz" in problems["reply.html"]["message"]
    assert problems["reply.html"]["sample"].startswith("reply/")
    assert "TemplateSyntaxError" in problems["_partial.html"]["message"]
    assert "not a document kind" in problems["replies.html"]["message"]


def test_a_broken_layout_is_blamed_on_the_layout(tmp_path: Path) -> None:
    """An error in the agency's own _layout.html names that file, whichever kind showed it."""
    layout = (shipped_dir() / "_layout.html").read_text("utf-8").replace("doc.title", "doc.tilte", 1)
    (tmp_path / "_layout.html").write_text(layout, "utf-8")
    code, out = check(tmp_path)
    assert code == 2
    assert {p["template"] for p in out["problems"]} == {"_layout.html"}  # type: ignore[attr-defined]


def test_a_docx_template_with_an_unknown_variable_is_reported(tmp_path: Path) -> None:
    """DOCX templates are rendered too, with the same strictness."""
    doc = Document()
    doc.add_paragraph("{{ doc.issuer }} {{ doc.subject }}")
    doc.save(str(tmp_path / "document.docx"))
    code, out = check(tmp_path)
    assert code == 2
    assert [p["template"] for p in out["problems"]] == ["document.docx"]  # type: ignore[attr-defined]
    assert "subject" in out["problems"][0]["message"]  # type: ignore[index]


def test_text_output_names_file_and_sample(tmp_path: Path) -> None:
    """Without --json each problem is one line on stderr naming the template and the sample."""
    (tmp_path / "fee_notice.html").write_text('{% extends "_layout.html" %}{% block body %}{{ fee }}{% endblock %}')
    done = runner.invoke(app, ["templates", "check", str(tmp_path)])
    assert done.exit_code == 2
    assert (
        "fee_notice.html: " in done.stderr and "'fee' is undefined" in done.stderr and "fee_notice@2019" in done.stderr
    )
