"""The SM suite (GB/T 39786): SM2 tokens and assertions, SM4-GCM payloads, HMAC-SM3 audit chain, like the standard one.

Chosen by ``OGI_CRYPTO_SUITE=sm``; every key records its algorithm, so keys of both suites verify side by side.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.actor import Actor
from domain.config import Role
from infra import audit_log, crypto, jws, signing_keys
from infra.assertions import AssertionRefused, Verifier, sign_assertion
from infra.codec import load_codec


@pytest.fixture
def sm_home(private_home: Path, monkeypatch: pytest.MonkeyPatch, db: Path) -> Path:
    monkeypatch.setenv("OGI_CRYPTO_SUITE", "sm")
    monkeypatch.delenv("OGI_KEYS_FILE", raising=False)
    return private_home


def test_new_keys_are_sm_and_say_so(sm_home: Path) -> None:
    """Token and assertion keys are SM2, the audit key HMAC-SM3, the payload key SM4-GCM, each recorded."""
    assert signing_keys.load_private("token").current.alg == "SM2"
    assert signing_keys.load_private("assertion").current.alg == "SM2"
    assert signing_keys.load_private("audit").current.alg == "HMAC-SM3"
    codec = load_codec()
    assert codec is not None


def test_sm2_token_verifies_and_a_tampered_one_does_not(sm_home: Path) -> None:
    """A compact JWS signed with SM2 (alg SM2-SM3) verifies; one changed byte does not."""
    keys = signing_keys.load_private("token")
    now = int(time.time())
    token = jws.sign({"iss": "ogi", "sub": "u-1", "iat": now, "exp": now + 60}, keys.current, "at+jwt")
    assert jws.unverified_header(token)["alg"] == "SM2-SM3"
    assert jws.verify(token, signing_keys.load_public("token"), typ="at+jwt", now=now)["sub"] == "u-1"
    head, body, sig = token.split(".")
    forged = f"{head}.{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{sig}"
    with pytest.raises(jws.TokenError):
        jws.verify(forged, signing_keys.load_public("token"), typ="at+jwt", now=now)


@pytest.mark.parametrize("private_int", [11, 12345])
def test_sm2_signs_with_a_public_key_beginning_04(private_int: int) -> None:
    """About one SM2 key in 256 has a public x beginning with 04; it signs and verifies like any other.

    Private key 11 gives such a point (x = 04b3cb…); 12345 is an ordinary one beside it.
    """
    sm2_signer = crypto.signer("SM2")
    private = private_int.to_bytes(32, "big")
    public = bytes.fromhex(crypto._sm2_public_hex(private.hex()))
    assert (public.hex().startswith("04")) == (private_int == 11)
    signature = sm2_signer.sign(private, b"ogi")
    assert sm2_signer.verify(public, b"ogi", signature)
    assert not sm2_signer.verify(public, b"ogj", signature)


def test_sm2_assertion_checked_by_the_worker(sm_home: Path) -> None:
    """The worker's verifier accepts an SM2 assertion for its binding and refuses it for another case."""
    actor = Actor(id="u-1", name="li", roles=frozenset({Role.REVIEWER}), verified=True)
    token = sign_assertion(actor, workflow_id="C-1", action="approve", update_id="u1", payload={"by": "li"})
    verifier = Verifier()
    now = datetime.now(UTC)
    assert (
        verifier.verify(token, workflow_id="C-1", action="approve", update_id="u1", payload={"by": "li"}, now=now).name
        == "li"
    )
    with pytest.raises(AssertionRefused):
        verifier.verify(token, workflow_id="C-2", action="approve", update_id="u1", payload={"by": "li"}, now=now)


def test_audit_chain_under_hmac_sm3(sm_home: Path) -> None:
    """The audit log chains with HMAC-SM3 and verifies."""
    for n in range(3):
        audit_log.append("test", actor="li", detail={"n": n})
    report = audit_log.verify()
    assert (report.ok, report.entries) == (True, 3)
