"""Benchmark: supervisor queries (``ogi overdue``, ``ogi stats``) with N cases open, against bare counts.

Starts a dev server (temp SQLite file, search attributes registered) and a worker process, bulk-starts
N ``DisclosureRequestWorkflow`` cases (varied agency, channel, applicant and receipt date; some
received long ago, so they turn overdue; some awaiting receipt) and waits until every case has run
its first task and is waiting on its timer. Then it times, in the same run:

- ``case_page`` of ``ogi overdue`` (its default first page of 100, most overdue first) and of
  ``ogi list`` in-process, ``all_cases`` of ``ogi overdue --all``, and the whole
  ``ogi overdue --json`` subprocess;
- ``case_stats`` of ``ogi stats`` in-process, and the whole ``ogi stats --json`` subprocess;
- a bare ``temporal workflow count --query ...`` subprocess and an in-process ``count_workflows``;

and reports p50/p95 latency and the worker's RSS with all cases open.
Run: ``python -m bench.supervision [--cases N]`` (default 10,000; ``--cases 500`` for a quick run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from bench.common import connect, quiet_logs, report, start_dev_server
from workflows.search_attributes import OPEN_CASES_QUERY

ROOT = Path(__file__).resolve().parent.parent
OPEN = OPEN_CASES_QUERY
OVERDUE = f"{OPEN} AND Overdue = true"
AGENCIES = [
    ("六安市民政局", "LAMZ"),
    ("六安市财政局", "LACZ"),
    ("六安市教育局", "LAJY"),
    ("六安市自然资源和规划局", "LAZR"),
    ("六安市生态环境局", "LAHB"),
    ("六安市住房和城乡建设局", "LAZJ"),
    ("金安区人民政府", "JAQZ"),
    ("裕安区人民政府", "YAQZ"),
]
KINDS = [
    "natural_person",
    "natural_person",
    "natural_person",
    "commercial_enterprise",
    "research_institute",
    "social_welfare_organisation",
    "legal_service_body",
    "other",
]
CHANNELS_WITH_DATE = ["in_person", "signed_post", "online", "email", "fax", "ordinary_post"]
AWAITING_CHANNELS = ["online", "fax", "ordinary_post"]
OVERDUE_SHARE = 0.10
AWAITING_SHARE = 0.05
console = Console(width=max(Console().width, 130))


# -- infrastructure --


async def serve_worker(address: str, queue: str) -> None:
    """The worker process: every workflow and activity, until SIGTERM."""
    from worker import ACTIVITY_THREADS, build_worker

    client = await connect(address)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as pool:
        async with build_worker(client, pool, queue):
            print("worker ready", flush=True)
            await stop.wait()


def rss_mb(pid: int) -> dict[str, float]:
    """Resident set size now and at peak (MB) of a process, from /proc."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": fields.get("VmRSS", 0.0), "peak_rss_mb": fields.get("VmHWM", 0.0)}


# -- the bulk loader --


def case_inputs(n: int, today: date, seed: int = 7) -> list[Any]:
    """N case inputs from the example application, varied in agency, channel, applicant and receipt date."""
    from domain.application import Application
    from domain.case import CaseInput

    rng = random.Random(seed)
    base = json.loads((ROOT / "tests" / "data" / "application.json").read_text("utf-8"))
    inputs = []
    for i in range(n):
        agency, code = AGENCIES[i % len(AGENCIES)]
        roll = rng.random()
        data = dict(base)
        data["applicant"] = {**base["applicant"], "kind": KINDS[rng.randrange(len(KINDS))]}
        data["external_ref"] = f"bench-{i:06d}"
        data["agency"] = agency
        if roll < AWAITING_SHARE:
            data["channel"] = AWAITING_CHANNELS[i % len(AWAITING_CHANNELS)]
            data["received"] = None
        else:
            data["channel"] = CHANNELS_WITH_DATE[i % len(CHANNELS_WITH_DATE)]
            back = rng.randint(60, 120) if roll < AWAITING_SHARE + OVERDUE_SHARE else rng.randint(0, 6)
            data["received"] = (today - timedelta(days=back)).isoformat()
        app = Application.model_validate(data)
        inputs.append(CaseInput(case_id=f"{code}-B-{i:06d}", agency_code=code, application=app))
    return inputs


async def bulk_load(client: Client, queue: str, inputs: list[Any], concurrency: int) -> float:
    """Start every case directly, with its search attributes typed at start; seconds taken."""
    from workflows import search_attributes as sa
    from workflows.disclosure import DisclosureRequestWorkflow

    gate = asyncio.Semaphore(concurrency)

    async def one(inp: Any) -> None:
        app = inp.application
        pairs: list[SearchAttributePair[Any]] = [
            SearchAttributePair(sa.STAGE, "review" if app.received else "awaiting_receipt"),
            SearchAttributePair(sa.AGENCY, app.agency),
            SearchAttributePair(sa.CHANNEL, app.channel.value),
            SearchAttributePair(sa.OVERDUE, False),
            SearchAttributePair(sa.CLOCK_PAUSED, False),
        ]
        async with gate:
            await client.start_workflow(
                DisclosureRequestWorkflow.run,
                inp,
                id=inp.case_id,
                task_queue=queue,
                search_attributes=TypedSearchAttributes(pairs),
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(inp) for inp in inputs))
    return time.perf_counter() - started


async def settle(client: Client, with_clock: int, overdue: int, budget: float) -> tuple[float, dict[str, int]]:
    """Wait until every received case has its deadline indexed and the overdue ones have turned overdue."""
    started = time.perf_counter()
    seen: dict[str, int] = {}
    while time.perf_counter() - started < budget:
        due, late = await asyncio.gather(
            client.count_workflows(f"{OPEN} AND DueAt IS NOT NULL"), client.count_workflows(OVERDUE)
        )
        seen = {"with_deadline": due.count, "overdue": late.count}
        if due.count >= with_clock and late.count >= overdue:
            break
        await asyncio.sleep(1.0)
    return time.perf_counter() - started, seen


# -- timing --


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def time_async(fn: Callable[[], Awaitable[Any]], repeat: int, pause: float) -> tuple[dict[str, float], Any]:
    """Latency of an in-process call, after one warm-up, samples ``pause`` seconds apart; the last result.

    The pause keeps the run under the namespace's visibility rate limit: a burst beyond it is
    answered RESOURCE_EXHAUSTED and the SDK retries about a second later, which would time the
    limiter instead of the query.
    """
    result = await fn()
    samples = []
    for _ in range(repeat):
        await asyncio.sleep(pause)
        t = time.perf_counter()
        result = await fn()
        samples.append(time.perf_counter() - t)
    return _stats(samples), result


EXIT_CRASHES = (-6, -11, 134, 139)
"""Abort/segfault at interpreter shutdown after the work is done (temporalio/sdk-python#300)."""


def time_process(args: list[str], env: dict[str, str], repeat: int) -> tuple[dict[str, float], str, int]:
    """Latency of a whole subprocess (start-up included), after one warm-up; its last stdout; exit crashes.

    A run that printed its output and then crashed at shutdown is timed but counted as a crash.
    """
    out = ""
    samples = []
    crashes = 0
    for i in range(repeat + 1):
        t = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
        elapsed = time.perf_counter() - t
        if done.returncode in EXIT_CRASHES and done.stdout.strip():
            crashes += 1
        elif done.returncode != 0:
            msg = f"{args[:3]} failed ({done.returncode}): {done.stderr.strip()[:300]}"
            raise RuntimeError(msg)
        if i:
            samples.append(elapsed)
        out = done.stdout
    return _stats(samples), out, crashes


def _ogi(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "ogi"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from cli.main import run; run()", *args]


# -- the report --


async def measure(
    address: str, queue: str, env: dict[str, str], worker_pid: int, opts: argparse.Namespace
) -> dict[str, Any]:
    """Load the cases, wait for them to settle, time every measure; the summary."""
    from cli.case_pages import all_cases, case_page

    from cli.report_cmd import case_stats
    from cli.supervise_cmd import PAGE_SIZE
    from domain.clock import beijing_date

    n, repeat, process_repeat = opts.cases, opts.repeat, opts.process_repeat
    client = await connect(address)
    today = beijing_date(datetime.now(UTC))
    inputs = case_inputs(n, today)
    with_clock = sum(1 for i in inputs if i.application.received is not None)
    overdue = sum(1 for i in inputs if i.application.received and (today - i.application.received).days >= 60)
    load_s = await bulk_load(client, queue, inputs, opts.concurrency)
    console.print(f"started {n} cases in {load_s:.1f} s ({n / load_s:.0f}/s); waiting for their first tasks …")
    settle_s, seen = await settle(client, with_clock, overdue, budget=900.0)
    console.print(f"settled in {settle_s:.1f} s: {seen}")
    open_count = (await client.count_workflows(OPEN)).count
    memory = rss_mb(worker_pid)

    rows: list[dict[str, Any]] = []

    def add(what: str, stats: dict[str, float], note: str = "") -> None:
        rows.append({"measure": what, **stats, "note": note})

    s, page = await time_async(lambda: case_page(client, OVERDUE, PAGE_SIZE), repeat, 0.2)
    add("ogi overdue: case_page (in-process)", s, f"{len(page.cases)} of {page.total} rows, {page.queries} queries")
    s, page = await time_async(lambda: case_page(client, OVERDUE, PAGE_SIZE, page.next), repeat, 0.2)
    add("ogi overdue --after: 2nd page (in-process)", s, f"{len(page.cases)} rows, {page.queries} queries")
    s, page = await time_async(lambda: case_page(client, OPEN, PAGE_SIZE), repeat, 0.2)
    add("ogi list: case_page (in-process)", s, f"{len(page.cases)} of {page.total} rows, {page.queries} queries")
    s, page = await time_async(lambda: all_cases(client, OVERDUE), repeat, 0.2)
    add("ogi overdue --all: all_cases (in-process)", s, f"{len(page.cases)} rows, one sorted listing")
    s, stats = await time_async(lambda: case_stats(client), repeat, 0.5)
    add("ogi stats: case_stats (in-process)", s, f"{stats['queries']} queries")
    s, _ = await time_async(lambda: client.count_workflows(OPEN), repeat, 0.05)
    add("count_workflows open (in-process)", s, "baseline")
    s, _ = await time_async(lambda: client.count_workflows(OVERDUE), repeat, 0.05)
    add("count_workflows overdue (in-process)", s, "baseline")
    s, out, crashed = await asyncio.to_thread(time_process, _ogi("overdue", "--json"), env, process_repeat)
    add("ogi overdue --json (subprocess)", s, f"{json.loads(out)['count']} rows, {crashed} exit crashes")
    s, _, crashed = await asyncio.to_thread(time_process, _ogi("stats", "--json"), env, process_repeat)
    add("ogi stats --json (subprocess)", s, f"{crashed} exit crashes")
    for name, query in (("open", OPEN), ("overdue", OVERDUE)):
        bare = [
            str(Path(sys.executable).parent / "temporal"),
            "workflow",
            "count",
            "--address",
            address,
            "--query",
            query,
        ]
        s, out, _ = await asyncio.to_thread(time_process, bare, env, process_repeat)
        add(f"temporal workflow count {name} (subprocess)", s, out.strip())
    query_p95 = max(r["p95_ms"] for r in rows if r["measure"].startswith(("ogi overdue: ", "ogi stats: ")))
    return {
        "rows": rows,
        "cases": n,
        "open": open_count,
        "overdue_expected": overdue,
        "settled": seen,
        "load_s": round(load_s, 1),
        "load_cases_per_s": round(n / load_s, 1),
        "settle_s": round(settle_s, 1),
        "worker": memory,
        "stats_at_end": {k: stats[k] for k in ("open", "overdue", "by_stage", "by_agency", "method", "queries")},
        "query_p95_ms": query_p95,
        "target": "p95 < 300 ms for the query itself (in-process: overdue first page, stats) at 10,000 open cases",
        "target_met": query_p95 < 300,
    }


def main(opts: argparse.Namespace) -> dict[str, Any]:
    """Dev server and worker process up, measure, both down; print and write the report."""
    wall = time.perf_counter()
    home = Path(tempfile.mkdtemp(prefix="ogi-bench-supervision-"))
    queue = f"bench-supervision-{os.getpid()}"
    env = {**os.environ, "OGI_HOME": str(home), "OGI_DATABASE_URL": f"sqlite:///{home / 'ogi.sqlite'}"}
    env.update({"OGI_TASK_QUEUE": queue, "PYTHONPATH": str(ROOT)})
    server, address = start_dev_server(home / "temporal.sqlite")
    env.update({"TEMPORAL_ADDRESS": address, "TEMPORAL_NAMESPACE": "default"})
    os.environ.update(env)
    worker = subprocess.Popen(  # our own module, in its own process so that its memory is its own
        [sys.executable, "-m", "bench.supervision", "--serve-worker", address, queue], env=env, cwd=ROOT
    )
    try:
        summary = asyncio.run(measure(address, queue, env, worker.pid, opts))
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        server.terminate()
        server.wait(timeout=30)
    rows = summary.pop("rows")
    summary.update({"cpus": os.cpu_count(), "wall_s": round(time.perf_counter() - wall, 1)})
    report("supervision", rows, summary)
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=30, help="in-process samples per measure")
    parser.add_argument("--process-repeat", type=int, default=10, help="subprocess samples per measure")
    parser.add_argument("--serve-worker", nargs=2, metavar=("ADDRESS", "QUEUE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    quiet_logs()
    if args.serve_worker:
        asyncio.run(serve_worker(*args.serve_worker))
    else:
        main(args)
