"""``POST /v1/imports`` and ``ogi import`` with authentication on, on a real stack (dev server, worker, ogi serve).

The importing user needs intake and records; the people a row names become the cases' verified users,
so an imported proposal cannot be signed off by its own proposer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.calendar import load_calendar
from domain.clock import beijing_date, subtract_working_days
from domain.import_sheet import BY_KEY
from tests.api_stack import ApiStack, api_stack

pytestmark = pytest.mark.e2e

TODAY = beijing_date(datetime.now(UTC))
RECENT = subtract_working_days(TODAY, 3, load_calendar())


@pytest.fixture(scope="module")
def stack(dev_server_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiStack]:
    """An authenticated stack with a records clerk who also registers, and the case people."""
    with api_stack(dev_server_address, tmp_path_factory.mktemp("import-home")) as st:
        st.user("archivist", "intake", "records")
        st.user("li", "reviewer")
        st.user("wang", "secrecy_reviewer")
        st.user("zhou", "reviewer", "secrecy_reviewer")
        yield st


def register(*rows: dict[str, Any]) -> bytes:
    """The rows as the CSV an agency would export (GBK, as Excel on Chinese Windows saves it)."""
    keys = [k for k in BY_KEY if any(k in r for r in rows)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([BY_KEY[k].header for k in keys])
    for r in rows:
        writer.writerow([v.isoformat() if isinstance(v := r.get(k, ""), date) else v for k in keys])
    return out.getvalue().encode("gbk")


def case(ref: str, **changes: Any) -> dict[str, Any]:
    return {
        "agency": "六安市民政局",
        "external_ref": ref,
        "channel": "当面提交",
        "applicant_kind": "自然人",
        "applicant_name": "张三",
        "address": "安徽省六安市金安区某路1号",
        "description": "申请公开某文件",
        "received": RECENT,
        **changes,
    }


def post(stack: ApiStack, token: str, body: bytes, **params: Any) -> Any:
    import httpx

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    return httpx.post(f"{stack.base}/v1/imports", content=body, headers=headers, params=params, timeout=120)


def test_import_over_http_with_verified_people(stack: ApiStack, tmp_path: Path) -> None:
    """Roles, all-or-nothing, then an import whose open cases run on under the users the rows name."""
    archivist = stack.tokens["archivist"]
    closed = case(
        "H-1",
        received=date(TODAY.year - 1, 3, 2),
        stage="已办结",
        outcome="予以公开",
        closed_on=date(TODAY.year - 1, 3, 20),
    )
    proposed = case("H-2", stage="保密审查", outcome="予以公开", handler="zhou")
    running = case("H-3", stage="办理中", handler="li")

    forbidden = post(stack, stack.tokens["li"], register(closed), dry_run="true")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden.role"

    refused = post(stack, archivist, register(closed, proposed, {**running, "channel": "飞鸽"}))
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert (problem["code"], problem["errors"]) == (
        "bad_input.import",
        [{"line": 4, "column": "申请渠道", "message": problem["errors"][0]["message"]}],
    )

    done = post(stack, archivist, register(closed, proposed, running), source="register.csv")
    assert done.status_code == 200, done.text
    answer = done.json()
    assert (answer["new"], answer["closed"], answer["open"], answer["format"]) == (3, 1, 2, "csv gb18030")
    ids = {c["original_number"]: c["case_id"] for c in answer["cases"]}

    at_check = stack.call("GET", f"/v1/cases/{ids['H-2']}", archivist).json()
    assert at_check["stage"] == "secrecy_review"
    decided = next(e for e in at_check["events"] if e["action"] == "decide")
    assert (decided["by"], decided["recorded_by"], decided["verified"]) == ("zhou", "archivist", False)
    # The row named zhou: the case knows zhou's user id, so zhou cannot sign the check of zhou's own proposal.
    own = stack.act(ids["H-2"], "approve", stack.tokens["zhou"])
    assert (own.status_code, own.json()["code"]) == (409, "refused.four_eyes")
    released = stack.act(ids["H-2"], "approve", stack.tokens["wang"])
    assert released.status_code == 200, released.text

    handled = stack.call("GET", f"/v1/cases/{ids['H-3']}", archivist).json()
    assert (handled["stage"], handled["assignee"]) == ("review", "li")
    proposed_now = stack.act(ids["H-3"], "approve", stack.tokens["li"])
    assert proposed_now.status_code == 200, proposed_now.text

    path = tmp_path / "register.csv"
    path.write_bytes(register(closed, proposed, running))
    again = stack.ogi("import", str(path), "--dry-run", "--json", OGI_TOKEN=archivist)
    assert again.returncode == 0, again.stderr
    assert '"imported_before": 3' in again.stdout
