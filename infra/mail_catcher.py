"""A local mail server for the embedded stack: every message the cases send is kept as a ``.eml`` file.

``make run`` starts it when no ``OGI_SMTP_URL`` is set, so e-mail delivery works out of the box and a
newcomer can open what an applicant would receive. It accepts every message on loopback and relays
nothing: a real installation sets ``OGI_SMTP_URL`` to the agency's mail server instead.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(envelope.original_content)
        os.replace(tmp, self.folder / name)
        return f"250 2.0.0 Ok: kept as {name}"


def start(host: str, port: int, folder: Path) -> Controller:
    """Start keeping every message sent to ``host:port`` in ``folder``; ``stop()`` the controller to end."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    controller = Controller(_Keep(folder), hostname=host, port=port)
    controller.start()
    return controller


def serve(host: str, port: int, folder: Path) -> None:
    """Keep every message sent to ``host:port`` in ``folder`` until the process is stopped."""
    controller = start(host, port, folder)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()
