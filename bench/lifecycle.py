"""Benchmark: N cases end to end (submit, approve, approve, reply e-mailed) against a minimal baseline workflow.

Both run in the same process against the same dev server, so the ratio is what counts on a shared
machine. Run: ``python -m bench.lifecycle [--cases N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.registry import all_activities
from bench.baseline import BaselineCase, baseline_step
from bench.common import connect, free_port, quiet_logs, report, start_dev_server
from domain.clock import beijing_date
from infra import mail_catcher
from worker import sandbox_runner
from workflows.registry import WORKFLOWS

ROOT = Path(__file__).resolve().parent.parent


def application(i: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "tests" / "data" / "application.json").read_text("utf-8"))
    data["external_ref"] = f"bench-{uuid.uuid4().hex[:12]}-{i}"
    data["received"] = beijing_date(datetime.now(UTC)).isoformat()
    return data


async def run_ogi_cases(client: Client, n: int, concurrency: int) -> tuple[float, list[str]]:
    """Submit, approve, approve and wait for the reply, for n cases; seconds taken and case ids."""
    from domain.application import Application
    from service import intake
    from service.identities import claimed
    from service.temporal import using

    sem = asyncio.Semaphore(concurrency)
    ids: list[str] = []

    async def one(i: int) -> None:
        async with sem:
            with using(client):
                result, _ = await intake.submit(claimed("clerk"), Application.model_validate(application(i)))
            handle = client.get_workflow_handle(result.id)
            await handle.execute_update("approve", {"by": "li"})
            await handle.execute_update("approve", {"by": "wang"})
            await handle.result()
            ids.append(result.id)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - start, ids


async def run_baseline(client: Client, queue: str, n: int, concurrency: int) -> float:
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with sem:
            handle = await client.start_workflow(BaselineCase.run, id=f"base-{uuid.uuid4().hex}", task_queue=queue)
            await handle.execute_update(BaselineCase.approve, {"by": "li"})
            await handle.execute_update(BaselineCase.approve, {"by": "wang"})
            await handle.result()

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - start


async def history_events(client: Client, case_id: str) -> int:
    history = await client.get_workflow_handle(case_id).fetch_history()
    return len(history.events)


async def main(n: int, concurrency: int, in_memory: bool = False) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="ogi-bench-"))
    os.environ["OGI_HOME"] = str(home)
    # Every case e-mails its acknowledgement and its reply, and closes once the reply is served: a real
    # local mail server takes them, as an agency's relay would.
    mail_port = free_port()
    mail = mail_catcher.start("127.0.0.1", mail_port, home / "mail")
    os.environ["OGI_SMTP_URL"] = f"smtp://127.0.0.1:{mail_port}"
    os.environ["OGI_MAIL_FROM"] = "gongkai@bench.example.gov.cn"
    server, address = start_dev_server(None if in_memory else home / "temporal.sqlite")
    try:
        client = await connect(address)
        queue = os.environ.get("OGI_TASK_QUEUE", "ogi-cases")
        with ThreadPoolExecutor(max_workers=64) as pool:  # one thread per activity slot
            async with Worker(
                client,
                task_queue=queue,
                workflows=[*WORKFLOWS, BaselineCase],
                activities=[*all_activities(), baseline_step],
                activity_executor=pool,
                workflow_runner=sandbox_runner(),
                max_concurrent_activities=64,
            ):
                await run_baseline(client, queue, min(10, n), concurrency)  # warm-up
                await run_ogi_cases(client, min(10, n), concurrency)
                base_s = await run_baseline(client, queue, n, concurrency)
                ogi_s, ids = await run_ogi_cases(client, n, concurrency)
                events = await history_events(client, ids[0])
                first = await client.get_workflow_handle(ids[0]).describe()
                intake_events = await history_events(client, first.parent_id) if first.parent_id else 0
    finally:
        server.terminate()
        server.wait(timeout=20)
        mail.stop()
    mails = len(list((home / "mail").glob("*.eml")))
    rows = [
        {
            "workflow": "baseline (2 updates, 3 activities)",
            "cases": n,
            "seconds": round(base_s, 2),
            "cases_per_s": round(n / base_s, 1),
        },
        {
            "workflow": "ogi DisclosureRequestWorkflow",
            "cases": n,
            "seconds": round(ogi_s, 2),
            "cases_per_s": round(n / ogi_s, 1),
        },
    ]
    summary = {
        "ratio_to_baseline": round(base_s / ogi_s, 3),
        "documents": "each ogi case renders 2 PDFs + 2 DOCX (acknowledgement, reply) and sends 2 e-mails; "
        "the baseline does neither",
        "emails_received": mails,
        "history_events_per_case": events,
        "intake_history_events": intake_events,
        "targets": {"ratio_to_baseline": ">= 0.5", "cases_per_s": ">= 20", "history_events_per_case": "<= 60"},
    }
    summary["server"] = "dev server, in-memory SQLite" if in_memory else "dev server, SQLite file (as make run)"
    summary["concurrency"] = concurrency
    report("lifecycle-memory" if in_memory else "lifecycle", rows, summary)
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--in-memory", action="store_true", help="Dev server without a database file.")
    args = parser.parse_args()
    quiet_logs()
    asyncio.run(main(args.cases, args.concurrency, args.in_memory))
