"""The key of applicant pseudonyms (``domain.applicant_key``): ``OGI_APPLICANT_KEY`` or a file in the home.

Every worker sharing a store must share this key, as they share the store: set ``OGI_APPLICANT_KEY``
on each, or share ``$OGI_HOME/applicant.key``. Without either, the first registration creates the file.
"""

from __future__ import annotations

import os
import secrets

from activities.paths import ogi_home

KEY_VAR = "OGI_APPLICANT_KEY"
KEY_FILE = "applicant.key"


def applicant_secret() -> bytes:
    """The pseudonym key: the environment's, else the home's file, created once (readable by the owner only)."""
    value = os.environ.get(KEY_VAR)
    if value:
        return value.encode()
    path = ogi_home() / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a private name, then linked in: a concurrent reader never sees it half-written.
        tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it first: use theirs
        finally:
            tmp.unlink()
    return path.read_bytes().strip()
