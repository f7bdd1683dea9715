"""What every benchmark shares: a rich table on the terminal and a JSON record under bench/results/."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).resolve().parent / "results"


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
