"""The web service: the REST API under /api/v1, health and metrics endpoints, and the web pages."""
