"""``ogi serve``: the HTTP API, the staff console and the applicant pages on uvicorn; ``--public`` for the internet zone."""

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
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="Internet zone: only /apply and /status, reaching the internal ogi serve at OGI_INTERNAL_API_URL "
            "with OGI_PORTAL_TOKEN (no Temporal, no store).",
        ),
    ] = False,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json), the console (/console) and the applicant pages (/apply, /status)."""
    import uvicorn

    from domain.errors import OgiError
    from infra.log import configure_logging, get_logger
    from infra.paths import make_home
    from infra.settings import settings

    configure_logging()
    log = get_logger("serve")
    try:
        current = settings()
        if public:
            if not (current.internal_api_url and current.portal_token):
                msg = (
                    "--public reaches the internal service over HTTP: set OGI_INTERNAL_API_URL and OGI_PORTAL_TOKEN "
                    "(the same token the internal ogi serve has)"
                )
                fail(msg, EXIT_BAD_INPUT)
            make_home()  # the anti-abuse secret lives in its keys folder; nothing else is kept here
        else:
            prepare()
    except OgiError as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    if not current.auth_on and not public:
        log.warning("authentication is off (OGI_AUTH=off): actions are recorded under the names callers claim")
    if not current.cookie_secure:
        log.warning("cookies are sent over plain http (OGI_COOKIE_SECURE=false): for localhost only")
    uvicorn.run(
        "web.app:create_public_app" if public else "api.app:create_app",
        factory=True,
        host=host or current.api_host,
        port=port or current.api_port,
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_keep_alive=current.api_keep_alive,
    )
