"""The staff console (``/console``) and the applicant pages (``/apply``, ``/status``): Jinja2 pages over ``service/``."""
