"""``ogi templates check DIR``: render an agency's document templates with every sample before they are used.

Every kind, outcome and reason under both versions of the Regulations is rendered through the templates
in DIR (the shipped ones behind them) with undefined variables as errors, so a broken template is caught
when it is installed, never at 24:00 on the day a reply is due.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.output import EXIT_BAD_INPUT, JsonOpt, emit_json

app = typer.Typer(no_args_is_help=True)


@app.command("check")
def check(
    directory: Annotated[Path, typer.Argument(help="The folder of templates to check (e.g. OGI_TEMPLATES_DIR).")],
    as_json: JsonOpt = False,
) -> None:
    """Render every template in DIR with sample data for every kind and outcome; exit 2 on any problem."""
    from domain.document_samples import all_samples
    from infra.rendering import check_templates

    samples = all_samples()
    problems = check_templates(directory, samples)
    checked = (
        sorted(p.name for p in directory.glob("*") if p.suffix in (".html", ".docx")) if directory.is_dir() else []
    )
    if as_json:
        emit_json(
            {
                "directory": str(directory),
                "templates": checked,
                "samples": len(samples),
                "ok": not problems,
                "problems": [{"template": p.template, "sample": p.sample, "message": p.message} for p in problems],
            }
        )
    else:
        for p in problems:
            sys.stderr.write(f"{p.template}: {p.message.removeprefix(p.template + ': ')} (sample {p.sample})\n")
        if not problems:
            sys.stdout.write(f"{len(checked)} templates in {directory} render all {len(samples)} samples\n")
    if problems:
        raise typer.Exit(EXIT_BAD_INPUT)
