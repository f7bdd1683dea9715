"""Temporal workflow definitions: deterministic, thin, delegating rules to domain/ and effects to activities/."""

from workflows.disclosure import DisclosureRequestWorkflow
from workflows.intake import IntakeWorkflow

WORKFLOWS: list[type] = [DisclosureRequestWorkflow, IntakeWorkflow]
"""Every workflow class the worker registers."""
