"""Benchmark: ``ogi import`` of N rows (a year's register: 80 % closed, 20 % open), dry run and real, on a dev server.

The closed cases go into the archive; the open ones each start a workflow, so the real import's time is
the store's writes plus one workflow start per open case. Run: ``python -m bench.imports [--rows N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import connect, quiet_logs, report, start_dev_server
from domain.calendar import load_calendar
from domain.clock import beijing_date, subtract_working_days
from domain.import_sheet import BY_KEY

OUTCOMES = [
    {"outcome": "予以公开"},
    {"outcome": "部分公开", "reasons": "个人隐私"},
    {"outcome": "不予公开", "reasons": "属于四类过程性信息"},
    {"outcome": "无法提供", "reasons": "本机关不掌握相关政府信息"},
    {"outcome": "不予处理", "reasons": "重复申请"},
    {"outcome": "申请人撤回"},
]


def register_csv(n: int) -> bytes:
    """N rows: closed cases spread over last year (some extended), and open ones received in the last days."""
    today = beijing_date(datetime.now(UTC))
    calendar = load_calendar()
    year = today.year - 1
    rows: list[dict[str, Any]] = []
    for i in range(n):
        received = date(year, 1, 2) + timedelta(days=(i * 7) % 330)
        row: dict[str, Any] = {
            "agency": "六安市民政局",
            "external_ref": f"B-{i:06d}",
            "channel": "当面提交" if i % 3 else "互联网渠道",
            "applicant_kind": "自然人" if i % 4 else "商业企业",
            "applicant_name": f"申请人{i}",
            "address": "安徽省六安市金安区某路1号",
            "description": f"申请公开第{i}号文件",
            "handler": "li",
        }
        if i % 5 == 4:
            row |= {"received": subtract_working_days(today, i % 10 + 1, calendar), "stage": "办理中"}
        else:
            row |= {"received": received, "stage": "已办结", "closed_on": received + timedelta(days=12)}
            row |= OUTCOMES[i % len(OUTCOMES)]
            if i % 7 == 0 and row["outcome"] != "申请人撤回":
                row |= {"extended_on": received + timedelta(days=10), "closed_on": received + timedelta(days=40)}
        rows.append(row)
    out = io.StringIO()
    keys = [c for c in BY_KEY if any(c in r for r in rows)]
    writer = csv.writer(out)
    writer.writerow([BY_KEY[k].header for k in keys])
    for r in rows:
        writer.writerow([r.get(k).isoformat() if isinstance(r.get(k), date) else r.get(k, "") for k in keys])
    return out.getvalue().encode("utf-8")


async def main(sizes: list[int]) -> dict[str, Any]:
    from service import imports
    from service.identities import claimed
    from service.temporal import using
    from worker import ACTIVITY_THREADS, build_worker

    home = Path(tempfile.mkdtemp(prefix="ogi-bench-import-"))
    os.environ["OGI_HOME"] = str(home)
    os.environ["OGI_AUTH"] = "off"
    server, address = start_dev_server(home / "temporal.sqlite")
    rows: list[dict[str, Any]] = []
    try:
        client = await connect(address)
        queue = os.environ.setdefault("OGI_TASK_QUEUE", "ogi-cases")
        with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as pool, using(client):
            async with build_worker(client, pool, queue):
                for n in sizes:
                    os.environ["OGI_HOME"] = str(home / f"rows-{n}")  # a fresh store per size
                    raw = register_csv(n)
                    sheet = imports.sheet_of(raw, f"{n}.csv")
                    started = time.perf_counter()
                    plan = await imports.plan_import(claimed("clerk"), sheet, f"{n}.csv")
                    dry = time.perf_counter() - started
                    assert plan.refused == [], plan.refused[:3]
                    started = time.perf_counter()
                    done = await imports.run_import(claimed("clerk"), sheet, f"{n}.csv")
                    real = time.perf_counter() - started
                    started = time.perf_counter()
                    again = await imports.run_import(claimed("clerk"), sheet, f"{n}.csv")
                    rerun = time.perf_counter() - started
                    assert again.imported_before == n
                    rows.append(
                        {
                            "rows": n,
                            "open": done.open,
                            "dry_run_s": round(dry, 2),
                            "import_s": round(real, 2),
                            "rerun_s": round(rerun, 2),
                            "rows_per_s": round(n / real, 1),
                        }
                    )
    finally:
        server.terminate()
        server.wait(timeout=20)
    summary = {"server": "dev server, SQLite file (as make run); SQLite case store", "cpus": os.cpu_count()}
    report("imports", rows, summary)
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="*", default=[1000])
    args = parser.parse_args()
    quiet_logs()
    asyncio.run(main(args.rows))
