"""The installation's own keys: who signs tokens, who signs action assertions, and the audit log's MAC key.

Each purpose has a private key file in the home's ``keys/`` folder (mode 0600), holding every key it
ever had by id with its algorithm and which one is active, and, for the two signing keys, a public
file beside it that verifiers read:

- ``token``: signs the bearer tokens of local users (``ogi token issue``): only whoever can read this
  file can mint tokens. ``ogi serve`` verifies them with ``token.pub.json``.
- ``assertion``: ``ogi serve`` signs each action it sends with it; workers verify with
  ``assertion.pub.json`` only, so a worker can check actors but never forge one.
- ``audit``: the MAC key chaining the audit log (``ogi audit verify``).

A key is created on first use, atomically (two processes starting together end with one key);
rotation adds a key and makes it active, keeping the old ones so tokens, assertions and audit entries
made under them still verify.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from infra.crypto import CryptoError, signer, suite
from infra.paths import keys_dir, private_dir
from infra.settings import settings

Purpose = Literal["token", "assertion", "audit"]
PURPOSES: tuple[Purpose, ...] = ("token", "assertion", "audit")
_PREFIX: dict[Purpose, str] = {"token": "t", "assertion": "a", "audit": "m"}


class KeyFileError(CryptoError):
    """A key file is missing, unreadable or damaged; the message names it and the fix."""


class KeyEntry(BaseModel):
    """One key: its id, algorithm, when made, and its material (base64)."""

    kid: str
    alg: str
    created: datetime
    public: str | None = None
    """Public key (signature keys); None for a MAC key."""
    private: str | None = None
    """Private key or MAC secret; absent from public files."""

    def public_bytes(self) -> bytes:
        """The raw public key."""
        if self.public is None:
            msg = f"key {self.kid} has no public part"
            raise KeyFileError(msg)
        return base64.b64decode(self.public)

    def private_bytes(self) -> bytes:
        """The raw private key or secret."""
        if self.private is None:
            msg = f"key {self.kid} has no private part here"
            raise KeyFileError(msg)
        return base64.b64decode(self.private)


class KeySet(BaseModel):
    """Every key of one purpose and the id of the active one."""

    purpose: Purpose
    active: str
    keys: list[KeyEntry]

    def get(self, kid: str) -> KeyEntry | None:
        """The key with id ``kid``."""
        return next((k for k in self.keys if k.kid == kid), None)

    @property
    def current(self) -> KeyEntry:
        """The active key."""
        found = self.get(self.active)
        if found is None:
            msg = f"the active {self.purpose} key {self.active} is not in its key file"
            raise KeyFileError(msg)
        return found

    def public_only(self) -> KeySet:
        """The same set without private material."""
        return KeySet(
            purpose=self.purpose,
            active=self.active,
            keys=[k.model_copy(update={"private": None}) for k in self.keys],
        )


def private_file(purpose: Purpose) -> Path:
    """The private key file of a purpose."""
    return keys_dir() / f"{purpose}.json"


def public_file(purpose: Purpose) -> Path:
    """The public key file of a signing purpose."""
    return keys_dir() / f"{purpose}.pub.json"


def _new_entry(purpose: Purpose, kid: str) -> KeyEntry:
    algorithms = suite(settings().crypto_suite)
    now = datetime.now(UTC)
    if purpose == "audit":
        secret = secrets.token_bytes(32)
        return KeyEntry(kid=kid, alg=algorithms.mac, created=now, private=base64.b64encode(secret).decode())
    private, public = signer(algorithms.signature).generate()
    return KeyEntry(
        kid=kid,
        alg=algorithms.signature,
        created=now,
        public=base64.b64encode(public).decode(),
        private=base64.b64encode(private).decode(),
    )


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by the owner only."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


@contextmanager
def _locked() -> Iterator[None]:
    folder = private_dir(keys_dir())
    with (folder / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_read_cache: dict[Path, tuple[tuple[float, int], KeySet]] = {}


def _read(path: Path, purpose: Purpose) -> KeySet:
    """A key file's set, parsed once per version of the file (its mtime and size)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        msg = f"no {purpose} key at {path}"
        raise KeyFileError(msg) from None
    except OSError as exc:
        msg = f"cannot read the {purpose} key file {path}: {exc.strerror}"
        raise KeyFileError(msg) from None
    stamp = (st.st_mtime, st.st_size)
    cached = _read_cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    keyset = _parse(path, purpose)
    _read_cache[path] = (stamp, keyset)
    return keyset


def _parse(path: Path, purpose: Purpose) -> KeySet:
    try:
        data = path.read_text("utf-8")
    except FileNotFoundError:
        msg = f"no {purpose} key at {path}"
        raise KeyFileError(msg) from None
    except OSError as exc:
        msg = f"cannot read the {purpose} key file {path}: {exc.strerror}"
        raise KeyFileError(msg) from None
    try:
        return KeySet.model_validate_json(data)
    except ValidationError:
        msg = f"the {purpose} key file {path} is damaged; restore it from the installation's backup"
        raise KeyFileError(msg) from None


def _save(keyset: KeySet) -> None:
    _write_private(private_file(keyset.purpose), keyset.model_dump_json(indent=2))
    if keyset.purpose != "audit":
        public = public_file(keyset.purpose)
        _write_private(public, keyset.public_only().model_dump_json(indent=2))
        os.chmod(public, 0o644)


def load_private(purpose: Purpose, *, create: bool = True) -> KeySet:
    """The key set of ``purpose`` with private material; created on first use when ``create``."""
    path = private_file(purpose)
    if path.exists() or not create:
        return _read(path, purpose)
    with _locked():
        if path.exists():  # another process made it while we waited for the lock
            return _read(path, purpose)
        kid = f"{_PREFIX[purpose]}1"
        keyset = KeySet(purpose=purpose, active=kid, keys=[_new_entry(purpose, kid)])
        _save(keyset)
        return keyset


def load_public(purpose: Purpose) -> KeySet:
    """The public keys of a signing purpose (what verifiers hold)."""
    return _read(public_file(purpose), purpose)


def rotate(purpose: Purpose) -> KeySet:
    """Add a new key for ``purpose`` and make it active; the old keys stay to verify what they signed."""
    with _locked():
        path = private_file(purpose)
        if path.exists():
            keyset = _read(path, purpose)
            numbers = [int(k.kid[1:]) for k in keyset.keys if k.kid[1:].isdigit()]
            kid = f"{_PREFIX[purpose]}{max(numbers, default=0) + 1}"
            keyset = KeySet(purpose=purpose, active=kid, keys=[*keyset.keys, _new_entry(purpose, kid)])
        else:
            kid = f"{_PREFIX[purpose]}1"
            keyset = KeySet(purpose=purpose, active=kid, keys=[_new_entry(purpose, kid)])
        _save(keyset)
        return keyset


def key_summary() -> list[dict[str, str]]:
    """Every key of the installation (no material): purpose, id, algorithm, created, active."""
    rows: list[dict[str, str]] = []
    for purpose in PURPOSES:
        path = private_file(purpose)
        source = path if path.exists() else public_file(purpose)
        if not source.exists():
            continue
        keyset = _read(source, purpose)
        rows += [
            {
                "purpose": purpose,
                "kid": k.kid,
                "alg": k.alg,
                "created": k.created.isoformat(timespec="seconds"),
                "active": "yes" if k.kid == keyset.active else "",
            }
            for k in keyset.keys
        ]
    return rows


def public_keys_json(purpose: Purpose) -> str:
    """The public key file's content, for distributing to workers on other machines."""
    return json.dumps(load_public(purpose).model_dump(mode="json"), ensure_ascii=False, indent=2)
