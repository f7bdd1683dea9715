"""The key of applicant pseudonyms (``domain.applicant_key``): ``OGI_APPLICANT_KEY`` or a file in the home.

Every worker sharing a store must share this key, as they share the store: set ``OGI_APPLICANT_KEY``
on each, or share ``$OGI_HOME/applicant.key``. Without either, the first registration creates the file.
The store keeps the key's fingerprint, so a worker with another key refuses to register instead of
silently splitting every applicant's count in two.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path

from domain.config import ConfigError
from infra.paths import ogi_home

KEY_VAR = "OGI_APPLICANT_KEY"
KEY_FILE = "applicant.key"
MIN_KEY_CHARS = 32


class ApplicantKeyError(ConfigError):
    """The key cannot be used as configured; the message says how to fix it (never the key)."""


def applicant_secret(may_create: Callable[[], bool] = lambda: True) -> bytes:
    """The pseudonym key: the environment's, else the home's file, created once (readable by the owner only).

    ``may_create`` is asked before a new key is made: a worker joining a store whose pseudonyms were
    made with a key it lacks must be given that key, not make its own.
    """
    value = os.environ.get(KEY_VAR, "").strip()
    if value:
        if len(value) < MIN_KEY_CHARS:
            msg = (
                f"{KEY_VAR} has {len(value)} characters, fewer than {MIN_KEY_CHARS}: a short key lets a copy of the "
                "store be matched against guessed identity numbers; set it to e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`, the same on every worker "
                "(a new key restarts the monthly counts and the matching of repeated requests)"
            )
            raise ApplicantKeyError(msg)
        return value.encode()
    path = ogi_home() / KEY_FILE
    if not path.exists():
        _create_once(path, may_create)
    return path.read_bytes().strip()


def _create_once(path: Path, may_create: Callable[[], bool]) -> None:
    """Make the key file unless another process or thread made it first: one key, whatever the concurrency.

    The check that the store holds no pseudonyms yet and the creation happen under one lock, so a
    registration that counted under a key just made is never mistaken for a foreign key's.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _local_lock, (path.parent / f".{KEY_FILE}.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            if path.exists():
                return
            if not may_create():
                msg = (
                    f"this worker has no applicant key ({KEY_VAR} unset, no {path}) but the case store already "
                    f"holds pseudonyms made with one: set {KEY_VAR} or copy applicant.key from a worker that "
                    "registered them"
                )
                raise ApplicantKeyError(msg)
            # Written whole under a private name, then linked in: a reader never sees it half-written.
            tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)
            finally:
                tmp.unlink()
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_local_lock = threading.Lock()
