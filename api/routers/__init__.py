"""One router module per resource: cases (and their actions), statistics, reports, public status, sign-in."""
