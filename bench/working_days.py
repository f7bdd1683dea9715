"""Benchmark: ``add_working_days`` against holidays' own ``get_nth_working_day``, same dates, same run.

Target: at least 50x faster, and nearly flat in N (the index is a bisect over precomputed working days).
Run: ``python -m bench.working_days`` (``make bench`` runs every benchmark).
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import holidays

from bench.common import ops_per_second, report
from domain.calendar import load_calendar

TARGET_RATIO = 50.0
COUNTS = (7, 20, 200)


def main() -> None:
    """Time both implementations for every N and report ops/s, the ratio and agreement."""
    rng = random.Random(20261124)
    starts = [date(2019, 1, 1) + timedelta(days=rng.randrange(0, 7 * 365)) for _ in range(200)]
    ours = load_calendar()
    theirs = holidays.country_holidays("CN", years=range(2019, 2028))
    rows = []
    for n in COUNTS:
        agree = sum(ours.add_working_days(s, n) == theirs.get_nth_working_day(s, n) for s in starts)
        # Same loop around both: one batch is every start date once.
        ours_ops = len(starts) * ops_per_second(lambda n=n: [ours.add_working_days(s, n) for s in starts])
        theirs_ops = len(starts) * ops_per_second(lambda n=n: [theirs.get_nth_working_day(s, n) for s in starts], 0.3)
        rows.append(
            {
                "N": n,
                "ogi ops/s": round(ours_ops),
                "holidays ops/s": round(theirs_ops),
                "ratio": round(ours_ops / theirs_ops, 1),
                "same answer": f"{agree}/{len(starts)}",
            }
        )
    flat = rows[-1]["ogi ops/s"] / rows[0]["ogi ops/s"]
    worst = min(r["ratio"] for r in rows)
    summary = {
        "target": f"ratio >= {TARGET_RATIO} at every N; ops/s at N=200 >= 0.5 x ops/s at N=7",
        "min_ratio": worst,
        "flatness_200_vs_7": round(flat, 2),
        "target_met": worst >= TARGET_RATIO and flat >= 0.5,
        "note": "answers differ where holidays' data differs from the official notices ogi ships",
    }
    report("calendar", rows, summary)


if __name__ == "__main__":
    main()
