"""Write the shipped prediction of the years without a notice (``domain/data/predicted_calendar.json``).

Run after upgrading ``holidays`` when ``tests/test_calendar.py`` says its prediction changed, or after
moving ``LAST_YEAR``: the calendar version changes with the file, so open cases are recomputed
(``ogi calendar recompute``) once it is deployed. Usage: ``.venv/bin/python scripts/predict_calendar.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from domain.calendar import PREDICTED_FILE, predicted_years

OUT = Path(__file__).resolve().parent.parent / "domain" / "data" / PREDICTED_FILE


def main() -> None:
    """Write the file: one year per key, dates in order."""
    OUT.write_text(json.dumps(predicted_years(), ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"written {OUT}")  # noqa: T201 - a script's one line of output


if __name__ == "__main__":
    main()
