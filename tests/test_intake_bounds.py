"""Bounded input at intake, and no burned number: every limit refused before a tracking number is taken.

The documents below are refused with exit 2 (HTTP 413/422) naming the limit, and the store holds no
number afterwards. A registration interrupted after its number was taken leaves it allocated; settling
voids it with the reason (``ogi list --void``), and the same application sent again gets the next one.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import intake_cmd, supervise_cmd
from infra import store
from tests.workflow_support import application

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English wording (OGI_LANG=en)

runner = CliRunner()


def document(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(application().model_dump_json())
    data.update(changes)
    return data


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"k": value}
    return value


def applicant_with(**fields: str) -> dict[str, Any]:
    base = document()["applicant"]
    base.update(fields)
    return dict(base)


BAD: list[tuple[str, Any, str]] = [
    ("document over 256 KiB", document(notes="备" * 100_000), "bytes allowed"),
    ("one field over the string limit", document(description="x" * 100_001), "characters"),
    ("too many added fields", document(**{f"x{n}": n for n in range(31)}), "fields of its own"),
    ("an added field over 4 KiB", document(attachment="a" * 5000), "each added field"),
    ("200,000 added keys", document(**{f"k{n}": 1 for n in range(200_000)}), "allowed"),
    ("nesting 9 levels deep", document(extra=nested(9)), "levels deep"),
    ("nesting 10,000 levels deep", None, "nest"),
    ("NUL in the name", document(applicant=applicant_with(name="张\x00三")), "U+0000"),
    ("bidi override in the description", document(description="公开\u202e料资"), "U+202E"),
    ("zero-width space in the name", document(applicant=applicant_with(name="张\u200b三")), "U+200B"),
]


@pytest.mark.parametrize(("what", "doc", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_each_limit_is_bad_input_and_takes_no_number(
    what: str, doc: Any, fragment: str, tmp_path: Path, db: Path
) -> None:
    """Refused with exit 2 and the limit named; no tracking number was allocated."""
    store.engine()  # set up, as ogi setup does
    path = tmp_path / "app.json"
    if doc is None:
        path.write_text('{"a":' * 10_000 + "1" + "}" * 10_000, "utf-8")
    else:
        path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    done = runner.invoke(intake_cmd.app, ["submit", str(path), "--json"])
    assert done.exit_code == 2, (what, done.stdout, done.stderr)
    error = json.loads(done.stderr)
    assert fragment in error["error"], error
    assert error["code"].startswith("bad_input")
    assert "Traceback" not in done.stderr
    assert store.numbers() == []


@pytest.mark.e2e
async def test_interrupted_registration_is_voided_with_its_reason(
    dev_server_address: str, tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Temporal down after the number was taken: allocated; settled later, void with why; resent, the next."""
    from service import intake
    from service.errors import Unavailable
    from service.identities import claimed
    from service.temporal import forget_clients

    app = application()
    store.engine()
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
    forget_clients()
    with pytest.raises(Unavailable, match="cannot reach Temporal"):
        await intake.submit(claimed("clerk"), app)
    [allocated] = store.numbers()
    assert allocated.status == "allocated"

    monkeypatch.setenv("TEMPORAL_ADDRESS", dev_server_address)
    forget_clients()
    settled = await intake.settle_allocations(older_than=timedelta(0))
    assert settled == {"started": [], "voided": [allocated.case_id]}
    listed = runner.invoke(supervise_cmd.app, ["list", "--void", "--json"])
    assert listed.exit_code == 0, listed.stderr
    [void] = json.loads(listed.stdout)["numbers"]
    assert void["id"] == allocated.case_id
    assert "never started" in void["void_reason"] and app.external_ref in void["void_reason"]

    answer, created = await intake.submit(claimed("clerk"), app)
    assert created and not answer.duplicate
    assert int(answer.id[-6:]) == int(allocated.case_id[-6:]) + 1
    forget_clients()
