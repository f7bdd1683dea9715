"""Soak: cases submitted and driven through every path for minutes while the worker and the server are killed.

Starts a dev server (SQLite file), a worker and ``ogi serve`` (authentication on), then for ``--minutes``
keeps submitting applications over HTTP and advancing them (disclosure, refusal sent back, correction,
consultation, extension, fee paid, withdrawal), sends poison to some cases (oversized documents, a
receipt date of 1999, floods of refused signals, unsigned Updates), and SIGKILLs the worker and the
server at random moments (a bounded number of times), restarting each as a supervisor would. Then it
verifies:

- every submitted application exists exactly once (lost 0, duplicated 0);
- every released reply was sent once (a resend after a crash, with the same key, is counted apart);
- no workflow is stuck (no failing workflow task, every released case closed);
- tracking numbers are gap-free per agency and year, or void with the reason;

and reports the cases, the kills, and the recovery time (kill to the next accepted request) p50/p95.
Opt-in in ``make bench`` (``SOAK_MINUTES``): ``python -m bench.soak --minutes 10``.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import hashlib
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import free_port, report
from infra import mail_catcher

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OGI = str(BIN / "ogi")


@dataclass
class Stack:
    """The processes under test and how to kill and restart them."""

    home: Path
    port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    mail_port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    serve: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """The processes' environment: authentication on, the home's own keys."""
        env = {
            **os.environ,
            "OGI_HOME": str(self.home),
            "OGI_AUTH": "on",
            "TEMPORAL_ADDRESS": f"127.0.0.1:{self.port}",
            "OGI_API_PORT": str(self.api_port),
            "OGI_TASK_QUEUE": "soak",
            "OGI_WAIT_SECONDS": "20",
            "OGI_LOG_LEVEL": "WARNING",
            "OGI_LOG_FORMAT": "json",
            # Documents really go out: to a mail server on loopback that keeps each message it accepts.
            "OGI_SMTP_URL": f"smtp://127.0.0.1:{self.mail_port}",
            "OGI_MAIL_FROM": "gongkai@soak.example.gov.cn",
        }
        env.pop("OGI_KEYS_FILE", None)
        return env

    def start_server(self) -> None:
        """Start (or restart) the dev server on its port and database file; wait until healthy."""
        from cli.dev_cmd import dev_server_command

        args = dev_server_command(
            self.port,
            free_port(),
            self.home / "temporal.sqlite",
            log_level="error",
            headless=True,
            search_attributes=True,
        )
        log = (self.home / "server.log").open("ab")
        self.server = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(300):
            ok = subprocess.run(
                [str(BIN / "temporal"), "operator", "cluster", "health", "--address", f"127.0.0.1:{self.port}"],
                capture_output=True,
                check=False,
            )
            if ok.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("the dev server did not come up")

    def start_worker(self) -> None:
        """Start (or restart) the worker process."""
        log = (self.home / "worker.log").open("ab")
        self.worker = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py")], env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )

    def start_serve(self) -> None:
        """Start ogi serve."""
        log = (self.home / "serve.log").open("ab")
        self.serve = subprocess.Popen(
            [OGI, "serve", "--port", str(self.api_port)], env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )

    def stop(self) -> None:
        """SIGTERM every process, SIGKILL what lingers."""
        for proc in (self.serve, self.worker, self.server):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


@dataclass
class Ledger:
    """What the load generator did and saw."""

    submitted: dict[str, str] = field(default_factory=dict)
    """external_ref -> case id."""
    released: set[str] = field(default_factory=set)
    withdrawn: set[str] = field(default_factory=set)
    kills: list[dict[str, Any]] = field(default_factory=list)
    recoveries: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    poison: dict[str, int] = field(default_factory=dict)
    last_ok: float = 0.0

    def note_error(self, what: str) -> None:
        """Count something the soak did not expect."""
        self.errors[what] = self.errors.get(what, 0) + 1


class Driver:
    """Submits and advances cases over HTTP, retrying what an outage interrupts."""

    def __init__(self, stack: Stack, tokens: dict[str, str], ledger: Ledger) -> None:
        self.stack = stack
        self.tokens = tokens
        self.ledger = ledger
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.api_port}", timeout=30)
        self.started = time.monotonic()
        base = json.loads((ROOT / "tests" / "data" / "application.json").read_text("utf-8"))
        base["received"] = datetime.now(UTC).astimezone().date().isoformat()
        self.base = base

    async def call(self, method: str, path: str, who: str, body: Any = None, key: str | None = None) -> httpx.Response:
        """One request, retried through outages (503, refused connection) until it is answered."""
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if key:
            headers["Idempotency-Key"] = key
        for _ in range(600):
            try:
                answer = await self.http.request(method, path, json=body, headers=headers)
            except httpx.HTTPError:
                await asyncio.sleep(0.2)
                continue
            if answer.status_code == 503:
                await asyncio.sleep(0.2)
                continue
            if answer.status_code < 400:
                self.ledger.last_ok = time.monotonic()
            return answer
        raise RuntimeError(f"{method} {path}: never answered")

    async def submit(self) -> str | None:
        """Submit a fresh application; its case id (or None when refused)."""
        ref = f"soak-{uuid.uuid4().hex[:10]}"
        body = {**self.base, "external_ref": ref}
        answer = await self.call("POST", "/v1/cases", "clerk", body)
        if answer.status_code not in (200, 201):
            self.ledger.note_error(f"submit {answer.status_code}")
            return None
        case_id = str(answer.json()["id"])
        previous = self.ledger.submitted.get(ref)
        if previous is not None and previous != case_id:
            self.ledger.note_error("one ref, two cases")
        self.ledger.submitted[ref] = case_id
        return case_id

    async def act(self, case_id: str, action: str, who: str, **fields: Any) -> int:
        """One action, with an idempotency key so a retry after an outage is applied once; its status."""
        facts = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()
        key = f"{case_id}-{action}-{hashlib.sha256(facts).hexdigest()[:16]}"
        answer = await self.call("POST", f"/v1/cases/{case_id}/actions/{action}", who, fields, key=key)
        return answer.status_code

    async def path(self, rng: random.Random) -> None:
        """One case through one of the paths."""
        case_id = await self.submit()
        if case_id is None:
            return
        kind = rng.choice(["disclose", "disclose", "send_back", "correction", "consult", "extend", "fee", "withdraw"])
        if kind == "withdraw":
            if await self.act(case_id, "withdraw", "clerk") == 200:
                self.ledger.withdrawn.add(case_id)
            return
        if kind == "correction":
            await self.act(case_id, "request_correction", "li", items=["请写明所需信息的文件名称"])
            await self.act(case_id, "submit_correction", "clerk", received=self.base["received"])
        elif kind == "consult":
            await self.act(case_id, "consult", "li", kind="third_party", party="某公司")
            await self.act(case_id, "consultation_answer", "li", consultation="c1", answer="consent")
        elif kind == "extend":
            await self.act(case_id, "extend", "zhao", reason="材料较多")
        elif kind == "fee":
            await self.act(case_id, "fee_notice", "li", method="volume", pages=150)
            await self.act(case_id, "pay_fee", "clerk")
        await self.act(case_id, "approve", "li")
        if kind == "send_back":
            await self.act(case_id, "deny", "wang", reason="需去标识化")
            await self.act(case_id, "approve", "li", note="已去标识化")
        if await self.act(case_id, "approve", "wang") == 200:
            self.ledger.released.add(case_id)

    async def poison(self, rng: random.Random, raw_client: Any) -> None:
        """Inputs that must be refused without harm."""
        choice = rng.choice(["oversized", "old_receipt", "signal_flood", "unsigned"])
        self.ledger.poison[choice] = self.ledger.poison.get(choice, 0) + 1
        if choice == "oversized":
            body = {**self.base, "external_ref": f"poison-{uuid.uuid4().hex[:8]}", "notes": "x" * 300_000}
            answer = await self.call("POST", "/v1/cases", "clerk", body)
            if answer.status_code != 413:
                self.ledger.note_error(f"oversized answered {answer.status_code}")
            return
        case_id = await self.submit()
        if case_id is None:
            return
        if choice == "old_receipt":
            code = await self.act(case_id, "confirm_receipt", "clerk", received="1999-01-01")
            if code < 400:
                self.ledger.note_error("1999 receipt accepted")
        elif choice == "signal_flood":
            handle = raw_client.get_workflow_handle(case_id)
            for n in range(200):
                try:
                    await handle.signal("approve", {"by": f"flood{n % 3}"})
                except Exception:
                    break
        else:
            try:
                await raw_client.get_workflow_handle(case_id).execute_update("approve", {"by": "li"})
                self.ledger.note_error("unsigned update accepted")
            except Exception:
                self.ledger.poison["unsigned refused"] = self.ledger.poison.get("unsigned refused", 0) + 1
        if await self.act(case_id, "approve", "li") == 200 and await self.act(case_id, "approve", "wang") == 200:
            self.ledger.released.add(case_id)


async def recovered(driver: Driver, killed_at: float) -> float:
    """Seconds from a kill until a case can be read again through the API (worker and server both up)."""
    known = next(iter(driver.ledger.submitted.values()), None)
    while True:
        await asyncio.sleep(0.1)
        if known is None:
            return time.monotonic() - killed_at
        try:
            answer = await driver.http.get(
                f"/v1/cases/{known}", headers={"Authorization": f"Bearer {driver.tokens['li']}"}, timeout=5
            )
        except httpx.HTTPError:
            continue
        if answer.status_code == 200:
            return time.monotonic() - killed_at


async def killer(stack: Stack, driver: Driver, until: float, rng: random.Random, kills: int) -> None:
    """SIGKILL the worker or the server now and then; restart it as a supervisor would; time the recovery."""
    ledger = driver.ledger
    done = 0
    while time.monotonic() < until - 30 and done < kills:
        await asyncio.sleep(rng.uniform(20, 50))
        target = "server" if done % 3 == 2 else "worker"
        proc = stack.server if target == "server" else stack.worker
        assert proc is not None
        killed_at = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        await asyncio.sleep(rng.uniform(0.5, 3.0))
        if target == "server":
            await asyncio.to_thread(stack.start_server)
        else:
            stack.start_worker()
        done += 1
        ledger.kills.append({"what": target, "at_s": round(killed_at - driver.started, 1)})
        ledger.recoveries.append(await recovered(driver, killed_at))


async def drive(stack: Stack, tokens: dict[str, str], opts: argparse.Namespace) -> Ledger:
    """The load and the kills for the soak's duration."""
    from infra.connection import connect

    ledger = Ledger()
    driver = Driver(stack, tokens, ledger)
    rng = random.Random(opts.seed)
    raw = await connect()
    until = time.monotonic() + opts.minutes * 60
    kill_task = asyncio.create_task(killer(stack, driver, until, rng, opts.kills))

    # Each lane starts its next case at most every ``interval`` seconds: cases arrive at ``--per-minute``, a
    # pace the worker keeps up with (rendering every notice and reply included), so what is left open at the
    # end is a stuck case, not a queue still being worked through.
    interval = 60 * opts.lanes / opts.per_minute

    async def lane(n: int) -> None:
        lane_rng = random.Random(opts.seed * 100 + n)
        while time.monotonic() < until:
            started = time.monotonic()
            if lane_rng.random() < 0.1:
                await driver.poison(lane_rng, raw)
            else:
                await driver.path(lane_rng)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    await asyncio.gather(*(lane(n) for n in range(opts.lanes)))
    await kill_task
    await driver.http.aclose()
    return ledger


async def verify(stack: Stack, ledger: Ledger) -> dict[str, Any]:
    """Lost, duplicated and stuck cases; replies sent once; numbers gap-free or void."""
    from infra.connection import connect

    client = await connect()
    db = sqlite3.connect(stack.home / "ogi.sqlite")
    numbers = db.execute("SELECT case_id, external_ref, status, agency_code, year, seq FROM case_numbers").fetchall()
    by_ref: dict[str, list[str]] = {}
    for case_id, ref, status, *_ in numbers:
        if status != "void":
            by_ref.setdefault(ref, []).append(case_id)
    lost = [ref for ref in ledger.submitted if ref not in by_ref]
    duplicated = [ref for ref, ids in by_ref.items() if len(ids) > 1]
    gaps: list[str] = []
    seqs: dict[tuple[str, int], list[int]] = {}
    for _, _, _, code, year, seq in numbers:
        seqs.setdefault((code, year), []).append(seq)
    for key, found in seqs.items():
        if sorted(found) != list(range(1, len(found) + 1)):
            gaps.append(f"{key}")
    stuck: list[str] = []
    not_closed: list[str] = []
    # A case still closing when the load stops is not stuck while cases keep closing: the wait ends two
    # minutes after the last one that did.
    deadline = time.monotonic() + 120
    for case_id in sorted(set(ledger.submitted.values())):
        while True:
            try:
                desc = await client.get_workflow_handle(case_id).describe()
            except Exception:
                stuck.append(case_id)
                break
            task = desc.raw_description.pending_workflow_task
            failing = task.attempt > 2
            expected_closed = case_id in ledger.released or case_id in ledger.withdrawn
            closed = desc.status is not None and desc.status.name == "COMPLETED"
            if not failing and (closed or not expected_closed):
                if closed:
                    deadline = max(deadline, time.monotonic() + 120)
                break
            if time.monotonic() > deadline:
                (stuck if failing else not_closed).append(case_id)
                break
            await asyncio.sleep(0.5)
    # The replies as the mail server received them: one message per case, a resend after a crash carrying
    # the same Message-ID (counted apart), never a second different message.
    by_case: dict[str, list[str]] = {}
    for path in (stack.home / "mail").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if "答复书" in str(message["Subject"]):
            by_case.setdefault(str(message["X-Ogi-Case"]), []).append(str(message["Message-ID"]))
    sent_once = sum(1 for ids in by_case.values() if len(ids) == 1)
    resent = sum(1 for ids in by_case.values() if len(ids) > 1 and len(set(ids)) == 1)
    sent_twice = [case for case, ids in by_case.items() if len(set(ids)) > 1]
    released_without_reply = [c for c in ledger.released if c not in by_case]
    void = db.execute("SELECT COUNT(*) FROM case_numbers WHERE status = 'void'").fetchone()[0]
    db.close()
    return {
        "cases": len(set(ledger.submitted.values())),
        "released": len(ledger.released),
        "withdrawn": len(ledger.withdrawn),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "stuck": len(stuck) + len(not_closed),
        "stuck_cases": (stuck + not_closed)[:10],
        "replies_sent_once": sent_once,
        "replies_resent_same_key": resent,
        "replies_unsent": len(released_without_reply),
        "replies_sent_twice_differently": len(sent_twice),
        "number_gaps": gaps,
        "void_numbers": void,
    }


def main(opts: argparse.Namespace) -> dict[str, Any]:
    """Stack up, soak, verify, stack down; print and write the report."""
    wall = time.perf_counter()
    stack = Stack(Path(tempfile.mkdtemp(prefix="ogi-soak-")))
    mail = mail_catcher.start("127.0.0.1", stack.mail_port, stack.home / "mail")
    os.environ.update(stack.env)
    os.environ.pop("OGI_KEYS_FILE", None)
    stack.start_server()
    setup = subprocess.run([OGI, "setup"], env=stack.env, capture_output=True, text=True, check=False)
    if setup.returncode:
        raise RuntimeError(setup.stderr)
    tokens = {}
    for name, role in (("clerk", "intake"), ("li", "reviewer"), ("wang", "secrecy_reviewer"), ("zhao", "head")):
        subprocess.run([OGI, "user", "add", name, "--role", role], env=stack.env, capture_output=True, check=True)
        issued = subprocess.run(
            [OGI, "token", "issue", "--user", name, "--ttl", "1d"],
            env=stack.env,
            capture_output=True,
            text=True,
            check=True,
        )
        tokens[name] = issued.stdout.strip()
    stack.start_worker()
    stack.start_serve()
    time.sleep(2)
    try:
        ledger = asyncio.run(drive(stack, tokens, opts))
        result = asyncio.run(verify(stack, ledger))
    finally:
        stack.stop()
        mail.stop()
    recoveries = sorted(ledger.recoveries) or [0.0]
    summary = {
        **result,
        "minutes": opts.minutes,
        "kills": len(ledger.kills),
        "kills_by_target": {t: sum(k["what"] == t for k in ledger.kills) for t in ("worker", "server")},
        "recovery_p50_s": round(statistics.median(recoveries), 2),
        "recovery_p95_s": round(recoveries[min(len(recoveries) - 1, round(0.95 * (len(recoveries) - 1)))], 2),
        "poison_sent": ledger.poison,
        "unexpected": ledger.errors,
        "zero_lost_duplicated_stuck": result["lost"] == result["duplicated"] == result["stuck"] == 0,
        "wall_s": round(time.perf_counter() - wall, 1),
    }
    rows = [
        {"kill": i + 1, **k, "recovered_in_s": round(r, 2)}
        for i, (k, r) in enumerate(zip(ledger.kills, ledger.recoveries, strict=True))
    ]
    report("soak", rows, summary)
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", "10")))
    parser.add_argument("--lanes", type=int, default=6, help="cases driven at once")
    parser.add_argument("--per-minute", type=float, default=30, help="cases started per minute, all lanes")
    parser.add_argument("--kills", type=int, default=9, help="at most this many SIGKILLs (worker, worker, server, ...)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    from bench.common import quiet_logs

    quiet_logs()
    main(args)
