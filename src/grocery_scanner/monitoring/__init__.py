"""Monitoring: Prometheus metrics, and the health score computed from what the system measured."""
