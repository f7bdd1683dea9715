"""``ogi delivery``, ``ogi document`` and ``ogi archive``: how documents went out, their files, the archive package."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cli.actions_cmd import ActedByOpt, ByOpt, OnOpt, act
from cli.backend import CommandFailed, call
from cli.output import DryRunOpt, JsonOpt, day_option, emit_json, fail, failed, say, table
from domain.messages import Msg, plural_msg

app = typer.Typer(no_args_is_help=True)
"""``ogi delivery ...``."""
files_app = typer.Typer()
"""``ogi document`` and ``ogi archive``, mounted at the root."""

CHANNELS = "email, post, collect, online, fax"


@app.command("record")
def record(
    case_id: Annotated[str, typer.Argument(help="Tracking number.")],
    document: Annotated[
        str, typer.Argument(help="The document as ogi show lists it: reply, fee_notice, consultation_letter:C1.")
    ],
    channel: Annotated[
        str | None, typer.Option(help=f"How it went out ({CHANNELS}); as sent before if left out.")
    ] = None,
    sent_on: Annotated[
        str | None, typer.Option("--sent-on", help="Day it was posted or handed over (YYYY-MM-DD).")
    ] = None,
    reference: Annotated[
        str | None, typer.Option(help="The post's tracking number (EMS) or another reference.")
    ] = None,
    served_on: Annotated[
        str | None, typer.Option("--served-on", help="Day of service: signed for, collected, downloaded (YYYY-MM-DD).")
    ] = None,
    failed_reason: Annotated[
        str | None, typer.Option("--failed", help="It could not be delivered this way, and why (returned, unknown).")
    ] = None,
    by: ByOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Record how a document went out and when it was served (送达): posted, collected, signed for, returned."""
    fields = {
        "document": document,
        "channel": channel,
        "sent_on": day_option(sent_on, "--sent-on", as_json).isoformat() if sent_on else None,
        "reference": reference,
        "served_on": day_option(served_on, "--served-on", as_json).isoformat() if served_on else None,
        "failed": failed_reason,
    }
    act(case_id, "record_delivery", fields, by=by, as_json=as_json, dry_run=dry_run, acted_by=acted_by, on=on)


@app.command("batch")
def batch(
    agency: Annotated[str, typer.Option(help="Agency name or configured code.")],
    day: Annotated[str | None, typer.Option(help="The day whose post it holds (YYYY-MM-DD); today by default.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the batch PDF here.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The day's print batch for the mail room: a cover sheet and every document that goes by post."""
    when = day_option(day, "--day", as_json) if day else None
    query = {"agency": agency, "day": (when or _today()).isoformat()}
    try:
        answer = call("POST", "/v1/deliveries/batches", query=query).body
        if output is not None:
            data = call("GET", f"/v1/deliveries/batches/{agency}/{query['day']}", raw=True).body
            output.write_bytes(data)
    except CommandFailed as exc:
        failed(exc, as_json)
    if as_json:
        emit_json(answer)
        return
    rows = [(d["case_id"], d["kind"], d.get("number") or "", str(d["pages"])) for d in answer["documents"]]
    title = Msg("post of {agency} on {day}", agency=answer["agency_code"], day=answer["day"])
    table(title, [Msg("case"), Msg("document"), Msg("number"), Msg("pages")], rows)
    say(Msg("batch: {file}", file=str(output or answer["path"])))


def _today() -> date:
    from datetime import UTC, datetime

    from domain.clock import beijing_date

    return beijing_date(datetime.now(UTC))


def _download(path: str, output: Path, as_json: bool, query: dict[str, str] | None = None) -> None:
    try:
        data = call("GET", path, query=query, raw=True).body
    except CommandFailed as exc:
        failed(exc, as_json)
    if output.exists() and output.is_dir():
        fail(Msg("{path} is a folder; give a file name", path=str(output)), as_json=as_json)
    output.write_bytes(data)
    if as_json:
        emit_json({"path": str(output), "bytes": len(data)})
    else:
        say(plural_msg("wrote {file} ({n:,} byte)", "wrote {file} ({n:,} bytes)", len(data), file=str(output)))


@files_app.command("document", rich_help_panel="Cases")
def document(
    case_id: Annotated[str, typer.Argument(help="Tracking number.")],
    ref: Annotated[str, typer.Argument(help="reply, fee_notice, consultation_letter:C1 (as ogi show lists them).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the file here.")],
    docx: Annotated[bool, typer.Option("--docx", help="The DOCX rendition instead of the PDF.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Download an issued document exactly as issued (an audited read of personal data)."""
    fmt = "docx" if docx else "pdf"
    _download(f"/v1/cases/{case_id}/documents/{ref}", output, as_json, {"format": fmt})


@files_app.command("archive", rich_help_panel="Cases")
def archive(
    case_id: Annotated[str, typer.Argument(help="Tracking number of a closed case.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Write the ZIP here.")],
    as_json: JsonOpt = False,
) -> None:
    """The archive package (归档) of a closed case: documents, audit trail and metadata in one ZIP."""
    _download(f"/v1/cases/{case_id}/package", output, as_json)
