"""``ogi doctor``: what is wrong with this installation, and what to do about it, in one list of findings.

Each check says ``ok``, ``warn`` or ``fail`` with the fix: Temporal reachable (and not open without TLS
from other machines), the namespace's search attributes, a worker polling, the store and its schema,
the keys and their file modes, the home's privacy, the read model against visibility, and tracking
numbers left allocated by an interrupted registration (settled: started, or voided with the reason).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import stat
from dataclasses import dataclass
from typing import Any

from infra import store
from infra.connection import connect_config, task_queue
from infra.paths import keys_dir, ogi_home
from infra.settings import settings
from infra.signing_keys import PURPOSES, private_file
from service.errors import ServiceError
from service.temporal import client


@dataclass
class Finding:
    """One check's result."""

    check: str
    status: str
    """``ok``, ``warn`` or ``fail``."""
    detail: str


def _host_port(target: str) -> tuple[str, int]:
    host, _, port = target.rpartition(":")
    return host.strip("[]") or "localhost", int(port or 7233)


def _other_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses (what another machine would connect to)."""
    found: set[str] = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            address = str(info[4][0])
            if not ipaddress.ip_address(address).is_loopback:
                found.add(address)
    except OSError:
        pass
    return sorted(found)


def tls_exposure() -> Finding:
    """Warn when the Temporal frontend answers plain TCP on an address other machines reach."""
    config = connect_config()
    host, port = _host_port(str(config.get("target_host")))
    uses_tls = bool(config.get("tls"))
    if uses_tls:
        return Finding("temporal tls", "ok", f"TLS to {host}:{port}")
    exposed = []
    for address in _other_addresses():
        with socket.socket() as s:
            s.settimeout(0.3)
            if s.connect_ex((address, port)) == 0:
                exposed.append(address)
    try:
        local_only = ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        local_only = False
    if exposed or not local_only:
        where = ", ".join(f"{a}:{port}" for a in exposed) or f"{host}:{port}"
        return Finding(
            "temporal tls",
            "warn",
            f"the Temporal frontend answers without TLS at {where}, reachable from other machines: anyone who "
            "reaches it can start, signal or terminate workflows. Require mTLS (README, production security) "
            "or bind it to 127.0.0.1",
        )
    return Finding("temporal tls", "ok", f"plain TCP on loopback only ({host}:{port})")


def file_modes() -> list[Finding]:
    """The home is 0700 and its secrets 0600."""
    home = ogi_home()
    findings: list[Finding] = []
    if not home.exists():
        return [Finding("home", "fail", f"{home} does not exist; run 'ogi setup' or 'make run'")]
    mode = stat.S_IMODE(home.stat().st_mode)
    findings.append(
        Finding(
            "home",
            "ok" if mode & 0o077 == 0 else "warn",
            f"{home} mode {mode:o}" + ("" if mode & 0o077 == 0 else "; chmod 700 it"),
        )
    )
    secrets = [private_file(p) for p in PURPOSES] + [
        keys_dir() / "payload.json",
        home / "applicant.key",
        home / "ogi.sqlite",
    ]
    loose = [str(p) for p in secrets if p.exists() and stat.S_IMODE(p.stat().st_mode) & 0o077]
    missing = [p.name for p in (private_file(p) for p in PURPOSES) if not p.exists()]
    if loose:
        findings.append(Finding("key files", "fail", f"readable by others: {', '.join(loose)}; chmod 600 them"))
    elif missing and settings().auth_on:
        findings.append(Finding("key files", "warn", f"missing {', '.join(missing)}: run 'ogi setup'"))
    else:
        findings.append(Finding("key files", "ok", "private (0600)"))
    return findings


def store_state() -> Finding:
    """The store exists and is at this ogi's schema."""
    try:
        store.read_engine()
    except store.StoreUnavailable as exc:
        return Finding("case store", "fail", str(exc))
    return Finding(
        "case store", "ok", store.store_label(settings().database_url or f"sqlite:///{ogi_home() / 'ogi.sqlite'}")
    )


async def temporal_state() -> list[Finding]:
    """Temporal answers, the namespace has the search attributes, a worker polls the case queue."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    from workflows.search_attributes import missing_search_attributes

    try:
        temporal = await client()
    except ServiceError as exc:
        return [Finding("temporal", "fail", str(exc))]
    findings = [Finding("temporal", "ok", f"{connect_config().get('target_host')} namespace {temporal.namespace}")]
    missing = await missing_search_attributes(temporal)
    findings.append(
        Finding("search attributes", "fail", f"missing {', '.join(missing)}: run 'ogi setup'")
        if missing
        else Finding("search attributes", "ok", "all registered")
    )
    request = DescribeTaskQueueRequest(
        namespace=temporal.namespace,
        task_queue=TaskQueue(name=task_queue()),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    pollers = (await temporal.workflow_service.describe_task_queue(request)).pollers
    findings.append(
        Finding("worker", "ok", f"{len(pollers)} polling {task_queue()}")
        if pollers
        else Finding("worker", "fail", f"no worker polls {task_queue()}: start 'python worker.py' (make run does)")
    )
    return findings


async def read_model_check() -> Finding:
    """The read model's counts against visibility's."""
    from service.listings import stats
    from service.visibility import cross_check

    try:
        counted = await stats()
        compared = await cross_check(await client(), counted)
    except (ServiceError, OSError) as exc:
        return Finding("read model", "warn", f"not compared: {exc}")
    if compared["agree"]:
        return Finding("read model", "ok", f"agrees with visibility ({counted['open']} open cases)")
    return Finding(
        "read model",
        "warn",
        f"differs from visibility: {compared['differ']} (a case changing right now differs for a moment; "
        "a lasting difference means a worker cannot reach the store)",
    )


async def allocations() -> Finding:
    """Numbers left allocated by an interrupted registration: settled now."""
    from service.intake import settle_allocations

    try:
        settled = await settle_allocations()
    except (ServiceError, store.StoreUnavailable) as exc:
        return Finding("tracking numbers", "warn", f"not settled: {exc}")
    if settled["voided"]:
        return Finding("tracking numbers", "warn", f"voided (never started): {', '.join(settled['voided'])}")
    return Finding("tracking numbers", "ok", "no number left allocated without its case")


async def examine() -> list[Finding]:
    """Every check, in order."""
    findings = [*file_modes(), store_state(), tls_exposure()]
    findings += await temporal_state()
    if all(f.status != "fail" for f in findings):
        findings += [await read_model_check(), await allocations()]
    return findings


def as_json(findings: list[Finding]) -> dict[str, Any]:
    """The findings as JSON, with the worst status."""
    worst = (
        "fail"
        if any(f.status == "fail" for f in findings)
        else "warn"
        if any(f.status == "warn" for f in findings)
        else "ok"
    )
    return {"status": worst, "findings": [f.__dict__ for f in findings], "home": str(ogi_home())}


async def run() -> dict[str, Any]:
    """The doctor's report."""
    return as_json(await asyncio.wait_for(examine(), timeout=60))
