"""Store connectors: build search requests and turn responses into offers."""
