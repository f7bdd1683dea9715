"""Where ogi keeps its files: one home directory (``OGI_HOME``, default ``./.data``) and its parts."""

from __future__ import annotations

import os
from pathlib import Path


def ogi_home() -> Path:
    """The data directory: calendar notices, replies, outbox, the case store."""
    return Path(os.environ.get("OGI_HOME", ".data")).resolve()


def notices_dir() -> Path:
    """Loaded State Council holiday notices (one JSON file per year)."""
    return ogi_home() / "calendar"


def documents_dir() -> Path:
    """Rendered replies and notices, one folder per case (``OGI_DOCUMENTS_DIR`` overrides)."""
    return Path(os.environ.get("OGI_DOCUMENTS_DIR", str(ogi_home() / "documents"))).resolve()


def templates_dir() -> Path:
    """The agency's own notice templates, overriding the shipped ones (``OGI_TEMPLATES_DIR`` overrides)."""
    return Path(os.environ.get("OGI_TEMPLATES_DIR", str(ogi_home() / "templates"))).resolve()


def outbox_path() -> Path:
    """The notification outbox: one JSON object per line (``OGI_OUTBOX`` overrides)."""
    return Path(os.environ.get("OGI_OUTBOX", str(ogi_home() / "outbox.jsonl"))).resolve()


def database_url() -> str:
    """The case store: SQLite under the home by default, PostgreSQL or another by ``OGI_DATABASE_URL``."""
    return os.environ.get("OGI_DATABASE_URL", f"sqlite:///{ogi_home() / 'ogi.sqlite'}")


def config_path() -> Path | None:
    """The agency configuration file named by ``OGI_CONFIG``, if any."""
    value = os.environ.get("OGI_CONFIG")
    return Path(value) if value else None
