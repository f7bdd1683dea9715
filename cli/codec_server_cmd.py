"""``ogi codec-server``: serve the Remote Codec Endpoint so authorised staff read cases in the Web UI."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from cli.output import EXIT_BAD_INPUT, emit_json, fail
from domain.messages import Msg

app = typer.Typer(no_args_is_help=True)

DEFAULT_ORIGIN = "http://localhost:8233"


@app.command("codec-server", rich_help_panel="Admin")
def codec_server(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8081,
    host: Annotated[str, typer.Option(help="Address to bind; other than loopback only with OGI_CODEC_TOKEN.")] = (
        "127.0.0.1"
    ),
    origin: Annotated[
        list[str] | None,
        typer.Option(help=f"Web UI origin allowed to call (repeatable); default {DEFAULT_ORIGIN}."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the listening address as one JSON object.")] = False,
) -> None:
    """Serve the Remote Codec Endpoint so authorised staff read cases in the Temporal Web UI.

    In the Web UI set the codec endpoint to the printed URL; in the temporal CLI pass
    --codec-endpoint URL (and --codec-auth "Bearer $OGI_CODEC_TOKEN" when a token is set).
    """
    from infra.codec import KeyConfigError, load_codec
    from infra.codec_server import TOKEN_VAR, CodecServer, is_loopback, log

    try:
        codec = load_codec()
    except KeyConfigError as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json)
    if codec is None:
        fail(
            Msg(
                "encryption is switched off (OGI_ENCRYPTION=off), so there is nothing to decode; unset it, or set "
                "OGI_KEYS_FILE (see 'ogi keys new') or OGI_ENCRYPTION_KEY"
            ),
            EXIT_BAD_INPUT,
            as_json,
        )
    token = os.environ.get(TOKEN_VAR, "").strip() or None
    if token is None and not is_loopback(host):
        fail(
            Msg(
                "refusing to serve decrypted cases on {host} without a token; set {var}",
                host=host,
                var=TOKEN_VAR,
            ),
            EXIT_BAD_INPUT,
            as_json,
        )
    origins = origin or [DEFAULT_ORIGIN]
    try:
        server = CodecServer((host, port), codec, origins, token)
    except OSError as exc:
        fail(
            Msg("cannot listen on {host}:{port}: {detail}", host=host, port=port, detail=exc.strerror),
            EXIT_BAD_INPUT,
            as_json,
        )
    info = {"url": server.url, "origins": sorted(server.origins), "token_required": token is not None}
    if as_json:
        emit_json({**info, "active_key": codec.active_key_id, "keys": codec.key_ids})
    else:
        typer.echo(f"codec server on {server.url} for {', '.join(sorted(server.origins))}; Ctrl-C stops it")
    sys.stdout.flush()
    log.info("codec.started", **info)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        log.info("codec.stopped")
