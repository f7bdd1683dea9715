"""Calling the service layer from tests: as a claimed user (authentication off) against a given server."""

from __future__ import annotations

from domain.application import Application
from service import intake
from service.identities import claimed
from service.intake import SubmitAnswer


async def submit(application: Application, by: str = "clerk") -> SubmitAnswer:
    """Register an application through the service, as intake would; the answer (duplicates included)."""
    answer, _ = await intake.submit(claimed(by), application)
    return answer
