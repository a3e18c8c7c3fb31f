"""The HTTP API (FastAPI, OpenAPI at /openapi.json) and the web pages, served by the worker process."""
