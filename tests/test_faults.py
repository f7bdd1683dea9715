"""Fault injection on a real dev server with a persistent database: nothing is lost, nothing is done twice.

Faults: SIGKILL of the worker with replies in flight and timers pending, a stop and restart of the
server, and an activity that fails until its cause is repaired. Afterwards every case is at the right
stage, each reply written once, each notification sent once, and no tracking number skipped or reused.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

from domain.case import CaseState, Stage
from infra import store
from infra.connection import data_converter
from service.temporal import forget_clients
from tests.conftest import free_port, start_dev_server, stop_process
from tests.service_support import submit
from tests.workflow_support import application

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
FAULTS: Counter[str] = Counter()


@dataclass
class Site:
    """A dev server on a fixed port and database file, and worker processes started against it."""

    home: Path
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    queue: str = field(default_factory=lambda: "faults-" + uuid.uuid4().hex[:8])

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start_server(self) -> None:
        self.server = start_dev_server(self.port, self.home / "temporal.sqlite", self.home / "server.log")

    def start_worker(self) -> None:
        env = {
            **os.environ,
            "TEMPORAL_ADDRESS": self.address,
            "OGI_HOME": str(self.home),
            "OGI_TASK_QUEUE": self.queue,
            "OGI_LOG_FORMAT": "json",
        }
        log = (self.home / "worker.log").open("ab")
        self.worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], env=env, stdout=log, stderr=log)

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()
        FAULTS["worker SIGKILL"] += 1

    def stop(self) -> None:
        for proc in (self.worker, self.server):
            if proc is not None and proc.poll() is None:
                stop_process(proc)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 60) -> None:
    """Poll ``check`` until it holds; fail with a clear message when it does not in time."""
    for _ in range(int(seconds / 0.25)):
        if await check():
            return
        await asyncio.sleep(0.25)
    pytest.fail(f"condition not reached in {seconds:.0f} s")


async def state(client: Client, case_id: str) -> CaseState:
    handle = client.get_workflow_handle(case_id)
    desc = await handle.describe()
    if desc.status is not None and desc.status.name == "COMPLETED":
        result: CaseState = await client.get_workflow_handle(case_id, result_type=CaseState).result()
        return result
    queried: CaseState = await handle.query("state", result_type=CaseState)
    return queried


def outbox(home: Path) -> list[dict[str, Any]]:
    path = home / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def documents(home: Path, case_id: str) -> list[str]:
    folder = home / "documents" / case_id
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture
async def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Site]:
    s = Site(tmp_path)
    monkeypatch.setenv("OGI_HOME", str(tmp_path))
    monkeypatch.setenv("OGI_TASK_QUEUE", s.queue)
    monkeypatch.setenv("TEMPORAL_ADDRESS", s.address)
    forget_clients()
    s.start_server()
    s.start_worker()
    try:
        yield s
    finally:
        s.stop()


async def connect(site: Site) -> Client:
    return await Client.connect(site.address, data_converter=data_converter())


async def test_worker_killed_mid_flight_loses_and_repeats_nothing(site: Site) -> None:
    """SIGKILL with replies in flight and timers pending: every case finishes once, numbers stay gap-free."""
    client = await connect(site)
    cases = [(await submit(application())).id for _ in range(12)]
    finishing, waiting = cases[:10], cases[10:]
    for case_id in finishing:
        await client.get_workflow_handle(case_id).execute_update("approve", {"by": "li"})
    due_before = {c: (await state(client, c)).clock_view for c in waiting}
    for case_id in finishing:  # fire and forget, then pull the plug while they are being handled
        await client.get_workflow_handle(case_id).signal("approve", {"by": "wang"})
    site.kill_worker()
    site.start_worker()

    def delivered() -> Counter[str]:
        return Counter(n["case_id"] for n in outbox(site.home) if n["kind"] == "reply_delivered")

    async def all_closed_and_delivered() -> bool:
        # A case closes when its reply is made; the reply's delivery (and its notification) follows it.
        states = [await state(client, c) for c in finishing]
        return all(st.stage is Stage.CLOSED for st in states) and set(delivered()) >= set(finishing)

    await eventually(all_closed_and_delivered)
    for case_id in finishing:
        final = await state(client, case_id)
        assert final.outcome is not None
        assert final.outcome.value == "disclosed"
        assert [e.action for e in final.events].count("replied") == 1
        assert [d for d in documents(site.home, case_id) if d.startswith("reply")] == ["reply.docx", "reply.pdf"]
        assert not [d for d in documents(site.home, case_id) if ".tmp" in d]
    for case_id in waiting:  # cases waiting on their deadline timer kept their clock
        st = await state(client, case_id)
        assert st.stage is Stage.REVIEW
        assert st.clock_view == due_before[case_id]
    assert delivered() == dict.fromkeys(finishing, 1)
    numbers = sorted(int(re.sub(r".*-", "", c)) for c in cases)
    assert numbers == list(range(1, len(cases) + 1))

    # The archive (the annual report's source) holds each case once: the finished ones closed, with their row.
    store.reset_engines()

    async def archived() -> bool:
        rows = {r.case_id: r for r in store.case_records()}
        return all(c in rows and rows[c].status == "closed" for c in finishing)

    await eventually(archived)
    records = store.case_records()
    assert sorted(r.case_id for r in records) == sorted(cases)
    assert {r.case_id: r.report_row for r in records if r.status == "closed"} == dict.fromkeys(finishing, "disclosed")
    store.reset_engines()


async def test_server_restart_keeps_every_case(site: Site) -> None:
    """Stop the server with open cases and start it again on the same database: all there, all workable."""
    client = await connect(site)
    cases = [(await submit(application())).id for _ in range(4)]
    await client.get_workflow_handle(cases[0]).execute_update("approve", {"by": "li"})
    before = {c: await state(client, c) for c in cases}
    site.stop()
    FAULTS["server stop and restart"] += 1
    site.start_server()
    site.start_worker()
    client = await connect(site)
    for case_id in cases:
        after = await state(client, case_id)
        assert after.stage is before[case_id].stage
        assert after.clock_view == before[case_id].clock_view
    await client.get_workflow_handle(cases[0]).execute_update("approve", {"by": "wang"})
    await eventually(lambda: _closed(client, cases[0]))
    fresh = (await submit(application())).id
    assert fresh.endswith("-000005")  # numbering continues after the restart, no reuse


async def _closed(client: Client, case_id: str) -> bool:
    return (await state(client, case_id)).stage is Stage.CLOSED


async def test_failing_activity_retries_and_surfaces_then_heals(site: Site) -> None:
    """A reply that cannot be written keeps retrying, visibly, and goes out once the cause is repaired."""
    client = await connect(site)
    case_id = (await submit(application())).id
    blocker = site.home / "documents" / case_id
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder", "utf-8")  # the reply's folder cannot be created
    FAULTS["failing activity"] += 1
    handle = client.get_workflow_handle(case_id)
    await handle.execute_update("approve", {"by": "li"})
    await handle.execute_update("approve", {"by": "wang"})

    async def retrying() -> bool:
        desc = await handle.describe()
        pending = list(desc.raw_description.pending_activities)
        return any(p.attempt >= 2 and p.last_failure.message for p in pending)

    await eventually(retrying, 30)
    desc = await handle.describe()
    # Failure messages are encrypted like payloads (they can quote an application): decoded with the key.
    decoded = await client.data_converter.decode_failure(desc.raw_description.pending_activities[0].last_failure)
    failure = str(decoded)
    assert "File exists" in failure or "Not a directory" in failure, failure
    assert (await state(client, case_id)).stage is Stage.REPLYING
    blocker.unlink()
    await eventually(lambda: _closed(client, case_id), 90)
    assert [d for d in documents(site.home, case_id) if d.startswith("reply")] == ["reply.docx", "reply.pdf"]
