"""One router per audience: the console for staff, the public pages for applicants."""
