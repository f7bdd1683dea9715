"""``ogi serve``: the HTTP API (FastAPI) over the service layer, with authentication and problem+json errors."""
