"""Side effects of a case: tracking numbers, deadline computation, documents, notifications, archive."""
