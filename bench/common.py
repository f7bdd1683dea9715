"""What every benchmark shares: a rich table on the terminal and a JSON record under bench/results/."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from temporalio.client import Client

RESULTS = Path(__file__).resolve().parent / "results"


def quiet_logs() -> None:
    """Warnings and errors only: a benchmark's table should not scroll away under a line per case."""
    from infra.log import configure_logging

    configure_logging(os.environ.get("OGI_LOG_LEVEL", "WARNING"))


def report(name: str, rows: list[dict[str, Any]], summary: dict[str, Any]) -> Path:
    """Print the rows as a table and the summary, and write both to ``bench/results/<name>.json``."""
    console = Console()
    if rows:
        table = Table(*rows[0].keys(), title=name)
        for row in rows:
            table.add_row(*(f"{v:,.1f}" if isinstance(v, float) else str(v) for v in row.values()))
        console.print(table)
    for key, value in summary.items():
        console.print(f"{key}: {value}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    record = {
        "name": name,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
        "rows": rows,
        "summary": summary,
    }
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1, default=str) + "\n", "utf-8")
    console.print(f"written {path}")
    return path


def ops_per_second(fn: Callable[[], object], min_seconds: float = 0.5) -> float:
    """Calls per second of ``fn``, timed over batches until at least ``min_seconds`` have passed."""
    calls = 0
    batch = 1
    started = time.perf_counter()
    while True:
        for _ in range(batch):
            fn()
        calls += batch
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            return calls / elapsed
        batch *= 2


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_dev_server(db: Path | None) -> tuple[subprocess.Popen[bytes], str]:
    """A dev server on free ports with the search attributes registered; in memory when ``db`` is None."""
    from cli.dev_cmd import dev_server_command

    port = free_port()
    args = dev_server_command(port, free_port(), db, log_level="error", headless=True, search_attributes=True)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, f"127.0.0.1:{port}"


async def connect(address: str) -> Client:
    """A client with ogi's data converter, once the server answers."""
    from infra.connection import data_converter

    for _ in range(150):
        try:
            return await Client.connect(address, data_converter=data_converter())
        except RuntimeError:
            await asyncio.sleep(0.2)
    msg = f"dev server at {address} did not come up"
    raise RuntimeError(msg)
