"""Pure rules of government information disclosure on application: models, calendar, deadlines, outcomes."""
