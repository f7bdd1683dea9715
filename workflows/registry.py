"""The list of workflows a worker registers."""

from __future__ import annotations

from workflows.disclosure import DisclosureRequestWorkflow
from workflows.intake import IntakeWorkflow

WORKFLOWS: list[type] = [DisclosureRequestWorkflow, IntakeWorkflow]
"""Every workflow class the worker registers."""
