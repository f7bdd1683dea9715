"""Where ogi keeps its files: one home directory and its parts, the same wherever a command runs.

The home is ``OGI_HOME`` when set; otherwise the one ``make run`` (``ogi dev run``) or ``ogi setup``
recorded for this user (a pointer file in ``$XDG_CONFIG_HOME/ogi/home``), so ``ogi report`` run from
another folder reads the same store; otherwise ``./.data``. The home is private: folders 0700, files 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

from infra.settings import settings

DEFAULT_HOME = ".data"


def pointer_file() -> Path:
    """The file recording this user's home (``$XDG_CONFIG_HOME/ogi/home``, default ``~/.config/ogi/home``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "ogi" / "home"


def recorded_home() -> Path | None:
    """The home recorded by ``make run`` / ``ogi setup``, if any and still present."""
    try:
        text = pointer_file().read_text("utf-8").strip()
    except OSError:
        return None
    path = Path(text)
    return path if text and path.is_absolute() and path.is_dir() else None


def ogi_home() -> Path:
    """The data directory: ``OGI_HOME``, else the recorded home, else ``./.data``."""
    configured = settings().home
    if configured is not None:
        return configured.resolve()
    return recorded_home() or Path(DEFAULT_HOME).resolve()


def home_is_explicit() -> bool:
    """Whether ``OGI_HOME`` names the home (tests and deployments), rather than the recorded default."""
    return settings().home is not None


def record_home(home: Path) -> Path | None:
    """Remember ``home`` as this user's (unless ``OGI_HOME`` is set explicitly); the pointer written, if any."""
    if home_is_explicit():
        return None
    pointer = pointer_file()
    pointer.parent.mkdir(parents=True, exist_ok=True)
    tmp = pointer.with_name(f".home.{os.getpid()}")
    tmp.write_text(str(home.resolve()) + "\n", "utf-8")
    os.replace(tmp, pointer)
    return pointer


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make it readable by its owner only (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def make_home() -> Path:
    """The home, created private (0700) if it does not exist."""
    return private_dir(ogi_home())


def notices_dir() -> Path:
    """Loaded State Council holiday notices (one JSON file per year)."""
    return ogi_home() / "calendar"


def keys_dir() -> Path:
    """Signing and audit keys of the installation (private keys 0600)."""
    return ogi_home() / "keys"


def documents_dir() -> Path:
    """Rendered replies and notices, one folder per case (``OGI_DOCUMENTS_DIR`` overrides)."""
    return (settings().documents_dir or ogi_home() / "documents").resolve()


def templates_dir() -> Path:
    """The agency's own notice templates, overriding the shipped ones (``OGI_TEMPLATES_DIR`` overrides)."""
    return (settings().templates_dir or ogi_home() / "templates").resolve()


def outbox_path() -> Path:
    """The notification outbox: one JSON object per line (``OGI_OUTBOX`` overrides)."""
    return (settings().outbox or ogi_home() / "outbox.jsonl").resolve()


def database_url() -> str:
    """The case store: SQLite under the home by default, PostgreSQL or another by ``OGI_DATABASE_URL``."""
    return settings().database_url or f"sqlite:///{ogi_home() / 'ogi.sqlite'}"


def config_path() -> Path | None:
    """The agency configuration file named by ``OGI_CONFIG``, if any."""
    return settings().config


def attachments_dir() -> Path:
    """Applicants' attachments (identity scans, licences, powers of attorney), encrypted, one folder per case."""
    return ogi_home() / "attachments"
