"""The quality gate: every offer is validated, checked for anomalies, remedied where the fix is certain
or quarantined, and scored, before the optimizer sees it."""
