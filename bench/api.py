"""Benchmark: the HTTP API with N open cases (authentication on), each call beside the bare call it wraps.

Starts a dev server (temp SQLite file), a worker and ``ogi serve`` as processes, makes a clerk and a
reviewer with tokens, registers N cases through the service (varied agency, channel, applicant and
receipt date; some long overdue), and times in the same run:

- ``POST /v1/cases`` (HTTP, token) beside the service's registration in-process (the same work without
  HTTP and authentication) and a bare ``start_workflow`` of a case;
- ``POST /v1/cases/{id}/actions/approve`` beside the bare signed ``execute_update`` on another case, and
  from the bare cases' histories how much of it the worker's workflow task took;
- ``GET /v1/cases?overdue=true`` beside the same read-model page queried in-process;
- read-model staleness: from an action's answer to its appearance in a listing;
- 200 concurrent submits over HTTP: unique gap-free numbers, throughput beside the same 200 registrations
  made by an in-process client of the service, six rounds each in alternating order (and, for scale, 200
  bare starts without registration). The CPU each process (Temporal, worker, ``ogi serve``, this client)
  spends per submit of each client's bursts is reported beside it.

The bursts' HTTP client is aiohttp: httpx, which the other measures use, costs about 4 ms of CPU per request
against aiohttp's 0.6 ms, on the same two cores as the server. A portal's client runs on its own machine.

Targets (issue: the front door): action p95 < 100 ms, submit p95 < 200 ms, listing p95 < 100 ms, the API
adding at most 1.3x to the bare call's p95, staleness p95 < 1 s, concurrent throughput >= 0.8x bare.
Run: ``python -m bench.api [--cases N]`` (default 10,000; ``--cases 300`` for a quick run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from bench.common import free_port, quiet_logs, report, start_dev_server

ROOT = Path(__file__).resolve().parent.parent
OGI = str(Path(sys.executable).parent / "ogi")


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) each process has used so far, from ``/proc`` (Linux; empty elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    used: dict[str, float] = {}
    for name, pid in pids.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        used[name] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return used


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def timed(*fns: Callable[[int], Awaitable[Any]], repeat: int) -> list[dict[str, float]]:
    """Latency of each ``fn(i)`` for i in 0..repeat (one warm-up call each first), one call at a time.

    The functions take turns, so a call and the bare call it is compared with meet the same load (a
    worker still busy with earlier cases slows whichever comes first, not one of them only).
    """
    for fn in fns:
        await fn(-1)
    samples: list[list[float]] = [[] for _ in fns]
    for i in range(repeat):
        for fn, own in zip(fns, samples, strict=True):
            t = time.perf_counter()
            await fn(i)
            own.append(time.perf_counter() - t)
    return [_stats(own) for own in samples]


def applications(n: int, today: date, tag: str) -> list[Any]:
    """N applications from the example, varied as the supervision benchmark varies them."""
    from bench.supervision import case_inputs

    return [
        inp.application.model_copy(update={"external_ref": f"{tag}-{i:06d}"})
        for i, inp in enumerate(case_inputs(n, today))
    ]


async def load(apps: list[Any], concurrency: int) -> tuple[float, list[str]]:
    """Register every application through the service (as the clerk); seconds taken and the ids in order."""
    from infra.users import find_user
    from service import intake
    from service.identities import principal_of

    clerk = principal_of(find_user("clerk"), "token")
    gate = asyncio.Semaphore(concurrency)
    ids: list[str] = []

    async def one(app: Any) -> None:
        async with gate:
            result, _ = await intake.submit(clerk, app)
            ids.append(result.id)

    started = time.perf_counter()
    await asyncio.gather(*(one(a) for a in apps))
    return time.perf_counter() - started, ids


async def drained(temporal: Any, newest: list[str]) -> float:
    """Seconds until the worker answers a query on each of the last cases registered within a second.

    Registering 10,000 cases in minutes leaves the worker a backlog of first workflow tasks (no agency sees
    such a burst): the measures start once it has caught up, and the summary says how long that took.
    """
    started = time.perf_counter()
    for case_id in newest:
        while True:
            try:
                await asyncio.wait_for(temporal.get_workflow_handle(case_id).query("state"), timeout=1)
                break
            except TimeoutError:
                continue
    return time.perf_counter() - started


async def update_tasks(temporal: Any, case_ids: list[str]) -> tuple[list[float], list[float]]:
    """From each case's history, its last workflow task (the one that ran the Update): queued and worker seconds."""
    from temporalio.api.enums.v1 import EventType

    scheduled, started, completed = (
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    )
    waits: list[float] = []
    tasks: list[float] = []
    for case_id in case_ids:
        events = list((await temporal.get_workflow_handle(case_id).fetch_history()).events)
        at = {
            k: [e.event_time.ToDatetime() for e in events if e.event_type == k][-1]
            for k in (scheduled, started, completed)
        }
        waits.append((at[started] - at[scheduled]).total_seconds())
        tasks.append((at[completed] - at[started]).total_seconds())
    return waits, tasks


def _at_review(limit: int) -> list[str]:
    from infra import case_listing
    from infra.case_listing import Filters

    return [r.case_id for r in case_listing.page(Filters(stage="review", overdue=False), limit).rows]


async def measure(opts: argparse.Namespace, base: str, tokens: dict[str, str], pids: dict[str, int]) -> dict[str, Any]:
    """Every measure of the benchmark; the rows and the summary."""
    from domain.application import Application
    from domain.clock import beijing_date
    from infra import case_listing
    from infra.case_listing import Filters
    from infra.connection import task_queue
    from infra.users import find_user
    from service import intake
    from service.identities import principal_of
    from service.temporal import acting_as, client

    today = beijing_date(datetime.now(UTC))
    load_s, loaded = await load(applications(opts.cases, today, "load"), opts.concurrency)
    print(f"registered {opts.cases} cases in {load_s:.1f} s ({opts.cases / load_s:.0f}/s)", flush=True)
    temporal = await client()
    drain_s = await drained(temporal, loaded[-20:])
    print(f"the worker caught up with the registrations {drain_s:.1f} s later", flush=True)
    clerk = principal_of(find_user("clerk"), "token")
    li = find_user("li").actor()
    rows: list[dict[str, Any]] = []
    http = httpx.AsyncClient(base_url=base, timeout=60)
    as_clerk = {"Authorization": f"Bearer {tokens['clerk']}"}
    as_li = {"Authorization": f"Bearer {tokens['li']}"}
    base_app = json.loads((ROOT / "tests" / "data" / "application.json").read_text("utf-8"))
    base_app["received"] = today.isoformat()

    def fresh(tag: str, i: int) -> dict[str, Any]:
        return {**base_app, "external_ref": f"{tag}-{i}-{uuid.uuid4().hex[:6]}"}

    made: list[str] = []  # cases registered while measuring: the worker catches up with them between measures

    async def http_submit(i: int) -> None:
        done = await http.post("/v1/cases", json=fresh("http", i), headers=as_clerk)
        assert done.status_code == 201, done.text
        made.append(done.json()["id"])

    async def service_submit(i: int) -> None:
        result, _ = await intake.submit(clerk, Application.model_validate(fresh("svc", i)))
        made.append(result.id)

    from domain.case import CaseInput, CasePolicy
    from domain.config import ServiceRules
    from workflows.disclosure import DisclosureRequestWorkflow

    # The bare cases do what the registered ones do: the bench's agency issues no 登记回执 (see main), so
    # neither do they; else each would render a PDF while the calls after it are timed.
    bare_policy = CasePolicy(service=ServiceRules(acknowledge_receipt=False))

    async def bare_start(i: int) -> None:
        inp = CaseInput(
            case_id=f"BARE-{uuid.uuid4().hex[:10]}",
            agency_code="BARE",
            application=Application.model_validate(fresh("bare", i)),
            policy=bare_policy,
        )
        with acting_as(clerk.actor):
            await temporal.start_workflow(DisclosureRequestWorkflow.run, inp, id=inp.case_id, task_queue=task_queue())
        made.append(inp.case_id)

    def add(what: str, stats: dict[str, float], note: str = "") -> None:
        rows.append({"measure": what, **stats, "note": note})

    submits = await timed(http_submit, service_submit, bare_start, repeat=opts.repeat)
    add("POST /v1/cases (HTTP)", submits[0], "registration + start, token checked")
    add("intake.submit (in-process)", submits[1], "the same without HTTP")
    add("start_workflow (bare)", submits[2], "no registration")
    await drained(temporal, made[-6:])

    pool = await asyncio.to_thread(_at_review, 2 * opts.repeat + 4)
    http_ids, bare_ids = pool[::2], pool[1::2]

    async def http_approve(i: int) -> None:
        done = await http.post(f"/v1/cases/{http_ids[i + 1]}/actions/approve", json={}, headers=as_li)
        assert done.status_code == 200, done.text

    async def bare_approve(i: int) -> None:
        handle = temporal.get_workflow_handle(bare_ids[i + 1])
        with acting_as(li):
            await handle.execute_update("approve", {"by": "li"}, id=f"approve-{uuid.uuid4().hex[:8]}")

    approves = await timed(http_approve, bare_approve, repeat=opts.repeat)
    add("POST .../actions/approve (HTTP)", approves[0], "signed Update + archive")
    add("execute_update approve (bare, signed)", approves[1], "the Temporal call")
    waits, tasks = await update_tasks(temporal, bare_ids[1 : opts.repeat + 1])
    add("  of which: waiting for the worker", _stats(waits), "task scheduled -> started (history)")
    add("  of which: the worker's task", _stats(tasks), "started -> completed, archive included")

    async def http_overdue(_: int) -> None:
        done = await http.get("/v1/cases", params={"overdue": "true"}, headers=as_li)
        assert done.status_code == 200

    async def sql_overdue(_: int) -> None:
        await asyncio.to_thread(case_listing.page, Filters(overdue=True), 100)

    listings = await timed(http_overdue, sql_overdue, repeat=opts.repeat)
    add("GET /v1/cases?overdue=true (HTTP)", listings[0], "first page of 100")
    add("read-model page (in-process)", listings[1], "the same query, no HTTP")

    stale: list[float] = []
    for case_id in pool[-4:] + (await asyncio.to_thread(_at_review, 40))[-20:]:
        done = await http.post(f"/v1/cases/{case_id}/actions/approve", json={}, headers=as_li)
        answered = time.perf_counter()
        if done.status_code != 200:
            continue
        while True:
            seen = await http.get(f"/v1/cases/{case_id}", headers=as_li)
            listed = await http.get("/v1/cases", params={"stage": "secrecy_review", "limit": 1000}, headers=as_li)
            if any(c["id"] == case_id for c in listed.json()["cases"]) and seen.status_code == 200:
                break
        stale.append(time.perf_counter() - answered)
    add("staleness: action answered -> listed", _stats(stale), "read model written before the answer")

    burst_http = aiohttp.ClientSession(base, timeout=aiohttp.ClientTimeout(total=60))

    async def burst_submit(body: dict[str, Any]) -> str | None:
        async with burst_http.post("/v1/cases", json=body, headers=as_clerk) as answer:
            return str((await answer.json())["id"]) if answer.status == 201 else None

    async def http_burst(round_no: int) -> tuple[float, list[str]]:
        burst = [fresh(f"burst{round_no}", i) for i in range(opts.burst)]
        started = time.perf_counter()
        answers = await asyncio.gather(*(burst_submit(b) for b in burst))
        took = time.perf_counter() - started
        ids = [a for a in answers if a is not None]
        await drained(temporal, ids[-6:])  # each burst starts on an idle worker
        return took, ids

    async def service_burst() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(service_submit(i) for i in range(opts.burst)))
        took = time.perf_counter() - started
        await drained(temporal, made[-6:])
        return took

    # Rounds in alternating order (HTTP then in-process, in-process then HTTP, ...), summed: neither client
    # always meets the worker's leftovers first, and one slow moment of the shared machine weighs less.
    # The CPU each process spends on each client's bursts says where the HTTP path's extra time goes.
    http_rounds: list[float] = []
    service_rounds: list[float] = []
    bursts: list[list[str]] = []
    cpu: dict[str, dict[str, float]] = {"http": {}, "in_process": {}}

    async def counted(client: str, burst: Awaitable[Any]) -> Any:
        before = cpu_seconds(pids)
        done = await burst
        for name, used in cpu_seconds(pids).items():
            cpu[client][name] = cpu[client].get(name, 0.0) + used - before.get(name, used)
        return done

    for round_no in range(1, opts.burst_rounds + 1):
        if round_no % 2:
            took, got = await counted("http", http_burst(round_no))
            service_rounds.append(await counted("in_process", service_burst()))
        else:
            service_rounds.append(await counted("in_process", service_burst()))
            took, got = await counted("http", http_burst(round_no))
        http_rounds.append(took)
        bursts.append(got)
    http_s, service_s = sum(http_rounds), sum(service_rounds)
    started = time.perf_counter()
    await asyncio.gather(*(bare_start(i) for i in range(opts.burst)))
    bare_s = time.perf_counter() - started
    ids = [i for got in bursts for i in got]
    spans = [sorted(int(m.group(1)) for i in got if (m := re.search(r"-(\d{6})$", i))) for got in bursts]
    # One agency's sequence, and nothing else numbering while a burst runs: each burst's numbers are consecutive.
    by_agency_gapless = len(set(ids)) == len(ids) == opts.burst_rounds * opts.burst and all(
        seqs == list(range(seqs[0], seqs[0] + opts.burst)) for seqs in spans
    )
    await http.aclose()
    await burst_http.close()

    def p95(measure_name: str) -> float:
        return float(next(r["p95_ms"] for r in rows if r["measure"] == measure_name))

    action_ratio = p95("POST .../actions/approve (HTTP)") / p95("execute_update approve (bare, signed)")
    submit_ratio = p95("POST /v1/cases (HTTP)") / p95("intake.submit (in-process)")
    listing_ratio = p95("GET /v1/cases?overdue=true (HTTP)") / max(p95("read-model page (in-process)"), 0.1)
    throughput_ratio = service_s / http_s
    targets = {
        "action_p95_lt_100ms": p95("POST .../actions/approve (HTTP)") < 100,
        "submit_p95_lt_200ms": p95("POST /v1/cases (HTTP)") < 200,
        "listing_p95_lt_100ms": p95("GET /v1/cases?overdue=true (HTTP)") < 100,
        "api_adds_at_most_1_3x_to_the_update": action_ratio <= 1.3,
        "staleness_p95_lt_1s": p95("staleness: action answered -> listed") < 1000,
        "burst_throughput_ge_0_8x_bare": throughput_ratio >= 0.8,
        "burst_numbers_unique_gap_free": by_agency_gapless,
    }
    return {
        "rows": rows,
        "cases": opts.cases,
        "load_s": round(load_s, 1),
        "drain_s": round(drain_s, 1),
        "action_ratio_http_to_update": round(action_ratio, 2),
        "submit_ratio_http_to_service": round(submit_ratio, 2),
        "listing_ratio_http_to_sql": round(listing_ratio, 2),
        "burst": {
            "submits": opts.burst,
            "http_s": round(http_s, 2),
            "in_process_s": round(service_s, 2),
            "bare_start_s": round(bare_s, 2),
            "throughput_ratio": round(throughput_ratio, 2),
            "rounds": opts.burst_rounds,
            "round_ratios": [round(sv / h, 2) for sv, h in zip(service_rounds, http_rounds, strict=True)],
            "unique": len(set(ids)),
            "seq_spans": [(seqs[0], seqs[-1]) for seqs in spans if seqs],
            "cpu_ms_per_submit": {
                client: {name: round(1000 * used / (opts.burst * opts.burst_rounds), 1) for name, used in by.items()}
                for client, by in cpu.items()
            },
        },
        "targets": targets,
        "all_met": all(targets.values()),
    }


def main(opts: argparse.Namespace) -> dict[str, Any]:
    """Stack up, users made, measure, stack down; print and write the report."""
    wall = time.perf_counter()
    home = Path(tempfile.mkdtemp(prefix="ogi-bench-api-"))
    port = free_port()
    server, address = start_dev_server(home / "temporal.sqlite")
    env = {
        **os.environ,
        "OGI_HOME": str(home),
        "OGI_AUTH": "on",
        "OGI_TASK_QUEUE": f"bench-api-{os.getpid()}",
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_NAMESPACE": "default",
        "OGI_API_PORT": str(port),
        "OGI_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    # The 登记回执 of 10,000 cases would be 10,000 PDFs rendered while the API is measured: a load no agency
    # sees (it registers them over a year) and work the bare calls do not do, so the bench's agency issues none.
    (home / "ogi.toml").write_text("[service]\nacknowledge_receipt = false\n", "utf-8")
    env["OGI_CONFIG"] = str(home / "ogi.toml")
    env.pop("OGI_KEYS_FILE", None)
    os.environ.update(env)
    for _ in range(150):
        if subprocess.run([OGI, "setup"], env=env, capture_output=True, check=False).returncode == 0:
            break
        time.sleep(0.2)
    tokens = {}
    for name, role in (("clerk", "intake"), ("li", "reviewer")):
        subprocess.run([OGI, "user", "add", name, "--role", role], env=env, capture_output=True, check=True)
        issued = subprocess.run([OGI, "token", "issue", "--user", name], env=env, capture_output=True, text=True)
        tokens[name] = issued.stdout.strip()
    procs = [
        subprocess.Popen([sys.executable, str(ROOT / "worker.py")], env=env, cwd=ROOT),
        subprocess.Popen([OGI, "serve", "--port", str(port)], env=env, cwd=ROOT),
    ]
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    try:
        pids = {"temporal": server.pid, "worker": procs[0].pid, "serve": procs[1].pid, "client": os.getpid()}
        summary = asyncio.run(measure(opts, base, tokens, pids))
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        server.terminate()
        server.wait(timeout=30)
    rows = summary.pop("rows")
    summary.update({"cpus": os.cpu_count(), "wall_s": round(time.perf_counter() - wall, 1)})
    report("api", rows, summary)
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=40, help="samples per measure")
    parser.add_argument("--burst", type=int, default=200, help="concurrent submits over HTTP")
    parser.add_argument(
        "--burst-rounds", type=int, default=6, help="bursts of each client, in alternating order (summed)"
    )
    args = parser.parse_args()
    if args.burst_rounds < 2 or args.burst_rounds % 2:
        parser.error("--burst-rounds: an even number from 2, so each client goes first as often as the other")
    quiet_logs()
    main(args)
