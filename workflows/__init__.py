"""Temporal workflow definitions: deterministic, thin, delegating rules to domain/ and effects to activities/.

The package imports nothing itself, so that ``workflows.search_attributes`` stays cheap for the CLI;
the worker takes its list of workflows from ``workflows.registry``.
"""
