"""A throwaway PostgreSQL server for the store tests: initdb into a temp dir, start on a free port, stop.

The store claims PostgreSQL for production; these tests hold it to that on a real server, not a mock.
CI sets ``OGI_REQUIRE_POSTGRES=1`` so a machine without the server binaries fails instead of skipping.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REQUIRE = "OGI_REQUIRE_POSTGRES"
EXTERNAL = "OGI_TEST_POSTGRES_URL"
"""An existing server (a superuser URL) to use instead of starting one."""


def server_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, or Debian's versioned folder."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


def _as_server_user(argv: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI containers often are root.
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@contextmanager
def postgres_server(workdir: Path, port: int) -> Iterator[str]:
    """Start a server on 127.0.0.1:port with data under ``workdir``; yields a superuser SQLAlchemy URL."""
    bin_dir = server_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("initdb not found")
    data = workdir / "data"
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            msg = "running as root, PostgreSQL needs its own user 'postgres' (Debian's postgresql package creates it)"
            raise FileNotFoundError(msg) from None
        os.chown(workdir, user.pw_uid, user.pw_gid)
    subprocess.run(
        _as_server_user(
            [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "ogi", "--no-sync", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -F"
    pg_ctl = str(bin_dir / "pg_ctl")
    subprocess.run(
        _as_server_user([pg_ctl, "-D", str(data), "-w", "-o", options, "-l", str(workdir / "server.log"), "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://ogi@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
