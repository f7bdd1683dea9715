"""``ogi setup``: prepare an installation: the namespace's search attributes, the store, the keys, the home.

Safe to repeat. It records the home for this user, so every later ogi command finds the same store
wherever it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

import typer

from cli.output import EXIT_BAD_INPUT, EXIT_UNAVAILABLE, JsonOpt, emit_json, fail

if TYPE_CHECKING:
    from temporalio.client import Client

app = typer.Typer(no_args_is_help=True)


class SetupResult(TypedDict):
    """What ``ogi setup`` did in the namespace."""

    namespace: str
    added: list[str]
    present: list[str]


async def setup_namespace(client: Client) -> SetupResult:
    """Register the search attributes that are missing; report what was added and what was there."""
    from workflows.search_attributes import ALL_KEYS, register_search_attributes

    added = await register_search_attributes(client)
    present = [key.name for key in ALL_KEYS if key.name not in added]
    return {"namespace": client.namespace, "added": added, "present": present}


def prepare_home() -> dict[str, Any]:
    """The home (private), its keys, the store at the current schema, and the user's pointer to it."""
    from infra import signing_keys, store
    from infra.codec import load_codec
    from infra.paths import database_url, make_home, record_home
    from infra.schema import migrate

    home = make_home()
    for purpose in signing_keys.PURPOSES:
        signing_keys.load_private(purpose)
    load_codec()  # creates the payload key on first use (unless OGI_ENCRYPTION=off)
    version = migrate(store.engine())
    pointer = record_home(home)
    return {
        "home": str(home),
        "store": store.store_label(database_url()),
        "schema_version": version,
        "recorded_for_user": str(pointer) if pointer else None,
    }


async def _connect_and_setup() -> SetupResult:
    import asyncio

    from temporalio.client import Client

    from infra.connection import client_options, connect_config, data_converter, describe_connect_error

    config = connect_config()
    try:
        client = await asyncio.wait_for(Client.connect(**client_options(), data_converter=data_converter()), timeout=10)
    except (RuntimeError, OSError, TimeoutError) as exc:
        msg = (
            f"cannot reach Temporal at {config.get('target_host')} ({describe_connect_error(exc)}); "
            "start it with 'make run' or set TEMPORAL_ADDRESS"
        )
        raise ConnectionError(msg) from None
    return await setup_namespace(client)


@app.command(rich_help_panel="Admin")
def setup(as_json: JsonOpt = False) -> None:
    """Prepare ogi: search attributes in the namespace, the case store, keys, and the home; safe to repeat."""
    import asyncio

    from domain.errors import OgiError

    try:
        local = prepare_home()
    except OgiError as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json)
    try:
        result = asyncio.run(_connect_and_setup())
    except ConnectionError as exc:
        fail(str(exc), EXIT_UNAVAILABLE, as_json)
    if as_json:
        emit_json({**result, **local})
        return
    added = result["added"]
    done = f"registered {', '.join(added)}" if added else "search attributes already present"
    typer.echo(f"namespace {result['namespace']}: {done}")
    typer.echo(f"home {local['home']} · store at schema {local['schema_version']} · keys ready")
