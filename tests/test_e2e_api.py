"""The HTTP API with authentication on, on a real stack: tokens, the worker's check of every actor, refusals.

A dev server, a worker and ``ogi serve`` run as processes; users come from ``ogi user add`` and tokens
from ``ogi token issue``. Every way of acting as someone else is tried and must fail.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    StartWorkflowUpdateInput,
    WorkflowUpdateFailedError,
    WorkflowUpdateHandle,
)
from temporalio.converter import DataConverter, PayloadConverter
from temporalio.worker import Replayer

from domain.actor import Actor
from domain.config import Role
from infra import jws
from infra.assertions import HEADER, sign_assertion
from infra.codec import EncryptionCodec, KeyRing
from infra.signing_keys import KeyEntry, KeySet
from tests.api_stack import ApiStack, api_stack, application
from tests.conftest import free_port
from workflows.actors import ActorInterceptor
from workflows.registry import WORKFLOWS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(dev_server_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiStack]:
    """One authenticated stack for the module, with its users."""
    with api_stack(dev_server_address, tmp_path_factory.mktemp("api-home")) as st:
        st.user("clerk", "intake")
        st.user("li", "reviewer")
        st.user("wang", "secrecy_reviewer")
        st.user("zhou", "reviewer", "secrecy_reviewer")
        st.user("typist", "records")
        st.user("zhao", "head")
        yield st


def register(stack: ApiStack, **changes: Any) -> str:
    """A new case registered by the clerk; its id."""
    done = stack.call("POST", "/v1/cases", stack.tokens["clerk"], application(**changes))
    assert done.status_code == 201, done.text
    return str(done.json()["id"])


def codec_converter(home: Path) -> DataConverter:
    """The converter with the stack's payload key, as the worker has it."""
    from temporalio.contrib.pydantic import pydantic_data_converter

    ring = KeyRing.read(Path(os.environ.get("OGI_KEYS_FILE") or home / "keys" / "payload.json"))
    return DataConverter(
        payload_converter_class=pydantic_data_converter.payload_converter_class,
        payload_codec=EncryptionCodec.from_keyring(ring),
    )


class _FixedHeader(OutboundInterceptor):
    header: str | None = None

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> WorkflowUpdateHandle[Any]:
        if _FixedHeader.header is not None:
            input.headers = {**input.headers, HEADER: PayloadConverter.default.to_payload(_FixedHeader.header)}
        return await super().start_workflow_update(input)


class FixedHeader(Interceptor):
    """Sends whatever assertion a test chose: a replay, a forgery, or none."""

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _FixedHeader(next)


async def raw_client(stack: ApiStack) -> Client:
    return await Client.connect(
        stack.env["TEMPORAL_ADDRESS"], data_converter=codec_converter(stack.home), interceptors=[FixedHeader()]
    )


def state(stack: ApiStack, case_id: str, token: str | None = None) -> dict[str, Any]:
    done = stack.call("GET", f"/v1/cases/{case_id}", token or stack.tokens["li"])
    assert done.status_code == 200, done.text
    return dict(done.json())


class TestLifecycle:
    def test_intake_review_secrecy_reply_as_three_users(self, stack: ApiStack) -> None:
        """Registered by the clerk, proposed by li, released by wang: closed as disclosed, each recorded by id."""
        case_id = register(stack)
        assert stack.act(case_id, "approve", stack.tokens["li"]).json()["stage"] == "secrecy_review"
        released = stack.act(case_id, "approve", stack.tokens["wang"])
        assert released.status_code == 200, released.text
        for _ in range(100):
            view = state(stack, case_id)
            if view["status"] == "closed":
                break
            time.sleep(0.1)
        assert (view["status"], view["outcome"]) == ("closed", "disclosed")
        events = {e["action"]: e for e in view["events"] if e["accepted"]}
        assert events["registered"]["by"] == "clerk"
        assert events["registered"]["verified"] is True
        approvals = [e for e in view["events"] if e["action"] == "approve"]
        assert [(e["by"], e["verified"]) for e in approvals] == [("li", True), ("wang", True)]
        assert approvals[0]["by_id"] != approvals[1]["by_id"]

    def test_a_preview_too_far_ahead_to_count_is_bad_input(self, stack: ApiStack) -> None:
        """A fee notice imagined in the calendar's last days: its payment period cannot be counted, so bad input on as_of."""
        case_id = register(stack)
        consulted = stack.act(case_id, "consult", stack.tokens["li"], kind="third_party", party="某公司")
        assert consulted.status_code == 200, consulted.text  # the clock stands still, so the notice is not late
        path = f"/v1/cases/{case_id}/actions/fee_notice"
        far = stack.call("POST", path, stack.tokens["li"], {"method": "count"}, dry_run="true", as_of="2039-12-28")
        assert far.status_code == 422, far.text
        problem = far.json()
        assert (problem["code"], problem["field"]) == ("bad_input.date", "as_of"), problem
        assert "2039-12-28" in problem["detail"] and "请选择较早的 as_of 日期" in problem["detail"], (
            problem
        )  # Chinese by default

    def test_repeated_submit_answers_the_first_case(self, stack: ApiStack) -> None:
        """The same agency and external_ref again: 200 with the first case, its due date and query code."""
        body = application()
        first = stack.call("POST", "/v1/cases", stack.tokens["clerk"], body)
        again = stack.call("POST", "/v1/cases", stack.tokens["clerk"], body)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["duplicate"] is False
        assert again.json()["duplicate"] is True
        for key in ("id", "received", "due", "query_code"):
            assert again.json()[key] == first.json()[key]

    def test_fire_and_forget_answers_202_with_a_url_to_poll(self, stack: ApiStack) -> None:
        """``wait=false``: 202 once the case accepted it; the poll URL gives the result."""
        case_id = register(stack)
        done = stack.call("POST", f"/v1/cases/{case_id}/actions/approve", stack.tokens["li"], {}, wait="false")
        assert done.status_code == 202, done.text
        poll = done.json()["poll"]
        assert done.headers["Location"] == poll
        for _ in range(50):
            result = stack.call("GET", poll, stack.tokens["li"])
            if result.status_code == 200:
                break
            time.sleep(0.1)
        assert result.json()["stage"] == "secrecy_review"

    def test_an_idle_connection_outlives_the_clients_pools(self, stack: ApiStack) -> None:
        """A connection idle for 6 s still carries the next request (uvicorn alone closes it after 5 s)."""
        connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
        sockets = []
        try:
            for pause in (0, 6):
                time.sleep(pause)
                connection.request("GET", "/healthz")
                answer = connection.getresponse()  # RemoteDisconnected had the server closed it
                assert (answer.status, json.loads(answer.read())["ok"]) == (200, True)
                sockets.append(connection.sock)
        finally:
            connection.close()
        assert sockets[0] is sockets[1]  # one connection, not a new one


class TestFourEyes:
    def test_the_proposer_cannot_sign_the_secrecy_check(self, stack: ApiStack) -> None:
        """Zhou holds both roles: zhou's proposal cannot be released by zhou."""
        case_id = register(stack)
        assert stack.act(case_id, "approve", stack.tokens["zhou"]).status_code == 200
        refused = stack.act(case_id, "approve", stack.tokens["zhou"])
        assert refused.status_code == 409
        assert refused.json()["code"] == "refused.four_eyes"
        assert state(stack, case_id)["stage"] == "secrecy_review"

    @pytest.mark.parametrize("variant", ["ZHOU", "ｚｈｏｕ", "zhou\u200b", "zho\u202eu"])
    def test_no_second_identity_from_a_variant_of_a_name(self, stack: ApiStack, variant: str) -> None:
        """Case, full-width, zero-width and bidi variants of a user's name cannot become another user."""
        made = stack.ogi("user", "add", variant, "--role", "secrecy_reviewer")
        assert made.returncode == 2
        assert "exists already" in made.stderr or "invisible or control character" in made.stderr

    def test_li_cannot_act_as_wang(self, stack: ApiStack) -> None:
        """A body naming another user is refused; acted_by needs the records role."""
        case_id = register(stack)
        stack.act(case_id, "approve", stack.tokens["li"])
        named = stack.act(case_id, "approve", stack.tokens["li"], by="wang")
        assert (named.status_code, named.json()["code"]) == (422, "bad_input.by")
        acted = stack.act(case_id, "approve", stack.tokens["li"], acted_by="wang")
        assert (acted.status_code, acted.json()["code"]) == (403, "forbidden.role")
        assert state(stack, case_id)["stage"] == "secrecy_review"

    def test_records_user_enters_a_colleagues_decision(self, stack: ApiStack) -> None:
        """The typist enters wang's signed secrecy check: recorded as wang's, entered by the typist."""
        case_id = register(stack)
        stack.act(case_id, "approve", stack.tokens["li"])
        done = stack.act(case_id, "approve", stack.tokens["typist"], acted_by="wang")
        assert done.status_code == 200, done.text
        release = next(e for e in state(stack, case_id)["events"] if e["action"] == "approve" and e["by"] == "wang")
        assert release["recorded_by"] == "typist"


class TestRoles:
    def test_a_reviewer_cannot_register(self, stack: ApiStack) -> None:
        """POST /v1/cases needs the intake role."""
        done = stack.call("POST", "/v1/cases", stack.tokens["li"], application())
        assert (done.status_code, done.json()["code"]) == (403, "forbidden.role")

    def test_role_refusal_is_in_the_audit_trail_and_changes_nothing(self, stack: ApiStack) -> None:
        """Li may not sign the secrecy check: 403, the case unchanged, the refusal shown beside its events."""
        case_id = register(stack)
        stack.act(case_id, "approve", stack.tokens["li"])
        before = state(stack, case_id)
        refused = stack.act(case_id, "approve", stack.tokens["li"])
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden.role")
        after = state(stack, case_id)
        assert after["stage"] == before["stage"] == "secrecy_review"
        shown = [e for e in after["events"] if not e["accepted"]]
        assert shown and shown[-1]["by"] == "li" and "secrecy_reviewer" in shown[-1]["detail"]

    def test_personal_data_only_for_roles_that_may_see_it_and_audited(self, stack: ApiStack) -> None:
        """A reviewer gets the application on request (audited); a supervisor is refused."""
        case_id = register(stack)
        seen = stack.call("GET", f"/v1/cases/{case_id}", stack.tokens["li"], personal="true")
        assert seen.status_code == 200
        assert seen.json()["application"]["applicant"]["name"]
        stack.user("sun", "supervisor")
        refused = stack.call("GET", f"/v1/cases/{case_id}", stack.tokens["sun"], personal="true")
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden.personal_data")
        plain = stack.call("GET", f"/v1/cases/{case_id}", stack.tokens["sun"])
        assert plain.status_code == 200 and "application" not in plain.json()
        audit = stack.ogi("audit", "list", "--case", case_id, "--kind", "personal_data_read", "--json")
        entries = json.loads(audit.stdout)["entries"]
        assert [e["actor"] for e in entries] == ["li"]


def _token(claims: dict[str, Any], key: KeyEntry, typ: str = "at+jwt") -> str:
    return jws.sign(claims, key, typ)


class TestTokens:
    def _installation_token_key(self, stack: ApiStack) -> KeySet:
        return KeySet.model_validate_json((stack.home / "keys" / "token.json").read_text("utf-8"))

    def test_missing_token(self, stack: ApiStack) -> None:
        """No token: 401 with how to get one."""
        done = stack.call("GET", "/v1/cases")
        assert (done.status_code, done.json()["code"]) == (401, "unauthenticated")
        assert done.headers["WWW-Authenticate"].startswith("Bearer")

    def test_expired_token(self, stack: ApiStack) -> None:
        """A token signed with the right key but expired: 401 expired."""
        keys = self._installation_token_key(stack)
        user_id = json.loads(base64.urlsafe_b64decode(stack.tokens["li"].split(".")[1] + "=="))["sub"]
        now = int(time.time())
        token = _token({"iss": "ogi", "sub": user_id, "iat": now - 7200, "exp": now - 3600}, keys.current)
        done = stack.call("GET", "/v1/cases", token)
        assert (done.status_code, done.json()["code"]) == (401, "unauthenticated.expired")

    def test_forged_token_other_key(self, stack: ApiStack) -> None:
        """A token signed with another key under the installation's key id: the signature fails."""
        from infra.crypto import signer

        private, public = signer("Ed25519").generate()
        kid = self._installation_token_key(stack).active
        fake = KeyEntry(
            kid=kid,
            alg="Ed25519",
            created=self._installation_token_key(stack).current.created,
            public=base64.b64encode(public).decode(),
            private=base64.b64encode(private).decode(),
        )
        now = int(time.time())
        token = _token({"iss": "ogi", "sub": "u-anyone", "iat": now, "exp": now + 600}, fake)
        done = stack.call("GET", "/v1/cases", token)
        assert (done.status_code, done.json()["code"]) == (401, "unauthenticated.bad_signature")

    def test_alg_none_is_refused(self, stack: ApiStack) -> None:
        """``alg: none`` never verifies."""
        kid = self._installation_token_key(stack).active
        head = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": kid, "typ": "at+jwt"}).encode()).rstrip(b"=")
        body = base64.urlsafe_b64encode(json.dumps({"iss": "ogi", "sub": "x", "exp": 9999999999}).encode()).rstrip(b"=")
        done = stack.call("GET", "/v1/cases", f"{head.decode()}.{body.decode()}.")
        assert (done.status_code, done.json()["code"]) == (401, "unauthenticated.bad_algorithm")

    def test_disabled_user_is_refused_at_once(self, stack: ApiStack) -> None:
        """Disabling a user stops their token at the next request."""
        token = stack.user("temp", "reviewer")
        assert stack.call("GET", "/v1/me", token).status_code == 200
        assert stack.ogi("user", "disable", "temp").returncode == 0
        done = stack.call("GET", "/v1/me", token)
        assert (done.status_code, done.json()["code"]) == (401, "unauthenticated.disabled")


class TestWorkerChecksTheActor:
    async def test_unsigned_update_is_refused_and_logged(self, stack: ApiStack) -> None:
        """A raw Temporal Update without an assertion: refused by the validator, nothing changes, logged."""
        case_id = register(stack)
        client = await raw_client(stack)
        _FixedHeader.header = None
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await client.get_workflow_handle(case_id).execute_update("approve", {"by": "li"})
        assert "carries no signed actor" in str(refused.value.cause)
        assert state(stack, case_id)["stage"] == "review"
        log = (stack.home / "worker.log").read_text("utf-8")
        assert f'"case_id": "{case_id}"' in log and "unauthenticated" in log

    async def test_action_signal_is_refused_and_recorded(self, stack: ApiStack) -> None:
        """An action Signal cannot carry a verified actor: not applied, recorded once as refused."""
        case_id = register(stack)
        client = await raw_client(stack)
        handle = client.get_workflow_handle(case_id)
        for _ in range(3):
            await handle.signal("approve", {"by": "li"})
        for _ in range(50):
            view = state(stack, case_id)
            refused = [e for e in view["events"] if not e["accepted"] and e["action"] == "approve"]
            if refused:
                break
            await asyncio.sleep(0.1)
        assert view["stage"] == "review"
        assert len(refused) == 1 and refused[0]["count"] == 3
        assert "Signal cannot carry one" in refused[0]["detail"]

    async def test_replayed_assertion_for_another_case_or_payload_is_refused(self, stack: ApiStack) -> None:
        """An assertion signed for one case and payload, sent with another: refused as bound elsewhere."""
        keys = KeySet.model_validate_json((stack.home / "keys" / "assertion.json").read_text("utf-8"))
        first, second = register(stack), register(stack)
        actor = Actor(id="u-li", name="li", roles=frozenset({Role.REVIEWER}), verified=True)
        payload = {"by": "li"}
        token = sign_assertion(
            actor, workflow_id=first, action="approve", update_id="approve-replay", payload=payload, keys=keys
        )
        client = await raw_client(stack)
        _FixedHeader.header = token
        try:
            with pytest.raises(WorkflowUpdateFailedError) as other_case:
                await client.get_workflow_handle(second).execute_update("approve", payload, id="approve-replay")
            assert "issued for another case" in str(other_case.value.cause)
            with pytest.raises(WorkflowUpdateFailedError) as other_payload:
                await client.get_workflow_handle(first).execute_update(
                    "approve", {"by": "li", "note": "x"}, id="approve-replay"
                )
            assert "issued for another payload" in str(other_payload.value.cause)
        finally:
            _FixedHeader.header = None
        assert state(stack, first)["stage"] == state(stack, second)["stage"] == "review"

    async def test_history_replays_after_the_assertion_key_rotates(self, stack: ApiStack) -> None:
        """Cases acted on under key a1 replay after rotation (handlers never re-verify); new actions still work."""
        case_id = register(stack)
        stack.act(case_id, "approve", stack.tokens["li"])
        rotated = stack.ogi("keys", "rotate", "assertion", "--json")
        assert rotated.returncode == 0, rotated.stderr
        assert json.loads(rotated.stdout)["active"] != "a1"
        await asyncio.sleep(2.5)  # the worker rereads the public key file within its refresh interval
        done = stack.act(case_id, "approve", stack.tokens["wang"])
        assert done.status_code == 200, done.text
        client = await raw_client(stack)
        history = await client.get_workflow_handle(case_id).fetch_history()
        replayer = Replayer(
            workflows=WORKFLOWS, interceptors=[ActorInterceptor(None)], data_converter=codec_converter(stack.home)
        )
        await replayer.replay_workflow(history)


class TestPublicStatus:
    def test_right_code_wrong_code_and_unknown_case(self, stack: ApiStack) -> None:
        """The right code shows the status; a wrong code and an unknown case answer the same 404."""
        answer = stack.call("POST", "/v1/cases", stack.tokens["clerk"], application()).json()
        right = stack.call("GET", f"/v1/public/status/{answer['id']}", code=answer["query_code"])
        assert right.status_code == 200 and right.json()["case_id"] == answer["id"]
        wrong = stack.call("GET", f"/v1/public/status/{answer['id']}", code="AAAAA-AAAAA")
        unknown = stack.call("GET", "/v1/public/status/NOPE-2026-000999", code=answer["query_code"])
        assert wrong.status_code == unknown.status_code == 404
        assert wrong.json()["code"] == unknown.json()["code"] == "not_found.case_or_code"
        log = (stack.home / "serve.log").read_text("utf-8")
        assert "status.lookup_failed" in log and "AAAAA" not in log

    def test_lookups_of_one_case_are_rate_limited(self, stack: ApiStack) -> None:
        """Guessing codes for one case stops with 429 after a handful of tries."""
        case_id = register(stack)
        codes = [
            stack.call("GET", f"/v1/public/status/{case_id}", code=f"X{n:04d}-AAAAA").status_code for n in range(15)
        ]
        assert 429 in codes
        assert codes.index(429) <= 10


class _Jwks(BaseHTTPRequestHandler):
    body = b"{}"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class TestOidc:
    def test_platform_tokens_with_key_rotation(self, stack: ApiStack) -> None:
        """A JWKS served here with two keys: tokens of either work, roles from the claim; wrong audience fails."""
        keys = {f"k{n}": rsa.generate_private_key(public_exponent=65537, key_size=2048) for n in (1, 2)}
        jwks = {"keys": []}
        for kid, key in keys.items():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            jwks["keys"].append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        _Jwks.body = json.dumps(jwks).encode()
        server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Jwks)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = free_port()
        env = {
            **stack.env,
            "OGI_OIDC_ISSUER": "https://idp.example.gov.cn",
            "OGI_OIDC_AUDIENCE": "ogi",
            "OGI_OIDC_JWKS_URL": f"http://127.0.0.1:{server.server_address[1]}/jwks.json",
            "OGI_API_PORT": str(port),
        }
        serve = subprocess.Popen(
            [str(Path(sys.executable).parent / "ogi"), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(base + "/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)

            def token(kid: str, roles: list[str], aud: str = "ogi", sub: str = "10001") -> str:
                now = int(time.time())
                claims = {
                    "iss": "https://idp.example.gov.cn",
                    "aud": aud,
                    "sub": sub,
                    "iat": now,
                    "exp": now + 600,
                    "preferred_username": f"oidc{sub}",
                    "roles": roles,
                    "department": "办公室",
                }
                return jwt.encode(claims, keys[kid], algorithm="RS256", headers={"kid": kid})

            def call(method: str, path: str, tok: str, body: Any = None) -> httpx.Response:
                return httpx.request(method, base + path, headers={"Authorization": f"Bearer {tok}"}, json=body)

            me = call("GET", "/v1/me", token("k1", ["intake"]))
            assert me.status_code == 200, me.text
            assert (me.json()["name"], me.json()["roles"], me.json()["via"]) == ("oidc10001", ["intake"], "oidc")
            made = call("POST", "/v1/cases", token("k2", ["intake"]), application())
            assert made.status_code == 201, made.text
            reviewer = token("k2", ["reviewer"], sub="10002")
            assert call("POST", f"/v1/cases/{made.json()['id']}/actions/approve", reviewer, {}).status_code == 200
            wrong = call("GET", "/v1/me", token("k1", ["intake"], aud="another-system"))
            assert (wrong.status_code, wrong.json()["code"]) == (401, "unauthenticated.invalid")
            local = call("GET", "/v1/me", stack.tokens["li"])
            assert local.status_code == 200 and local.json()["via"] == "token"
        finally:
            serve.terminate()
            serve.wait(timeout=20)
            server.shutdown()


class TestAuditLog:
    def test_auditor_reads_and_verifies_others_may_not(self, stack: ApiStack) -> None:
        """The auditor lists the log and verifies its chain; a reviewer is refused."""
        case_id = register(stack)
        stack.act(case_id, "approve", stack.tokens["li"])
        auditor = stack.user("shen", "auditor")
        listed = stack.call("GET", "/v1/audit", auditor, case=case_id)
        assert listed.status_code == 200, listed.text
        actions = [e["action"] for e in listed.json()["entries"] if e["action"] in ("registered", "approve")]
        assert actions[:2] == ["registered", "approve"]
        verified = stack.call("GET", "/v1/audit/verify", auditor)
        assert verified.status_code == 200 and verified.json()["ok"] is True
        refused = stack.call("GET", "/v1/audit", stack.tokens["li"])
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden.role")

    def test_an_edited_entry_is_found(self, stack: ApiStack) -> None:
        """Changing one stored entry (as someone with the database could) breaks the chain at that entry."""
        import sqlite3

        register(stack)
        db = sqlite3.connect(stack.home / "ogi.sqlite")
        try:
            seq = db.execute("SELECT MIN(seq) FROM audit_log WHERE kind = 'case_event'").fetchone()[0]
            db.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = ?", (seq,))
            db.commit()
            verify = stack.ogi("audit", "verify", "--json")
            assert verify.returncode == 1
            report = json.loads(verify.stdout)
            assert (report["ok"], report["broken_at"]) == (False, seq)
        finally:
            db.execute("UPDATE audit_log SET actor = 'clerk' WHERE seq = ?", (seq,))
            db.commit()
            db.close()
        assert stack.ogi("audit", "verify").returncode == 0
