"""The `ogi` command line: intake, reviewer actions, supervisor queries, calendar and report."""
