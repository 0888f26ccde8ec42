"""HTTP API under /api/v1 (FastAPI) and the web pages' app (shell)."""
