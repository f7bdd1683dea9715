"""Per-action assertions: the service's signed statement "this user sends this action to this case".

``ogi serve`` authenticates the user, then signs an assertion bound to the workflow id, the action's
name, the Update id and a digest of the payload, carrying the user's id and roles, valid for minutes.
It travels in a Temporal header (never the user's bearer token, which must not enter history). The
worker holds public keys only (``assertion.pub.json``), reloaded when the file changes: it can check an
actor, never forge one.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.actor import Actor, ActorRef
from domain.config import Role
from infra import jws
from infra.signing_keys import KeyFileError, KeySet, load_private, load_public, public_file

HEADER = "ogi-actor"
"""The Temporal header an action's assertion travels in."""
TYP = "ogi-assertion+jws"
TTL_S = 300
"""How long an assertion is valid: long enough for a worker that is catching up, short enough to be useless later."""


class AssertionRefused(ValueError):
    """An action whose actor cannot be verified; ``code`` says why in one word."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def payload_digest(payload: Any) -> str:
    """SHA-256 of the payload's canonical JSON: what the assertion binds the action's content with."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def sign_assertion(
    actor: Actor, *, workflow_id: str, action: str, update_id: str, payload: Any, keys: KeySet | None = None
) -> str:
    """The assertion for one action (the service's side)."""
    keyset = keys or load_private("assertion")
    now = int(time.time())
    claims: dict[str, Any] = {
        "wid": workflow_id,
        "act": action,
        "uid": update_id,
        "dig": payload_digest(payload),
        "sub": actor.id,
        "name": actor.name,
        "roles": sorted(r.value for r in actor.roles or ()),
        "agency": actor.agency,
        "dept": actor.department,
        "rec": actor.recorded_by.model_dump() if actor.recorded_by else None,
        "iat": now,
        "exp": now + TTL_S,
    }
    return jws.sign(claims, keyset.current, TYP)


def actor_from_claims(claims: dict[str, Any]) -> Actor:
    """The actor an assertion names (roles unknown to this version are ignored, never granted)."""
    roles = frozenset(Role(r) for r in claims.get("roles", []) if r in Role.__members__.values())
    recorded = claims.get("rec")
    return Actor(
        id=str(claims["sub"]),
        name=str(claims["name"]),
        roles=roles,
        verified=True,
        agency=claims.get("agency"),
        department=claims.get("dept"),
        recorded_by=ActorRef.model_validate(recorded) if isinstance(recorded, dict) else None,
    )


def recorded_actor(token: str) -> Actor:
    """The actor of an assertion the worker already verified.

    Read from history without a key, so replay survives key rotation.
    """
    return actor_from_claims(jws.unverified_claims(token))


class Verifier:
    """Checks assertions with the installation's public assertion keys, reloading them when the file changes."""

    def __init__(self, path: Path | None = None, reload_every_s: float = 2.0) -> None:
        self._path = path or public_file("assertion")
        self._every = reload_every_s
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._stamp: tuple[float, int] | None = None
        self._checked = 0.0
        self._reload()

    @property
    def has_keys(self) -> bool:
        """Whether a public key was found (none means every action is refused)."""
        return self._keys is not None

    def _reload(self) -> None:
        try:
            st = self._path.stat()
        except FileNotFoundError:
            self._keys, self._stamp = None, None
            return
        stamp = (st.st_mtime, st.st_size)
        if stamp == self._stamp:
            return
        try:
            self._keys = load_public("assertion") if self._path == public_file("assertion") else _read(self._path)
            self._stamp = stamp
        except KeyFileError:
            self._keys = None

    def keys(self) -> KeySet | None:
        """The current key set, reloaded when the file changed (checked at most every few seconds)."""
        now = time.monotonic()
        with self._lock:
            if now - self._checked >= self._every:
                self._checked = now
                self._reload()
            return self._keys

    def verify(
        self, token: str | None, *, workflow_id: str, action: str, update_id: str, payload: Any, now: datetime
    ) -> Actor:
        """The verified actor of an action; ``AssertionRefused`` with the reason otherwise."""
        if not token:
            raise AssertionRefused(
                "unauthenticated",
                "this action carries no signed actor: with authentication on, send it through 'ogi serve' "
                "(the API or the ogi command with a token), not as a raw Temporal update",
            )
        keys = self.keys()
        if keys is None:
            raise AssertionRefused("no_keys", "this worker has no public assertion key (assertion.pub.json)")
        try:
            claims = jws.verify(token, keys, typ=TYP, now=now.timestamp())
        except jws.TokenError as exc:
            raise AssertionRefused(exc.code, f"the action's signed actor is not valid: {exc}") from None
        expected = {"wid": workflow_id, "act": action, "uid": update_id, "dig": payload_digest(payload)}
        for claim, value in expected.items():
            if claims.get(claim) != value:
                what = {"wid": "case", "act": "action", "uid": "update id", "dig": "payload"}[claim]
                raise AssertionRefused(
                    "wrong_binding", f"the action's signed actor was issued for another {what}: it cannot be reused"
                )
        try:
            return actor_from_claims(claims)
        except (KeyError, ValueError):
            raise AssertionRefused("malformed", "the action's signed actor lacks its user") from None


def _read(path: Path) -> KeySet:
    try:
        return KeySet.model_validate_json(path.read_text("utf-8"))
    except (OSError, ValueError):
        msg = f"cannot read public keys from {path}"
        raise KeyFileError(msg) from None
