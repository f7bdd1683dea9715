"""The one application layer that the CLI, the HTTP API and the console call.

Intake, actions with preview, the case view, listings, statistics, reports, public status and
identities: no rule or query lives twice.
"""
