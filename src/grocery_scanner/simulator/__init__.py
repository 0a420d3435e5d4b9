"""Embedded demo stores: fictional stores with deterministic catalogs, speaking real formats over HTTP."""
