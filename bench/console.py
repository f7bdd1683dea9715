"""Benchmark: the console's server time with N open cases: the work queue, the case page, the supervision page.

Starts a dev server (temp SQLite file), a worker and ``ogi serve`` as processes; registers a few dozen
real cases through the service (the case page asks their workflows), then fills the read model to N
open cases (varied agency, stage, channel, due date; some overdue), as the workflows would have written
them. Each page is fetched over HTTP by a signed-in user, one request at a time, after a warm-up:

- the reviewer's 待审查 queue (first page, and a page deep in the list by its keyset cursor) and 即将到期;
- the case page of a real case (state, case view with personal data, actions on offer, attachments);
- the supervision page (counts, overdue and due-soon lists, timeliness of the year).

Target (issue 14): p95 < 300 ms each. Run: ``python -m bench.console [--cases N]`` (default 10,000;
``--cases 500`` for a quick run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import free_port, quiet_logs, report, start_dev_server

ROOT = Path(__file__).resolve().parent.parent
OGI = str(Path(sys.executable).parent / "ogi")
PASSWORD = "bench-password-123"  # noqa: S105 - the throwaway users of a temporary stack
TARGET_MS = 300.0
REAL_CASES = 30


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def register_real(n: int) -> list[str]:
    """N cases registered through the service as the clerk (their workflows answer the case page)."""
    from bench.supervision import case_inputs
    from domain.clock import beijing_date
    from infra.users import find_user
    from service import intake
    from service.identities import principal_of

    clerk = principal_of(find_user("clerk"), "token")
    today = beijing_date(datetime.now(UTC))
    ids = []
    for i, inp in enumerate(case_inputs(n, today)):
        app = inp.application.model_copy(update={"external_ref": f"real-{i:05d}", "received": today})
        answer, _ = await intake.submit(clerk, app)
        ids.append(answer.id)
    return ids


def seed_rows(n: int) -> None:
    """N open cases in the read model, as their workflows would have written them."""
    from sqlalchemy import insert

    from domain.clock import beijing_date
    from infra.schema import cases
    from infra.store import engine

    rng = random.Random(14)
    today = beijing_date(datetime.now(UTC))
    now = datetime.now(UTC)
    agencies = [
        ("六安市民政局", "LAMZ"),
        ("六安市教育局", "LAJY"),
        ("宁夏回族自治区财政厅", "NXCZ"),
        ("某区住建局", "QZJ"),
    ]
    stages = ["review"] * 6 + ["awaiting_receipt", "awaiting_correction", "secrecy_review", "awaiting_payment"]
    surnames = "张王李赵刘陈杨黄周吴"
    rows = []
    for i in range(n):
        agency, code = agencies[i % len(agencies)]
        stage = rng.choice(stages)
        due = None if stage == "awaiting_receipt" else today + timedelta(days=rng.randint(-20, 40))
        rows.append(
            {
                "case_id": f"{code}-2026-{900000 + i:06d}",
                "agency": agency,
                "agency_code": code,
                "applicant_kind": "natural_person",
                "channel": rng.choice(["online", "in_person", "ordinary_post", "email"]),
                "received": None if due is None else due - timedelta(days=28),
                "registered_at": now - timedelta(days=rng.randint(0, 60)),
                "due": due,
                "stage": stage,
                "status": "open",
                "outcome": None,
                "reasons": [],
                "report_row": None,
                "closed_at": None,
                "overdue": due is not None and due < today,
                "extended": False,
                "revision": 3,
                "archived_at": now,
                "clock_paused": stage in ("awaiting_correction", "awaiting_payment"),
                "attention": None,
                "assignee": None,
                "department": rng.choice([None, "办公室", "政策法规科"]),
                "proposed_by_id": None,
                "applicant_masked": rng.choice(surnames) + "*",
                "subject": "申请公开2025年度城乡最低生活保障资金发放情况",
            }
        )
    with engine().begin() as conn:
        for start in range(0, len(rows), 1000):
            conn.execute(insert(cases), rows[start : start + 1000])


def sign_in(base: str, name: str) -> httpx.Client:
    """An HTTP client signed in to the console as ``name`` (through the sign-in form)."""
    http = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    page = http.get("/console/login")
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token is not None
    done = http.post(
        "/console/login",
        data={"username": name, "password": PASSWORD, "form_token": token.group(1), "next": "/console"},
    )
    assert done.status_code == 303, done.text
    return http


def timed(http: httpx.Client, paths: list[str], repeat: int) -> dict[str, float]:
    """Latency of GETs cycling through ``paths`` (one warm-up each first); every answer must be 200."""
    for path in paths:
        assert http.get(path).status_code == 200, path
    samples = []
    for i in range(repeat):
        path = paths[i % len(paths)]
        t = time.perf_counter()
        answer = http.get(path)
        samples.append(time.perf_counter() - t)
        assert answer.status_code == 200, (path, answer.status_code)
    return _stats(samples)


def measure(opts: argparse.Namespace, base: str) -> dict[str, Any]:
    """Cases in, users signed in, each page timed."""
    quiet_logs()
    real = asyncio.run(register_real(min(REAL_CASES, opts.cases)))
    seed_rows(max(0, opts.cases - len(real)))
    print(f"{opts.cases} open cases ({len(real)} real)", flush=True)
    li, sun = sign_in(base, "li"), sign_in(base, "sun")
    deep = li.get("/console/queues?q=review").text
    cursor = re.search(r'after=([^"&]+)"', deep)
    rows: list[dict[str, Any]] = []

    def add(page: str, stats: dict[str, float]) -> None:
        rows.append({"page": page, **stats, "target_ms": TARGET_MS, "ok": stats["p95_ms"] < TARGET_MS})

    add("work queue: 待审查, first page", timed(li, ["/console/queues?q=review"], opts.repeat))
    if cursor:
        add(
            "work queue: 待审查, next page",
            timed(li, [f"/console/queues?q=review&after={cursor.group(1)}"], opts.repeat),
        )
    add("work queue: 即将到期", timed(li, ["/console/queues?q=due_soon"], opts.repeat))
    add("case page", timed(li, [f"/console/cases/{case_id}" for case_id in real], opts.repeat))
    add("supervision page", timed(sun, ["/console/supervision"], opts.repeat))
    return {"rows": rows, "cases": opts.cases, "all_within_target": all(r["ok"] for r in rows)}


def main(opts: argparse.Namespace) -> dict[str, Any]:
    """Stack up, users made, measure, stack down; print and write the report."""
    wall = time.perf_counter()
    home = Path(tempfile.mkdtemp(prefix="ogi-bench-console-"))
    port = free_port()
    server, address = start_dev_server(home / "temporal.sqlite")
    env = {
        **os.environ,
        "OGI_HOME": str(home),
        "OGI_AUTH": "on",
        "OGI_COOKIE_SECURE": "false",
        "OGI_TASK_QUEUE": f"bench-console-{os.getpid()}",
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_NAMESPACE": "default",
        "OGI_API_PORT": str(port),
        "OGI_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("OGI_KEYS_FILE", None)
    os.environ.update(env)
    for _ in range(150):
        if subprocess.run([OGI, "setup"], env=env, capture_output=True, check=False).returncode == 0:
            break
        time.sleep(0.2)
    for name, role in (("clerk", "intake"), ("li", "reviewer"), ("sun", "supervisor")):
        subprocess.run([OGI, "user", "add", name, "--role", role], env=env, capture_output=True, check=True)
        subprocess.run(
            [OGI, "user", "passwd", name, "--password-stdin"], env=env, input=PASSWORD + "\n", text=True, check=True
        )
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
        summary = measure(opts, base)
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
    report("console", rows, summary)
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=60)
    main(parser.parse_args())
