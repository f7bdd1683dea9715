"""Concurrent intake on the real dev server: unique, gap-free tracking numbers, and one case per external_ref."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from temporalio.client import Client

from infra import store
from infra.connection import data_converter
from service.temporal import forget_clients
from tests.service_support import submit
from tests.workflow_support import application
from worker import ACTIVITY_THREADS, build_worker

pytestmark = [pytest.mark.e2e, pytest.mark.shared_home]

AGENCIES = ["六安市民政局", "六安市财政局", "金安区人民政府"]
NUMBER = re.compile(r"^(?P<code>[A-Z0-9]+)-(?P<year>\d{4})-(?P<seq>\d{6})$")


@pytest.fixture(scope="module")
async def client(dev_server_address: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    """A client and an in-process worker on the default task queue, numbering into a fresh store."""
    mp = pytest.MonkeyPatch()
    mp.setenv("OGI_HOME", str(tmp_path_factory.mktemp("concurrency-home")))
    mp.setenv("OGI_AUTH", "off")  # the shared home keeps claimed names
    mp.setenv("TEMPORAL_ADDRESS", dev_server_address)
    forget_clients()
    conn = await Client.connect(dev_server_address, data_converter=data_converter())
    try:
        with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as pool:
            async with build_worker(conn, pool):
                yield conn
    finally:
        forget_clients()
        mp.undo()


async def test_200_concurrent_submits_get_gap_free_numbers_per_agency(client: Client) -> None:
    """200 applications to 3 agencies at once: per agency and year, numbers are 1..n with no gap or repeat."""
    apps = [application(agency=AGENCIES[i % 3]) for i in range(200)]
    results = await asyncio.gather(*(submit(app) for app in apps))
    by_agency: dict[str, list[int]] = defaultdict(list)
    for result in results:
        match = NUMBER.match(result.id)
        assert match, result.id
        by_agency[match["code"]].append(int(match["seq"]))
    assert len({r.id for r in results}) == 200
    assert len(by_agency) == 3
    for code, seqs in by_agency.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), code
    assert sorted(len(s) for s in by_agency.values()) == [66, 67, 67]
    for result in results[:5]:
        described = await client.get_workflow_handle(result.id).describe()
        assert described.workflow_type == "DisclosureRequestWorkflow"


async def test_50_racing_duplicates_make_exactly_one_case(client: Client) -> None:
    """The same external_ref submitted 50 times at once: one case; 49 answers naming it, marked duplicate."""
    app = application(external_ref="race-" + uuid.uuid4().hex[:8], agency=AGENCIES[0])
    outcomes = await asyncio.gather(*(submit(app) for _ in range(50)), return_exceptions=True)
    errors = [repr(o) for o in outcomes if isinstance(o, BaseException)]
    assert errors == []
    answers = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len({a.id for a in answers}) == 1
    assert sum(not a.duplicate for a in answers) == 1
    assert len({a.query_code for a in answers}) == 1
    described = await client.get_workflow_handle(answers[0].id).describe()
    assert described.workflow_type == "DisclosureRequestWorkflow"
    # The 49 duplicates consumed no number: the next application gets the very next one.
    after = await submit(application(agency=AGENCIES[0]))
    race_seq = int(NUMBER.match(answers[0].id)["seq"])  # type: ignore[index]
    assert int(NUMBER.match(after.id)["seq"]) == race_seq + 1  # type: ignore[index]


def test_store_holds_one_number_per_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Direct store check: the same intake run gets its number back; another run is told it is a duplicate."""
    monkeypatch.setenv("OGI_DATABASE_URL", f"sqlite:///{tmp_path / 's.sqlite'}")
    first = store.allocate_case_number("局", "TEST", 2026, "ref-1", "run-a")
    again = store.allocate_case_number("局", "TEST", 2026, "ref-1", "run-a")
    other = store.allocate_case_number("局", "TEST", 2026, "ref-1", "run-b")
    nxt = store.allocate_case_number("局", "TEST", 2026, "ref-2", "run-c")
    assert first.case_id == again.case_id == other.case_id == "TEST-2026-000001"
    assert not first.duplicate
    assert not again.duplicate
    assert other.duplicate
    assert nxt.case_id == "TEST-2026-000002"
