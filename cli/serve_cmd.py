"""``ogi serve``: the HTTP API (and, next, the console) on uvicorn; ``make run`` starts it."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.output import EXIT_BAD_INPUT, fail

app = typer.Typer(no_args_is_help=True)


def prepare() -> None:
    """What the service needs before it answers: its keys, and the store at the current schema."""
    from infra import signing_keys, store
    from infra.paths import make_home

    make_home()
    for purpose in signing_keys.PURPOSES:
        signing_keys.load_private(purpose)
    store.engine()


@app.command(rich_help_panel="Admin")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default OGI_API_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default OGI_API_PORT, 8000).")] = None,
) -> None:
    """Serve the HTTP API: OpenAPI at /openapi.json, docs at /docs (one Temporal client per process)."""
    import uvicorn

    from domain.errors import OgiError
    from infra.log import configure_logging, get_logger
    from infra.settings import settings

    configure_logging()
    log = get_logger("serve")
    try:
        current = settings()
        prepare()
    except OgiError as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    if not current.auth_on:
        log.warning("authentication is off (OGI_AUTH=off): actions are recorded under the names callers claim")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or current.api_host,
        port=port or current.api_port,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
